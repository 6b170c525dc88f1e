import { commandFor, shellQuote } from '../../src/cli/commandLine';

describe('commandFor', () => {
  it('replaces every {} in the arguments with the item', () => {
    expect(commandFor(['cp', '{}', '{}.bak'], 'a.txt', false)).toEqual({
      file: 'cp',
      args: ['a.txt', 'a.txt.bak'],
    });
  });

  it('appends the item when no argument has {}', () => {
    expect(commandFor(['wc', '-c'], 'x.txt', false)).toEqual({ file: 'wc', args: ['-c', 'x.txt'] });
  });

  it('keeps an item with spaces and quotes as one argument without a shell', () => {
    expect(commandFor(['echo', '{}'], `it's a "b" $HOME`, false).args).toEqual([
      `it's a "b" $HOME`,
    ]);
  });

  it('runs through /bin/sh -c with --shell, the item shell-quoted', () => {
    expect(commandFor(['cat {} | wc -l'], 'my file', true)).toEqual({
      file: '/bin/sh',
      args: ['-c', "cat 'my file' | wc -l"],
    });
  });

  it('appends the quoted item to the shell command when it has no {}', () => {
    expect(commandFor(['echo'], 'a;b', true).args).toEqual(['-c', "echo 'a;b'"]);
  });

  it('refuses an empty command', () => {
    expect(() => commandFor([], 'x', false)).toThrow(TypeError);
  });
});

describe('shellQuote', () => {
  it("writes each ' as '\\''", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it('quotes an empty string as an empty word', () => {
    expect(shellQuote('')).toBe(`''`);
  });
});
