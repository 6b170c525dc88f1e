import type { Observable, ObservableInput, ObservedValueOf } from 'rxjs';
import { PoolEngine } from './internal/engine.js';
import { checkWork, resolveOptions } from './policies/options.js';
import { PoolObservable } from './internal/poolObservable.js';
import type { PoolSourceInput } from './sources/poolSource.js';
import { toSource } from './sources/toSource.js';
import type { PoolOptions, WorkContext } from './types.js';

/**
 * Runs a bounded, fail-fast pool over a source it pulls from lazily: the pool asks an Iterable, a
 * generator, an AsyncIterable, an async generator or a Node Readable for the next item only when
 * it has room, so a producer can never run ahead of the workers.
 *
 * Semantics (besides everything {@link pool} guarantees):
 * - **Backpressure.** It never holds more than `concurrency + bufferSize` items that it pulled and
 *   has not finished, and never has more than one `next()` pending on an async iterator. Pull
 *   sources default to `bufferSize: 0`. Sync iterables are pulled synchronously, in the same call
 *   stack in which a worker slot frees, so a 10-million-item generator runs in flat memory.
 * - **Pool sources.** A {@link PoolSourceInput} (a `channel()`, or a broker's consumer such as
 *   `redisStream` from `rxjs-pool/redis`) is pulled through the {@link PoolSource} protocol: it is
 *   asked for as many items as the pool has room for, and hears what became of each one.
 * - **Push sources.** An Observable (or interop observable) or a promise cannot be paused: given to
 *   `poolFrom` it is a push source, exactly as with `pool` (`bufferSize` defaults to `Infinity`).
 * - **Teardown.** A halt or an unsubscribe calls `return()` on the iterator before downstream
 *   hears the error. A sync generator's `finally` runs then; an async generator's `finally` runs
 *   later, once it resumes after an `await` (its `return()` is queued behind its pending `next()`).
 *   A value an async iterator yields after the pool released it is refused: it is in no report
 *   (a `channel()` refuses that put to its producer instead). A sync generator whose own body ends
 *   the pool is released once its `next()` returns, and the value it yields is `unstarted`.
 * - **`for await`.** The result is also an `AsyncIterable`. Lossless: an item succeeds once the
 *   loop has taken all its results. For a pull source, results the loop has not taken yet count
 *   against the bound, so a slow loop body pauses pulling (memory: `concurrency + bufferSize`
 *   items). A push source cannot be paused: its results wait for the loop without overflowing, so
 *   the backlog grows with what the source pushes ahead of the loop. `break` or a `throw` in the
 *   loop tears everything down like an unsubscribe; items whose results it did not take are
 *   `unfinished`.
 * - Each subscription asks the source for a new iterator: an array can be pooled again, a
 *   generator object only once.
 *
 * @param source - What to pull from, or an `ObservableInput` to take pushed items from.
 * @param work - Called with `(item, { index, attempt, signal })`; returns any `ObservableInput`
 *   (different kinds may be mixed: the results' type is the union, as with `mergeMap`).
 * @param options - `concurrency` is required; see {@link PoolOptions}. Checked here: a bad value
 *   throws a `TypeError` or `RangeError` naming the option and the value received; so does a pool
 *   source's own check of the options.
 * @returns An Observable of every result that is also an `AsyncIterable` of them.
 *
 * @example
 * ```ts
 * import { poolFrom } from 'rxjs-pool';
 *
 * function* requests() {
 *   for (let i = 0; i < 1_000_000; i++) yield i;
 * }
 *
 * for await (const result of poolFrom(requests(), async (n) => n * 2, { concurrency: 8 })) {
 *   console.log(result);
 * }
 * ```
 * @see {@link https://rxjs.dev/api/operators/mergeMap | mergeMap}
 * @see {@link pool}
 */
export function poolFrom<T, O extends ObservableInput<unknown>>(
  source: Iterable<T> | AsyncIterable<T> | ObservableInput<T> | PoolSourceInput<T>,
  work: (item: T, context: WorkContext) => O,
  options: PoolOptions<T>,
): Observable<ObservedValueOf<O>> & AsyncIterable<ObservedValueOf<O>> {
  type R = ObservedValueOf<O>;
  const connector = toSource<T>(source);
  const checkedWork = checkWork<T, R>(work);
  const resolved = resolveOptions<T>(options, connector.kind === 'push' ? Infinity : 0);
  // A source that cannot honour some options (say, a timeout longer than a broker's claim time)
  // says so here, at the call, as the options themselves do.
  if (connector.kind === 'pull') connector.check?.(options);
  return new PoolObservable<T, R>((sink) => new PoolEngine(checkedWork, resolved, sink, connector));
}
