import { InvalidArgumentError } from 'commander';

/** Words that mean `Infinity` in a count. */
const INFINITY_WORDS = new Set(['infinity', 'inf', 'unlimited']);

/**
 * Makes a commander value parser for a whole number from `min` up, optionally also `Infinity`
 * (spelled `Infinity`, `inf` or `unlimited`). A bad value throws commander's
 * `InvalidArgumentError`, which commander reports naming the option and the value.
 *
 * @param min - the smallest value accepted.
 * @param allowInfinity - whether `Infinity` is accepted.
 * @returns the parser, for `Option.argParser` or `.option(flags, description, parser)`.
 *
 * @example
 * ```ts
 * const concurrency = integerFrom(1, true);
 * concurrency('4'); // 4
 * concurrency('inf'); // Infinity
 * concurrency('0'); // throws InvalidArgumentError: Expected an integer from 1 and up, or Infinity.
 * ```
 */
export function integerFrom(min: number, allowInfinity: boolean): (value: string) => number {
  const expected = `Expected an integer from ${min} and up${allowInfinity ? ', or Infinity' : ''}.`;
  return (value: string): number => {
    const text = value.trim();
    if (allowInfinity && INFINITY_WORDS.has(text.toLowerCase())) return Infinity;
    if (!/^-?\d+$/.test(text)) throw new InvalidArgumentError(expected);
    const number = Number(text);
    if (!Number.isSafeInteger(number) || number < min) throw new InvalidArgumentError(expected);
    return number;
  };
}

/**
 * A commander value parser for a duration in milliseconds greater than 0 (decimals allowed).
 *
 * @param value - the text given on the command line.
 * @returns the number of milliseconds.
 *
 * @example
 * ```ts
 * positiveMilliseconds('1500'); // 1500
 * positiveMilliseconds('0'); // throws InvalidArgumentError
 * ```
 */
export function positiveMilliseconds(value: string): number {
  const text = value.trim();
  const number = Number(text);
  if (text === '' || !Number.isFinite(number) || number <= 0) {
    throw new InvalidArgumentError('Expected a number of milliseconds greater than 0.');
  }
  return number;
}
