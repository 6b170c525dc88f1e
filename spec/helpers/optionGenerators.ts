/**
 * The fast-check generators of the property specs: pool options as a user would pass them, and
 * the odds of a failure. Both property families (core and policies) draw from these, so that a
 * new option is generated once, the same way, for every family.
 */
import fc from 'fast-check';
import type { HaltStrategy, OverflowStrategy } from '../../src/index.js';

/** `true` with probability `p` (to a thousandth): an item or a source that fails now and then. */
export function chance(p: number): fc.Arbitrary<boolean> {
  return fc.integer({ min: 1, max: 1000 }).map((x) => x <= p * 1000);
}

/** The option left out (`undefined`, so its default applies) one time in five, else `arb`. */
export function orDefault<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arb, { nil: undefined, freq: 4 });
}

/** `concurrency`: mostly 1 or 2, sometimes 3 or 4, now and then `Infinity`. */
export const arbConcurrency: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 2 }) },
  { weight: 2, arbitrary: fc.integer({ min: 3, max: 4 }) },
  { weight: 1, arbitrary: fc.constant(Infinity) },
);

/** `bufferSize`: small (0 to 3, so that a burst fills it), now and then `Infinity`. */
export const arbBufferSize: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 1, arbitrary: fc.constant(Infinity) },
);

/** `overflow`: each of the three strategies. */
export const arbOverflow: fc.Arbitrary<OverflowStrategy> = fc.constantFrom<OverflowStrategy>(
  'error',
  'drop-newest',
  'drop-oldest',
);

/** `tolerate`: 0 to 3 failures, now and then `Infinity`. */
export const arbTolerate: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 1, arbitrary: fc.constant(Infinity) },
);

/** `halt`: both strategies. */
export const arbHalt: fc.Arbitrary<HaltStrategy> = fc.constantFrom<HaltStrategy>('abort', 'drain');
