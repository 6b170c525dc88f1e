/** The placeholder for the item in the command's arguments. */
export const PLACEHOLDER = '{}';

/** The environment variable that holds the item in every command `rxjs-pool run` starts. */
export const ITEM_VARIABLE = 'RXJS_POOL_ITEM';

/** Programs whose `-c` argument is a POSIX shell script. */
const POSIX_SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'yash']);

/** A program, its arguments and what it adds to the environment, ready for `spawn`. */
export interface CommandLine {
  readonly file: string;
  readonly args: readonly string[];
  /** Variables set for the command, on top of the CLI's own environment. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Builds the command line for one item, never letting the item be read as shell code:
 *
 * - an argument that is exactly `{}` becomes the item, as one argument, whatever it contains;
 * - inside the script of a POSIX shell's `-c` (`sh -c '...'`, `bash -ec '...'`), and in the
 *   script that `shell` makes of the whole command (run by `/bin/sh -c`), each `{}` becomes a
 *   reference to the `RXJS_POOL_ITEM` environment variable, quoted for where it stands (see
 *   {@link scriptWithItem}): the shell expands it to the item, and never parses what it expands to;
 * - in any other argument, `{}` is replaced by the item as text (`file-{}.txt`), as `xargs -I`
 *   does; a script for another interpreter (`node -e`, `python -c`) should take the item as an
 *   argument of its own (`{}` alone) or read `RXJS_POOL_ITEM`;
 * - with no `{}` anywhere, the item is appended as the last argument (as `xargs` does).
 *
 * Every command gets the item in its environment as `RXJS_POOL_ITEM`.
 *
 * @param command - the program and its arguments as given after `--`.
 * @param item - the input line.
 * @param shell - run the words, joined with spaces, as a `/bin/sh -c` script (`--shell`).
 * @returns what to spawn.
 * @throws TypeError when the command is empty.
 *
 * @example
 * ```ts
 * commandFor(['echo', 'file-{}.txt'], 'a b', false);
 * // { file: 'echo', args: ['file-a b.txt'], env: { RXJS_POOL_ITEM: 'a b' } }
 * commandFor(['sh', '-c', 'echo got {}'], '$(reboot)', false).args;
 * // ['-c', 'echo got "${RXJS_POOL_ITEM}"']
 * commandFor(['cat {} | wc -l'], 'my file', true);
 * // { file: '/bin/sh', args: ['-c', 'cat "${RXJS_POOL_ITEM}" | wc -l'], env: { RXJS_POOL_ITEM: 'my file' } }
 * ```
 */
export function commandFor(command: readonly string[], item: string, shell: boolean): CommandLine {
  if (command.length === 0) throw new TypeError('commandFor: the command is empty');
  const env = { [ITEM_VARIABLE]: item };
  const hasPlaceholder = command.some((word) => word.includes(PLACEHOLDER));
  if (shell) {
    const script = command.join(' ');
    return {
      file: '/bin/sh',
      args: ['-c', hasPlaceholder ? scriptWithItem(script) : `${script} ${scriptWithItem('{}')}`],
      env,
    };
  }
  if (!hasPlaceholder) return { file: command[0]!, args: [...command.slice(1), item], env };
  const script = shellScriptIndex(command);
  const words = command.map((word, index) => {
    if (word === PLACEHOLDER) return item;
    if (index === script) return scriptWithItem(word);
    return word.split(PLACEHOLDER).join(item);
  });
  return { file: words[0]!, args: words.slice(1), env };
}

/**
 * Where the script is in a POSIX shell's command line: `sh -c SCRIPT`, `bash -euc SCRIPT`,
 * `bash -o pipefail -c SCRIPT`, `sh -- -c`... is not one (after `--` come the script's own
 * arguments).
 *
 * @param command - the program and its arguments.
 * @returns the index of the script in `command`, or -1 when it is not a shell's `-c` command.
 *
 * @example
 * ```ts
 * shellScriptIndex(['bash', '-o', 'pipefail', '-ec', 'echo {}']); // 4
 * shellScriptIndex(['node', '-e', 'console.log(1)']); // -1
 * ```
 */
export function shellScriptIndex(command: readonly string[]): number {
  const program = command[0]?.split('/').pop() ?? '';
  if (!POSIX_SHELLS.has(program)) return -1;
  let commandMode = false;
  for (let index = 1; index < command.length; index++) {
    const word = command[index]!;
    if (word === '--' || !/^[-+]/.test(word)) return commandMode ? index : -1;
    if (word.startsWith('--')) continue; // a long option such as --norc
    if (word === '-o' || word === '+o' || word === '-O' || word === '+O') {
      index++; // its option name
      continue;
    }
    if (word.startsWith('-') && word.includes('c')) commandMode = true;
  }
  return -1;
}

type Quoting = 'plain' | 'single' | 'double' | 'substitution' | 'backquote';

/**
 * Replaces each `{}` in a POSIX shell script by a reference to `RXJS_POOL_ITEM`, quoted for the
 * place where it stands (as GNU parallel quotes for context):
 *
 * | `{}` stands        | becomes                  |
 * | ------------------ | ------------------------ |
 * | unquoted           | `"${RXJS_POOL_ITEM}"`    |
 * | in `"..."`         | `${RXJS_POOL_ITEM}`      |
 * | in `'...'`         | `'"${RXJS_POOL_ITEM}"'`  |
 *
 * The rule it keeps: the item itself is never part of the script. A shell expands a variable to
 * its value and never parses that value as code (no `$(...)`, no backquotes, no `;`), so even if
 * a quoting context is misread (a here-document, a `case` inside `$(...)`), the worst outcome is
 * a wrong word split, never the item run as a command. `\{}` is left alone.
 *
 * @param script - the script.
 * @returns the script with every `{}` replaced.
 *
 * @example
 * ```ts
 * scriptWithItem(`echo {} "x={}" 'y={}'`);
 * // `echo "${RXJS_POOL_ITEM}" "x=${RXJS_POOL_ITEM}" 'y='"${RXJS_POOL_ITEM}"''`
 * ```
 */
export function scriptWithItem(script: string): string {
  const reference = `\${${ITEM_VARIABLE}}`;
  const stack: Quoting[] = ['plain'];
  let out = '';
  let at = 0;
  while (at < script.length) {
    const quoting = stack[stack.length - 1]!;
    const char = script[at]!;
    if (script.startsWith(PLACEHOLDER, at)) {
      out +=
        quoting === 'single'
          ? `'"${reference}"'`
          : quoting === 'double'
            ? reference
            : `"${reference}"`;
      at += PLACEHOLDER.length;
      continue;
    }
    if (quoting === 'single') {
      if (char === "'") stack.pop();
      out += char;
      at++;
      continue;
    }
    if (char === '\\') {
      out += script.slice(at, at + 2);
      at += 2;
      continue;
    }
    if (script.startsWith('$(', at)) {
      stack.push('substitution');
      out += '$(';
      at += 2;
      continue;
    }
    if (char === '`') {
      if (quoting === 'backquote') stack.pop();
      else stack.push('backquote');
    } else if (quoting === 'double') {
      if (char === '"') stack.pop();
    } else if (char === "'") {
      stack.push('single');
    } else if (char === '"') {
      stack.push('double');
    } else if (quoting === 'substitution' && char === '(') {
      stack.push('substitution');
    } else if (quoting === 'substitution' && char === ')') {
      stack.pop();
    }
    out += char;
    at++;
  }
  return out;
}
