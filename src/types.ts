import type { ObservableInput } from 'rxjs';
import type { PoolOutcome } from './sources/poolSource.js';

/**
 * What the pool hands to {@link Work} with each item: a new object for each attempt. A copy of it
 * (a spread, `Object.assign`) keeps `index`, `attempt` and a working `signal`, and nothing else;
 * `JSON.stringify` shows `{ index, attempt }`. (Work whose `length` is under 2, that is, declared
 * with fewer than two parameters before any default or rest one, gets a cheaper one: the same
 * `index`, `attempt` and `signal`, read through `arguments`, a rest parameter or a parameter after
 * a default, but a copy of it has no `signal`, since an own accessor per item costs more than the
 * pool's own work.)
 *
 * @example
 * ```ts
 * poolFrom(urls, (url, { index, attempt, signal }) => {
 *   console.log(`item ${index}, attempt ${attempt}`);
 *   return fetch(url, { signal }); // aborted if the pool lets go of this attempt
 * }, { concurrency: 4, retry: 2 });
 * ```
 * @see {@link Work}
 * @see {@link https://rxjs.dev/api/operators/mergeMap | mergeMap}
 */
export interface WorkContext {
  /** The 0-based order in which the pool accepted the item (dropped items take an index too). */
  readonly index: number;
  /** 1 for the first attempt, 2 for the first retry, and so on. */
  readonly attempt: number;
  /**
   * Fires only when the pool abandons this attempt while its work is still running: a halt, an
   * unsubscribe, an outside `signal`, or this attempt's `timeout` (then its `reason` is RxJS's
   * `TimeoutError`). It never fires for an attempt whose work already completed or failed.
   * Created on first read, so work that ignores it pays nothing for it.
   */
  readonly signal: AbortSignal;
}

/**
 * The work the pool runs for each item. It may return any `ObservableInput`: an Observable, a
 * Promise, an array, an iterable or an async iterable. A synchronous throw, or a return value that
 * is not an `ObservableInput`, is that item's failure.
 *
 * @typeParam T - the items.
 * @typeParam R - the results.
 *
 * @example
 * ```ts
 * const asPromise: Work<number, number> = async (n) => n * 2;
 * const asObservable: Work<number, number> = (n) => of(n, n * 10); // several results per item
 * const abortable: Work<string, Response> = (url, { signal }) => fetch(url, { signal });
 * ```
 * @see {@link https://rxjs.dev/api/operators/mergeMap | mergeMap}
 */
export type Work<T, R> = (item: T, context: WorkContext) => ObservableInput<R>;

/**
 * Why a pool's run ended: the `reason` of its {@link PoolReport}.
 *
 * @example
 * ```ts
 * onFinalize: ({ reason }) => { if (reason !== 'complete') console.warn(`the pool ended: ${reason}`); }
 * ```
 */
export type PoolEndReason = 'complete' | 'error' | 'unsubscribed' | 'stopped';

/**
 * What a full bounded buffer does with a push source's arriving item: `'error'` halts the pool
 * with a `BufferOverflowError`, `'drop-newest'` drops the arriving item, `'drop-oldest'` the
 * oldest waiting one.
 *
 * @example
 * ```ts
 * clicks$.pipe(pool(save, { concurrency: 1, bufferSize: 5, overflow: 'drop-oldest' }));
 * ```
 * @see {@link https://rxjs.dev/api/operators/mergeMap | mergeMap}, whose buffer is unbounded
 */
export type OverflowStrategy = 'error' | 'drop-newest' | 'drop-oldest';

/**
 * What a halt does to work already running: `'abort'` aborts it at once; `'drain'` lets it finish
 * and emit, then delivers the first fatal error.
 *
 * @example
 * ```ts
 * poolFrom(jobs, run, { concurrency: 4, halt: 'drain' }); // like GNU parallel's --halt soon
 * ```
 */
export type HaltStrategy = 'abort' | 'drain';

/**
 * How the pool retries an item's failed attempt: the same shape as RxJS's `retry` config.
 *
 * @example
 * ```ts
 * // Exponential backoff: 100 ms, 200 ms, 400 ms; the item keeps its worker slot while it waits.
 * poolFrom(urls, fetchJson, {
 *   concurrency: 4,
 *   retry: { count: 3, delay: (_error, retryCount) => timer(100 * 2 ** (retryCount - 1)) },
 * });
 * ```
 * @see {@link https://rxjs.dev/api/operators/retry | retry}
 */
export interface PoolRetryConfig {
  /** How many times an item is retried after its first attempt fails. */
  count: number;
  /**
   * The wait before each retry: milliseconds, or a function that returns a notifier. The retry
   * starts when the notifier first emits; a notifier that errors fails the item with that error; a
   * notifier that completes without emitting ends the retries and the item completes without error,
   * exactly as it does with RxJS's `retry`.
   */
  delay?: number | ((error: unknown, retryCount: number) => ObservableInput<unknown>) | undefined;
}

/**
 * The pool's counters, as {@link PoolOptions.onProgress} sees them. The same read-only view is
 * handed over on every call: read it, do not keep it.
 *
 * @example
 * ```ts
 * onProgress: ({ succeeded, failed, active, queued }) =>
 *   bar.update(succeeded + failed, { active, queued }),
 * ```
 */
export interface PoolProgress {
  /** Items the pool has taken from its source (dropped items included). */
  readonly accepted: number;
  /** Accepted items waiting for a free worker. */
  readonly queued: number;
  /** Items whose work is running or waiting for a retry. */
  readonly active: number;
  /** Items whose work completed and whose results all reached downstream. */
  readonly succeeded: number;
  /** Items whose work failed after their retries. */
  readonly failed: number;
  /** Retry attempts made (an item retried twice counts 2). */
  readonly retried: number;
  /** Items dropped by the `overflow` strategy. */
  readonly dropped: number;
}

