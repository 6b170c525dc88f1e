import { from, type Observable } from 'rxjs';
import { received } from '../internal/received.js';
import type { PoolOutcome } from '../sources/poolSource.js';
import type {
  HaltStrategy,
  OverflowStrategy,
  PoolOptions,
  PoolProgress,
  PoolReport,
  Work,
} from '../types.js';
import {
  checkCount,
  checkDelay,
  checkFunction,
  checkOneOf,
  fail,
  isAbortSignal,
} from './validate.js';

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

/** What a row may need besides the value: the default that depends on the kind of source. */
interface RowContext {
  /** `Infinity` for push sources, `0` for pull sources. */
  readonly defaultBufferSize: number;
}

/**
 * One option: its default (as the README's option table states it) and how its value is checked
 * and resolved into {@link ResolvedOptions}. A new policy is one row here, its field in
 * `PoolOptions`, a row of the README's table and a row of the validation specs.
 */
interface OptionRow {
  readonly default: string;
  resolve(value: unknown, into: ResolvedOptions<unknown>, context: RowContext): void;
}

/**
 * Every option of {@link PoolOptions}, in the order of the README's option table. The keys are
 * checked against `PoolOptions` by the type: an option without a row does not compile.
 *
 * @internal
 */
export const optionTable: { readonly [K in keyof Required<PoolOptions<unknown>>]: OptionRow } = {
  concurrency: {
    default: 'required',
    resolve: (value, into) => (into.concurrency = checkCount('concurrency', value, 1)),
  },
  bufferSize: {
    default: '`Infinity` for push, `0` for pull',
    resolve: (value, into, { defaultBufferSize }) =>
      (into.bufferSize =
        value === undefined ? defaultBufferSize : checkCount('bufferSize', value, 0)),
  },
  overflow: {
    default: "`'error'`",
    resolve: (value, into) =>
      (into.overflow = checkOneOf(
        'overflow',
        value,
        ['error', 'drop-newest', 'drop-oldest'],
        'error',
      )),
  },
  onDrop: {
    default: 'none',
    resolve: (value, into) => (into.onDrop = checkFunction('onDrop', value)),
  },
  onSettle: {
    default: 'none',
    resolve: (value, into) => (into.onSettle = checkFunction('onSettle', value)),
  },
  onFinalize: {
    default: 'none',
    resolve: (value, into) => (into.onFinalize = checkFunction('onFinalize', value)),
  },
  tolerate: {
    default: '`0`',
    resolve: (value, into) =>
      (into.tolerate = value === undefined ? 0 : checkCount('tolerate', value, 0)),
  },
  onFailure: {
    default: 'none',
    resolve: (value, into) => (into.onFailure = checkFunction('onFailure', value)),
  },
  halt: {
    default: "`'abort'`",
    resolve: (value, into) => (into.halt = checkOneOf('halt', value, ['abort', 'drain'], 'abort')),
  },
  retry: { default: 'no retries', resolve: resolveRetry },
  timeout: {
    default: 'none',
    resolve: (value, into) =>
      (into.timeout = value === undefined ? undefined : checkDelay('timeout', value, 'positive')),
  },
  ordered: {
    default: '`false`',
    resolve: (value, into) => {
      if (value !== undefined && typeof value !== 'boolean') {
        fail('type', value, `Expected \`ordered\` to be a boolean, ${received(value)}`);
      }
      into.ordered = value === true;
    },
  },
  stop: {
    default: 'none',
    resolve: (value, into) => {
      if (value === undefined) return;
      try {
        // `from` checks its input at once and subscribes to nothing until the pool does.
        into.stop = from(value as Parameters<typeof from>[0]);
      } catch {
        fail(
          'type',
          value,
          `Expected \`stop\` to be an ObservableInput (an Observable, a Promise, an array or an iterable), ${received(value)}`,
        );
      }
    },
  },
  signal: {
    default: 'none',
    resolve: (value, into) => {
      if (value !== undefined && !isAbortSignal(value)) {
        fail('type', value, `Expected \`signal\` to be an AbortSignal, ${received(value)}`);
      }
      into.signal = value as AbortSignal | undefined;
    },
  },
  onProgress: {
    default: 'none',
    resolve: (value, into) => (into.onProgress = checkFunction('onProgress', value)),
  },
};

function resolveRetry(value: unknown, into: ResolvedOptions<unknown>): void {
  if (typeof value === 'object' && value !== null) {
    const config = value as { count?: unknown; delay?: unknown };
    into.retryCount = checkCount('retry.count', config.count, 0);
    if (typeof config.delay === 'function') {
      into.retryDelay = config.delay as ResolvedOptions<unknown>['retryDelay'];
    } else if (config.delay !== undefined) {
      if (typeof config.delay !== 'number') {
        fail(
          'type',
          config.delay,
          `Expected \`retry.delay\` to be a number of milliseconds or a function, ${received(config.delay)}`,
        );
      }
      into.retryDelay = checkDelay('retry.delay', config.delay, 'zero');
    }
  } else if (value !== undefined) {
    if (typeof value !== 'number') {
      fail(
        'type',
        value,
        `Expected \`retry\` to be an integer from 0 and up, \`Infinity\` or \`{ count, delay }\`, ${received(value)}`,
      );
    }
    into.retryCount = checkCount('retry', value, 0);
  }
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
 * Checks every option, row by row in the order of {@link optionTable}, and fills in the defaults.
 * Runs when the operator is created, so a bad option throws at the `pool(...)` or `poolFrom(...)`
 * call, never at subscribe.
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
  const given = options as Record<string, unknown>;
  const resolved: ResolvedOptions<unknown> = {
    concurrency: 1,
    bufferSize: defaultBufferSize,
    overflow: 'error',
    onSettle: undefined,
    onDrop: undefined,
    onFinalize: undefined,
    tolerate: 0,
    onFailure: undefined,
    halt: 'abort',
    retryCount: 0,
    retryDelay: undefined,
    timeout: undefined,
    ordered: false,
    stop: undefined,
    signal: undefined,
    onProgress: undefined,
  };
  const context: RowContext = { defaultBufferSize };
  for (const name of Object.keys(optionTable) as (keyof typeof optionTable)[]) {
    optionTable[name].resolve(given[name], resolved, context);
  }
  return resolved as ResolvedOptions<T>;
}
