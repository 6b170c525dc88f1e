import type { Observable, ObservableInput } from 'rxjs';
import { PoolEngine } from './internal/engine.js';
import { checkWork, resolveOptions } from './internal/options.js';
import { PoolObservable } from './internal/poolObservable.js';
import { toSourceConnector } from './internal/sourceConnector.js';
import type { PoolOptions, Work } from './types.js';

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
 * - **Push sources.** An Observable (or interop observable) or a promise cannot be paused: given to
 *   `poolFrom` it is a push source, exactly as with `pool` (`bufferSize` defaults to `Infinity`).
 * - **Teardown.** A halt or an unsubscribe calls `return()` on the iterator, so a generator's
 *   `finally` runs, before downstream hears the error.
 * - **`for await`.** The result is also an `AsyncIterable`: iterating it directly counts results the
 *   loop has not taken yet against the bound, so a slow loop body pauses pulling; `break` or a
 *   `throw` in the loop tears everything down like an unsubscribe.
 * - Each subscription asks the source for a new iterator: an array can be pooled again, a
 *   generator object only once.
 *
 * @param source - What to pull from, or an `ObservableInput` to take pushed items from.
 * @param work - Called with `(item, { index, attempt, signal })`; returns any `ObservableInput`.
 * @param options - `concurrency` is required; see {@link PoolOptions}. Checked here: a bad value
 *   throws a `TypeError` or `RangeError` naming the option and the value received.
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
export function poolFrom<T, R>(
  source: Iterable<T> | AsyncIterable<T> | ObservableInput<T>,
  work: Work<T, R>,
  options: PoolOptions<T>,
): Observable<R> & AsyncIterable<R> {
  const connector = toSourceConnector<T>(source);
  const checkedWork = checkWork<T, R>(work);
  const resolved = resolveOptions<T>(options, connector.kind === 'push' ? Infinity : 0);
  return new PoolObservable<T, R>((sink) => new PoolEngine(checkedWork, resolved, sink, connector));
}
