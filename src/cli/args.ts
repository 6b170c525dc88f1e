import { UsageError } from './usageError.js';

/** Words that mean `Infinity` in a count. */
const INFINITY_WORDS = new Set(['infinity', 'inf', 'unlimited']);

/** Reads the text given to a flag; a bad value throws a {@link UsageError} naming both. */
export type ValueParser<V> = (text: string, flag: string) => V;

/**
 * Makes a value parser for a whole number from `min` up, optionally also `Infinity` (spelled
 * `Infinity`, `inf` or `unlimited`).
 *
 * @param min - the smallest value accepted.
 * @param allowInfinity - whether `Infinity` is accepted.
 * @returns the parser; it throws a {@link UsageError} that names the flag and the value received.
 *
 * @example
 * ```ts
 * const concurrency = integerFrom(1, true);
 * concurrency('4', '--concurrency'); // 4
 * concurrency('inf', '--concurrency'); // Infinity
 * concurrency('0', '--concurrency');
 * // throws UsageError: Expected `--concurrency` to be an integer from 1 and up, or Infinity, received `0`
 * ```
 */
export function integerFrom(min: number, allowInfinity: boolean): ValueParser<number> {
  const expected = `an integer from ${min} and up${allowInfinity ? ', or Infinity' : ''}`;
  return (value, flag) => {
    const text = value.trim();
    if (allowInfinity && INFINITY_WORDS.has(text.toLowerCase())) return Infinity;
    const number = /^-?\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(number) || number < min) throw invalid(flag, expected, value);
    return number;
  };
}

/**
 * A value parser for a duration in milliseconds greater than 0 (decimals allowed).
 *
 * @param value - the text given on the command line.
 * @param flag - the flag it was given to, for the error message.
 * @returns the number of milliseconds.
 *
 * @example
 * ```ts
 * positiveMilliseconds('1500', '--timeout'); // 1500
 * positiveMilliseconds('0', '--timeout');
 * // throws UsageError: Expected `--timeout` to be a number of milliseconds greater than 0, received `0`
 * ```
 */
export function positiveMilliseconds(value: string, flag: string): number {
  const text = value.trim();
  const number = Number(text);
  if (text === '' || !Number.isFinite(number) || number <= 0) {
    throw invalid(flag, 'a number of milliseconds greater than 0', value);
  }
  return number;
}

/**
 * Makes a value parser that accepts one of a few words.
 *
 * @param choices - the words accepted.
 * @returns the parser.
 *
 * @example
 * ```ts
 * oneOf(['abort', 'drain'] as const)('drain', '--halt'); // 'drain'
 * oneOf(['abort', 'drain'] as const)('soon', '--halt');
 * // throws UsageError: Expected `--halt` to be one of abort, drain, received `soon`
 * ```
 */
export function oneOf<C extends string>(choices: readonly C[]): ValueParser<C> {
  return (value, flag) => {
    if ((choices as readonly string[]).includes(value)) return value as C;
    throw invalid(flag, `one of ${choices.join(', ')}`, value);
  };
}

/** A value parser for any text (a file name). */
export const anyText: ValueParser<string> = (value) => value;

function invalid(flag: string, expected: string, received: string): UsageError {
  return new UsageError(`Expected \`${flag}\` to be ${expected}, received \`${received}\``);
}