/**
 * What {@link PoolOptions.onFinalize} receives, exactly once per subscription. It accounts for every
 * accepted item: `accepted === succeeded + failed + dropped + unstarted.length + unfinished.length`.
 *
 * @example
 * ```ts
 * onFinalize: (report) => {
 *   // Nothing is lost: what did not finish can be run again.
 *   const leftover = [...report.unfinished, ...report.unstarted];
 *   if (leftover.length > 0) writeFileSync('leftover.json', JSON.stringify(leftover));
 * },
 * ```
 */
export interface PoolReport<T> {
  /**
   * `'complete'`: the source completed and every item finished. `'error'`: the pool halted (a
   * failure past `tolerate`, a source error, a buffer overflow, the outside `signal`).
   * `'unsubscribed'`: downstream unsubscribed first. `'stopped'`: the `stop` notifier emitted and
   * the in-flight items finished.
   */
  reason: PoolEndReason;
  /** The error that downstream received; present only when `reason` is `'error'`. */
  error?: unknown;
  /** Items the pool took from its source, dropped items included. */
  accepted: number;
  /** Items whose work completed and whose results all reached downstream. */
  succeeded: number;
  /** Items whose work failed after their retries (tolerated ones included). */
  failed: number;
  /** Items dropped by the `overflow` strategy. */
  dropped: number;
  /** Retry attempts made (an item retried twice counts 2). */
  retried: number;
  /** Accepted items that never started, in acceptance order. */
  unstarted: T[];
  /** Started items whose results did not all reach downstream (aborted in flight, or held back by `ordered`), in acceptance order. */
  unfinished: T[];
}

/**
 * Options of {@link pool} and {@link poolFrom}. Every option is checked when the operator is
 * created; a bad value throws a `TypeError` or `RangeError` naming the option and the value.
 *
 * @example
 * ```ts
 * const options: PoolOptions<Request> = {
 *   concurrency: 3, // required
 *   bufferSize: 19,
 *   tolerate: 2, // the third failure halts
 *   retry: { count: 2, delay: 1000 },
 *   timeout: 30_000,
 *   onFinalize: (report) => console.log(report),
 * };
 * ```
 * @see {@link https://rxjs.dev/api/operators/mergeMap | mergeMap}
 */
export interface PoolOptions<T> {
  /** How many items may be worked on at once: an integer from 1 and up, or `Infinity`. Required. */
  concurrency: number;
  /**
   * How many accepted items may wait for a free worker: an integer from 0 and up, or `Infinity`.
   * Default: `Infinity` for push sources (as `mergeMap`), `0` for the pull sources of `poolFrom`.
   */
  bufferSize?: number | undefined;
  /**
   * What a full buffer does with a push source's arriving item. `'error'` (default) halts the pool
   * with a `BufferOverflowError`; `'drop-newest'` drops the arriving item; `'drop-oldest'` drops
   * the oldest waiting item. Pull sources never overflow.
   */
  overflow?: OverflowStrategy | undefined;
  /**
   * Called exactly once for every accepted item, with what became of it (see {@link PoolOutcome}):
   * `'succeeded'` once its work completed and all its results reached the consumer, `'failed'`
   * (with the error) after its retries, `'dropped'`, `'unstarted'` or `'unfinished'` at the end.
   * The report's counts and lists, `onFailure` and `onDrop` are made of the same events, in the
   * same order. If it throws, the pool halts with that error.
   *
   * @example
   * ```ts
   * onSettle: (job, outcome, error) => { if (outcome !== 'succeeded') retryLater.push(job); },
   * ```
   */
  onSettle?: ((item: T, outcome: PoolOutcome, error?: unknown) => void) | undefined;
  /** Called with each item the `overflow` strategy drops. */
  onDrop?: ((item: T) => void) | undefined;
  /** Called exactly once per subscription, after teardown and before downstream hears the end. */
  onFinalize?: ((report: PoolReport<T>) => void) | undefined;
  /**
   * How many item failures the pool absorbs before it halts: an integer from 0 and up, or
   * `Infinity`. Default `0`. A tolerated failure emits nothing downstream.
   */
  tolerate?: number | undefined;
  /** Called once for every item that failed after its retries, tolerated or not, in the order they failed. */
  onFailure?: ((error: unknown, item: T) => void) | undefined;
  /**
   * What a halt does to work already running. `'abort'` (default) aborts it at once; `'drain'`
   * starts nothing new, lets in-flight items finish and emit, then delivers the first fatal error.
   */
  halt?: HaltStrategy | undefined;
  /** Per-item retries: a count, or RxJS's `retry` config shape. Default: no retries. */
  retry?: number | PoolRetryConfig | undefined;
  /** Milliseconds each attempt may take (a number greater than 0); on expiry it fails with RxJS's `TimeoutError`. */
  timeout?: number | undefined;
  /** Deliver results in acceptance order while work still runs concurrently. Default `false`. */
  ordered?: boolean | undefined;
  /** A graceful stop: when it emits, the pool takes nothing more, lets in-flight items finish, then completes. */
  stop?: ObservableInput<unknown> | undefined;
  /**
   * Hard cancellation from outside: when it aborts, the pool halts as with `'abort'` and errors
   * with `signal.reason`. During a drain it aborts the drain at once, and the error that began the
   * drain stays the one delivered.
   */
  signal?: AbortSignal | undefined;
  /** Called after each change of the pool's counters, with the same read-only view each time. */
  onProgress?: ((progress: Readonly<PoolProgress>) => void) | undefined;
}
