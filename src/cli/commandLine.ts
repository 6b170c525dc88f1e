/** The placeholder replaced by the item in the command's arguments. */
export const PLACEHOLDER = '{}';

/** A program and its arguments, ready for `child_process.spawn`. */
export interface CommandLine {
  readonly file: string;
  readonly args: readonly string[];
}

/**
 * Quotes a string for a POSIX shell: single quotes, with each `'` written as `'\''`.
 *
 * @param text - any text.
 * @returns the text as one shell word.
 *
 * @example
 * ```ts
 * shellQuote("it's"); // 'it'\''s'
 * ```
 */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Builds the command line for one item. Every `{}` in the arguments is replaced by the item; when
 * no argument contains `{}`, the item is appended as the last argument (as `xargs` does). Without
 * `shell` the program runs directly and the item is one argument whatever it contains. With
 * `shell`, the words are joined with spaces and run by `/bin/sh -c`, so pipes and redirections
 * work; the item is inserted shell-quoted, so it stays one word.
 *
 * @param command - the program and its arguments as given after `--`.
 * @param item - the input line.
 * @param shell - run through `/bin/sh -c`.
 * @returns what to spawn.
 *
 * @example
 * ```ts
 * commandFor(['echo', 'file-{}.txt'], 'a b', false); // { file: 'echo', args: ['file-a b.txt'] }
 * commandFor(['wc', '-c'], 'x.txt', false); // { file: 'wc', args: ['-c', 'x.txt'] }
 * commandFor(['cat {} | wc -l'], 'my file', true); // { file: '/bin/sh', args: ['-c', "cat 'my file' | wc -l"] }
 * ```
 */
export function commandFor(command: readonly string[], item: string, shell: boolean): CommandLine {
  if (command.length === 0) throw new TypeError('commandFor: the command is empty');
  const value = shell ? shellQuote(item) : item;
  const hasPlaceholder = command.some((word) => word.includes(PLACEHOLDER));
  const words = hasPlaceholder
    ? command.map((word) => word.split(PLACEHOLDER).join(value))
    : [...command, value];
  if (shell) return { file: '/bin/sh', args: ['-c', words.join(' ')] };
  return { file: words[0]!, args: words.slice(1) };
}
