import { received } from '../internal/received.js';

/**
 * The checks every option row uses, with p-map's messages: ``Expected `name` to be …, got `value`
 * (type)``. A value of the right type but out of range is a RangeError; anything else a TypeError.
 */

/** The largest delay a JavaScript timer honours; a longer one fires at once. @internal */
export const MAX_TIMER_DELAY = 2_147_483_647;

/** @internal */
export function fail(kind: 'type' | 'range', value: unknown, message: string): never {
  throw kind === 'range' && typeof value === 'number'
    ? new RangeError(message)
    : new TypeError(message);
}

function isCount(value: unknown, min: number): value is number {
  return (
    typeof value === 'number' && (value === Infinity || (Number.isInteger(value) && value >= min))
  );
}

/** An integer from `min` and up, or `Infinity`. @internal */
export function checkCount(name: string, value: unknown, min: number): number {
  if (!isCount(value, min)) {
    fail(
      'range',
      value,
      `Expected \`${name}\` to be an integer from ${min} and up or \`Infinity\`, ${received(value)}`,
    );
  }
  return value;
}

/** A function, or `undefined`. @internal */
export function checkFunction<F>(name: string, value: unknown): F | undefined {
  if (value !== undefined && typeof value !== 'function') {
    fail('type', value, `Expected \`${name}\` to be a function, ${received(value)}`);
  }
  return value as F | undefined;
}

/** One of the allowed strings, or `undefined` for the fallback. @internal */
export function checkOneOf<V extends string>(
  name: string,
  value: unknown,
  allowed: readonly V[],
  fallback: V,
): V {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as V)) {
    fail(
      'type',
      value,
      `Expected \`${name}\` to be one of ${allowed.map((a) => `'${a}'`).join(', ')}, ${received(value)}`,
    );
  }
  return value as V;
}

/** Milliseconds a timer honours: from 0, or greater than 0. @internal */
export function checkDelay(name: string, value: unknown, min: 'zero' | 'positive'): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (min === 'zero' ? value >= 0 : value > 0) &&
    value <= MAX_TIMER_DELAY;
  if (!ok) {
    const bound = min === 'zero' ? 'from 0' : 'greater than 0';
    fail(
      'range',
      value,
      `Expected \`${name}\` to be a number of milliseconds ${bound} up to ${MAX_TIMER_DELAY}, ${received(value)}`,
    );
  }
  return value as number;
}

/** An AbortSignal, from this realm or another (duck-typed). @internal */
export function isAbortSignal(value: unknown): value is AbortSignal {
  if (typeof AbortSignal !== 'undefined' && value instanceof AbortSignal) return true;
  const candidate = value as Partial<AbortSignal> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.aborted === 'boolean' &&
    typeof candidate.addEventListener === 'function' &&
    typeof candidate.removeEventListener === 'function'
  );
}
