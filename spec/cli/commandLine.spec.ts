import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import {
  commandFor,
  ITEM_VARIABLE,
  scriptWithItem,
  shellScriptIndex,
} from '../../src/cli/commandLine';

const env = (item: string) => ({ [ITEM_VARIABLE]: item });

describe('commandFor', () => {
  it('replaces every {} in the arguments with the item', () => {
    expect(commandFor(['cp', '{}', '{}.bak'], 'a.txt', false)).toEqual({
      file: 'cp',
      args: ['a.txt', 'a.txt.bak'],
      env: env('a.txt'),
    });
  });

  it('appends the item when no argument has {}', () => {
    expect(commandFor(['wc', '-c'], 'x.txt', false)).toEqual({
      file: 'wc',
      args: ['-c', 'x.txt'],
      env: env('x.txt'),
    });
  });

  it('keeps an item with spaces and quotes as one argument without a shell', () => {
    expect(commandFor(['echo', '{}'], `it's a "b" $HOME`, false).args).toEqual([
      `it's a "b" $HOME`,
    ]);
  });

  it('puts a reference to the item, never the item, into the script of sh -c', () => {
    const line = commandFor(['sh', '-c', 'echo got {}'], '$(touch pwned)', false);
    expect(line).toEqual({
      file: 'sh',
      args: ['-c', `echo got "\${${ITEM_VARIABLE}}"`],
      env: env('$(touch pwned)'),
    });
  });

  it('passes a lone {} after the script as an argument, verbatim', () => {
    expect(commandFor(['bash', '-c', 'echo "$1"', 'bash', '{}'], "it's", false).args).toEqual([
      '-c',
      'echo "$1"',
      'bash',
      "it's",
    ]);
  });

  it('runs through /bin/sh -c with --shell, {} a quoted reference to the item', () => {
    expect(commandFor(['cat {} | wc -l'], 'my file', true)).toEqual({
      file: '/bin/sh',
      args: ['-c', `cat "\${${ITEM_VARIABLE}}" | wc -l`],
      env: env('my file'),
    });
  });

  it('appends a quoted reference to the shell command when it has no {}', () => {
    expect(commandFor(['echo'], 'a;b', true).args).toEqual(['-c', `echo "\${${ITEM_VARIABLE}}"`]);
  });

  it('refuses an empty command', () => {
    expect(() => commandFor([], 'x', false)).toThrow(TypeError);
  });
});

describe('shellScriptIndex', () => {
  it.each([
    [['sh', '-c', 'x'], 2],
    [['/bin/bash', '-ec', 'x'], 2],
    [['bash', '-o', 'pipefail', '-c', 'x'], 4],
    [['zsh', '--norc', '-c', 'x'], 3],
    [['dash', '-e', '-c', 'x', 'a'], 3],
    [['sh', 'script.sh', '-c'], -1],
    [['sh', '--', '-c'], -1],
    [['bash', '-e'], -1],
    [['node', '-e', 'x'], -1],
    [['python3', '-c', 'x'], -1],
  ])('finds the script of %j at %d', (command, index) => {
    expect(shellScriptIndex(command)).toBe(index);
  });
});

describe('scriptWithItem', () => {
  const ref = `\${${ITEM_VARIABLE}}`;

  it.each([
    ['echo {}', `echo "${ref}"`],
    ['echo "x={}y"', `echo "x=${ref}y"`],
    ["echo 'x={}y'", `echo 'x='"${ref}"'y'`],
    ['echo "$(cat {})"', `echo "$(cat "${ref}")"`],
    ['echo `cat {}`', `echo \`cat "${ref}"\``],
    ['echo "it\'s {}"', `echo "it's ${ref}"`],
    ['echo \\{}', 'echo \\{}'],
    ['echo "\\"{}"', `echo "\\"${ref}"`],
  ])('quotes {} for where it stands: %s', (script, expected) => {
    expect(scriptWithItem(script)).toBe(expected);
  });

  /** What `sh` prints for a script, with the item in the environment. */
  function runScript(script: string, item: string): string {
    const result = spawnSync('sh', ['-c', scriptWithItem(script)], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'], [ITEM_VARIABLE]: item },
    });
    return result.stdout;
  }

  it.each([
    ["printf '%s' {}"],
    ['printf "%s" "{}"'],
    ["printf '%s' '{}'"],
    ['printf "%s" "$(printf %s {})"'],
  ])('gives the shell any line verbatim in %s (property)', (script) => {
    // Any text a line can hold (no NUL, no line ending), shell syntax included.
    const line = fc
      .oneof(
        fc.string({ unit: 'binary-ascii', maxLength: 30 }),
        fc.string({ unit: 'grapheme', maxLength: 10 }),
      )
      .filter((text) => !/[\0\n\r]/.test(text));
    const shellish = fc.array(
      fc.constantFrom('$(', ')', '`', "'", '"', ';', '\\', '$HOME', '*', ' ', '&&', '|', '{}', 'x'),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          line,
          shellish.map((parts) => parts.join('')),
        ),
        (item) => {
          expect(runScript(script, item)).toBe(item);
        },
      ),
      { numRuns: 40 },
    );
  });
});
