import { from, type Observable } from 'rxjs';
import type { PoolOutcome } from '../sources/poolSource.js';
import { received } from './received.js';
import type {
  HaltStrategy,
  OverflowStrategy,
  PoolOptions,
  PoolProgress,
  PoolReport,
  Work,
} from '../types.js';

/** The largest delay a JavaScript timer honours; a longer one fires at once. */
const MAX_TIMER_DELAY = 2_147_483_647;

/** Options after validation, with every default filled in. @internal */
export interface ResolvedOptions<T> {
  concurrency: number;
  bufferSize: number;
  overflow: OverflowStrategy;
  onSettle: ((item: T, outcome: PoolOutcome, error?: unknown) => void) | undefined;
  onDrop: ((item: T) => void) | undefined;
  onFinalize: ((report: PoolReport<T>) => void) | undefined;
  tolerate: number;
  onFailure: ((error: unknown, item: T) => void) | undefined;
  halt: HaltStrategy;
  retryCount: number;
  retryDelay: number | ((error: unknown, retryCount: number) => unknown) | undefined;
  timeout: number | undefined;
  ordered: boolean;
  stop: Observable<unknown> | undefined;
  signal: AbortSignal | undefined;
  onProgress: ((progress: Readonly<PoolProgress>) => void) | undefined;
}

function isCount(value: unknown, min: number): value is number {
  return (
    typeof value === 'number' && (value === Infinity || (Number.isInteger(value) && value >= min))
  );
}

function fail(kind: 'type' | 'range', value: unknown, message: string): never {
  // A value of the right type but out of range is a RangeError; anything else a TypeError.
  throw kind === 'range' && typeof value === 'number'
    ? new RangeError(message)
    : new TypeError(message);
}

function checkCount(name: string, value: unknown, min: number): number {
  if (!isCount(value, min)) {
    fail(
      'range',
      value,
      `Expected \`${name}\` to be an integer from ${min} and up or \`Infinity\`, ${received(value)}`,
    );
  }
  return value;
}

function checkFunction<F>(name: string, value: unknown): F | undefined {
  if (value !== undefined && typeof value !== 'function') {
    fail('type', value, `Expected \`${name}\` to be a function, ${received(value)}`);
  }
  return value as F | undefined;
}

function checkOneOf<V extends string>(
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

function checkDelay(name: string, value: unknown, min: 'zero' | 'positive'): number {
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

/**
 * Checks the work function; throws a `TypeError` naming it and the value received.
 *
 * @internal
 */
export function checkWork<T, R>(work: unknown): Work<T, R> {
  if (typeof work !== 'function') {
    throw new TypeError(`Expected \`work\` to be a function, ${received(work)}`);
  }
  return work as Work<T, R>;
}

/**
 * Checks every option and fills in the defaults. Runs when the operator is created, so a bad
 * option throws at the `pool(...)` or `poolFrom(...)` call, never at subscribe.
 *
 * @param options - what the user passed.
 * @param defaultBufferSize - `Infinity` for push sources, `0` for pull sources.
 * @internal
 */
export function resolveOptions<T>(options: unknown, defaultBufferSize: number): ResolvedOptions<T> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `Expected \`options\` to be an object with at least \`concurrency\`, ${received(options)}`,
    );
  }
  const o = options as Partial<Record<keyof PoolOptions<T>, unknown>>;
  const concurrency = checkCount('concurrency', o.concurrency, 1);
  const bufferSize =
    o.bufferSize === undefined ? defaultBufferSize : checkCount('bufferSize', o.bufferSize, 0);
  const tolerate = o.tolerate === undefined ? 0 : checkCount('tolerate', o.tolerate, 0);

  let retryCount = 0;
  let retryDelay: ResolvedOptions<T>['retryDelay'] = undefined;
  if (typeof o.retry === 'object' && o.retry !== null) {
    const config = o.retry as { count?: unknown; delay?: unknown };
    retryCount = checkCount('retry.count', config.count, 0);
    if (typeof config.delay === 'function') {
      retryDelay = config.delay as ResolvedOptions<T>['retryDelay'];
    } else if (config.delay !== undefined) {
      if (typeof config.delay !== 'number') {
        fail(
          'type',
          config.delay,
          `Expected \`retry.delay\` to be a number of milliseconds or a function, ${received(config.delay)}`,
        );
      }
      retryDelay = checkDelay('retry.delay', config.delay, 'zero');
    }
  } else if (o.retry !== undefined) {
    if (typeof o.retry !== 'number') {
      fail(
        'type',
        o.retry,
        `Expected \`retry\` to be an integer from 0 and up, \`Infinity\` or \`{ count, delay }\`, ${received(o.retry)}`,
      );
    }
    retryCount = checkCount('retry', o.retry, 0);
  }

  const timeout =
    o.timeout === undefined ? undefined : checkDelay('timeout', o.timeout, 'positive');

  if (o.ordered !== undefined && typeof o.ordered !== 'boolean') {
    fail('type', o.ordered, `Expected \`ordered\` to be a boolean, ${received(o.ordered)}`);
  }

  let stop: Observable<unknown> | undefined;
  if (o.stop !== undefined) {
    try {
      // `from` checks its input at once and subscribes to nothing until the pool does.
      stop = from(o.stop as Parameters<typeof from>[0]);
    } catch {
      fail(
        'type',
        o.stop,
        `Expected \`stop\` to be an ObservableInput (an Observable, a Promise, an array or an iterable), ${received(o.stop)}`,
      );
    }
  }

  const signal = o.signal;
  if (signal !== undefined && !isAbortSignal(signal)) {
    fail('type', signal, `Expected \`signal\` to be an AbortSignal, ${received(signal)}`);
  }

  return {
    concurrency,
    bufferSize,
    overflow: checkOneOf('overflow', o.overflow, ['error', 'drop-newest', 'drop-oldest'], 'error'),
    onSettle: checkFunction('onSettle', o.onSettle),
    onDrop: checkFunction('onDrop', o.onDrop),
    onFinalize: checkFunction('onFinalize', o.onFinalize),
    tolerate,
    onFailure: checkFunction('onFailure', o.onFailure),
    halt: checkOneOf('halt', o.halt, ['abort', 'drain'], 'abort'),
    retryCount,
    retryDelay,
    timeout,
    ordered: o.ordered === true,
    stop,
    signal: signal as AbortSignal | undefined,
    onProgress: checkFunction('onProgress', o.onProgress),
  };
}

function isAbortSignal(value: unknown): value is AbortSignal {
  if (typeof AbortSignal !== 'undefined' && value instanceof AbortSignal) return true;
  // An AbortSignal from another realm or polyfill: duck-typed.
  const candidate = value as Partial<AbortSignal> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.aborted === 'boolean' &&
    typeof candidate.addEventListener === 'function' &&
    typeof candidate.removeEventListener === 'function'
  );
}
