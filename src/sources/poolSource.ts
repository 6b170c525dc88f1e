import type { PoolOptions } from '../types.js';

/**
 * What became of one accepted item, as {@link PoolOptions.onSettle} and a {@link PoolSource}'s
 * `settle` hear it, exactly once per accepted item:
 * - `'succeeded'`: its work completed and every result reached the consumer (downstream, or the
 *   body of a `for await` loop);
 * - `'failed'`: its work failed after its retries (tolerated failures included);
 * - `'dropped'`: the `overflow` strategy dropped it (push sources only);
 * - `'unstarted'`: accepted, never started (the pool stopped or halted while it waited);
 * - `'unfinished'`: started, and its results did not all reach the consumer (aborted in flight,
 *   held back by `ordered`, or waiting in a `for await` loop's backlog when the loop ended).
 *
 * @example
 * ```ts
 * poolFrom(jobs, run, {
 *   concurrency: 4,
 *   onSettle: (job, outcome, error) => log.info({ job, outcome, error }),
 * });
 * ```
 * @see {@link PoolReport}, whose counts and lists are made of the same events
 */
export type PoolOutcome = 'succeeded' | 'failed' | 'dropped' | 'unstarted' | 'unfinished';

/**
 * What a {@link PoolSource} reports to: the pool's side of the pull protocol.
 *
 * @typeParam T - the items.
 * @see {@link PoolSource}
 */
export interface PoolSourceTarget<T> {
  /**
   * Hands the pool one item in answer to a `pull(room)`: at most `room` calls per pull, now or
   * later. Returns `true` when the pool accepted the item: from then on the source hears its fate
   * through `settle`, exactly once. Returns `false` when the pool no longer takes items (it has
   * released the source): the item stays the source's own, and the source must put it back
   * wherever it came from; no `settle` follows for it. (An answer given synchronously inside
   * `pull()` is always taken: if the source's own code stopped or ended the pool meanwhile, the
   * item is accepted and settled `'unstarted'`.)
   */
  next(item: T): boolean;
  /**
   * The source has finished answering the last pull without ending: call it after an answer that
   * came later (asynchronously) once `isPending` reads `false`, even when it gave no item, so that
   * the pool may pull again. A synchronous answer needs no `ready()`.
   */
  ready(): void;
  /** The source has no more items. */
  complete(): void;
  /** The source failed: the pool halts with this error (a fatal error, as a failure past `tolerate`). */
  error(error: unknown): void;
}

/**
 * A source that the pool pulls from, with room for what it can take, and that hears what became
 * of every item it gave. This is the protocol `poolFrom` speaks with every pull source (iterables,
 * async iterables, Node Readables, `channel()`); a source of another package (say, a message
 * broker's consumer) implements it and is passed to `poolFrom` as a {@link PoolSourceInput}.
 *
 * The pool keeps these rules:
 * - It calls `pull(room)` only while `isPending` is `false`, with `room >= 1`: how many more items
 *   it can hold (`concurrency + bufferSize` minus what it already holds). It reads `isPending`
 *   again after each `next()` and each `ready()`.
 * - It calls `settle(item, outcome, error?)` exactly once for every item it accepted from this
 *   source, in the same order as the report's lists, and never after `close()`.
 * - It calls `release(reason)` at most once, when it lets go of a source that has not ended (a
 *   halt: `reason` is the pool's error; a stop or an unsubscribe: `undefined`), in the same call
 *   stack as the cause and before downstream can hear of it. An answer that arrives after it, from
 *   outside the pull, is refused (`next()` returns `false`).
 * - It calls `close()` exactly once per run, after the last `settle`, whether or not the source
 *   ended by itself. If `close()` returns a promise, the pool's end (its `onFinalize`, then the
 *   terminal notification downstream) waits until it settles; a rejection is the pool's error,
 *   unless the run already ended with one (which then stays the one delivered, and the rejection
 *   goes to RxJS's `config.onUnhandledError` when one is set).
 *
 * @typeParam T - the items.
 * @example
 * ```ts
 * // A source that hands out 1..n in batches and logs what became of each item.
 * const counter = (n: number): PoolSourceInput<number> => ({
 *   [poolSource]: (target) => {
 *     let next = 1;
 *     return {
 *       isPending: false,
 *       pull(room) {
 *         for (let i = 0; i < room && next <= n; i++) target.next(next++);
 *         if (next > n) target.complete();
 *       },
 *       settle: (item, outcome) => console.log(item, outcome),
 *       release: () => undefined,
 *     };
 *   },
 * });
 * poolFrom(counter(10), async (n) => n * 2, { concurrency: 2 }).subscribe(console.log);
 * ```
 * @see {@link PoolSourceInput}
 * @see {@link poolFrom}
 */
export interface PoolSource<T> {
  /** `true` while an answer to the last `pull` is still to come; the pool never pulls then. */
  readonly isPending: boolean;
  /** The pool has room for `room` more items (`room >= 1`); answer through the target. */
  pull(room: number): void;
  /** What became of one item this source gave (see {@link PoolOutcome}). */
  settle?(item: T, outcome: PoolOutcome, error?: unknown): void;
  /** The pool lets go of a source that has not ended; `reason` is its error for a halt. */
  release(reason: unknown): void;
  /** The run is over and every item is settled; a returned promise delays the pool's end. */
  close?(): void | PromiseLike<void>;
}

/**
 * The key of a {@link PoolSourceInput}'s factory. `Symbol.for`, so that the ESM and CommonJS
 * builds of this package, and other packages, agree on it.
 *
 * @see {@link PoolSourceInput}
 */
export const poolSource: unique symbol = Symbol.for('rxjs-pool.source') as never;

/**
 * Anything `poolFrom` can pull from through the {@link PoolSource} protocol: an object whose
 * `[poolSource]` method opens a new source for each run (each subscription, each `for await`).
 * Optionally, `[poolSource].check` is called by `poolFrom` with the options, so that a source can
 * reject a combination it cannot honour at the call (as the options themselves are checked).
 *
 * @typeParam T - the items.
 * @example
 * ```ts
 * const numbers: PoolSourceInput<number> = {
 *   [poolSource]: (target) => ({
 *     isPending: false,
 *     pull: () => target.complete(),
 *     release: () => undefined,
 *   }),
 * };
 * ```
 * @see {@link PoolSource}
 */
export interface PoolSourceInput<T> {
  /** Opens a new {@link PoolSource} for each run; see {@link PoolSourceFactory}. */
  [poolSource]: PoolSourceFactory<T>;
}

/**
 * Opens one run's {@link PoolSource}; may carry a `check` of the pool's options.
 *
 * @typeParam T - the items.
 * @see {@link PoolSourceInput}
 */
export interface PoolSourceFactory<T> {
  (target: PoolSourceTarget<T>): PoolSource<T>;
  /** Throws a `TypeError` or `RangeError` for options this source cannot honour. */
  check?: (options: Readonly<PoolOptions<T>>) => void;
}
