import {
  Observable,
  type ObservableInput,
  type ObservedValueOf,
  type OperatorFunction,
} from 'rxjs';
import { PoolEngine } from './internal/engine.js';
import { checkWork, resolveOptions } from './policies/options.js';
import { runEngine } from './internal/poolObservable.js';
import type { PoolOptions, WorkContext } from './types.js';

/**
 * A bounded, fail-fast worker stage for any Observable: `mergeMap` with a concurrency cap, a
 * bounded waiting buffer, teardown before notification, and a report that names every item that
 * did not finish.
 *
 * Semantics:
 * - **Like `mergeMap`.** With the default `bufferSize` (`Infinity`) and no failure, it behaves
 *   exactly like `mergeMap(work, concurrency)`: same values, same frames, same subscriptions.
 * - **Bounded buffer.** At most `bufferSize` accepted items wait for a free worker. A push source
 *   cannot be paused, so when the buffer is full `overflow` decides: `'error'` halts with a
 *   {@link BufferOverflowError}; `'drop-newest'` and `'drop-oldest'` drop an item and call
 *   `onDrop`. For sources that can be paused (arrays, generators, streams) use {@link poolFrom}.
 * - **Fail fast, tear down first, then notify.** The first failure (past `tolerate`) halts the
 *   pool. In the same call stack, before the error reaches downstream: the source is unsubscribed,
 *   every in-flight item's `signal` is aborted and its inner unsubscribed, nothing further starts,
 *   and `onFinalize` receives the report. Downstream then receives the original error object.
 * - **Completion.** When the source completes and every accepted item has finished, `onFinalize`
 *   runs and then downstream completes.
 * - **Unsubscribe** tears down the same way; the report's `reason` is `'unsubscribed'`.
 * - **Queued items** that never start are listed in the report's `unstarted`; items aborted in
 *   flight in `unfinished`. `accepted === succeeded + failed + dropped + unstarted.length +
 *   unfinished.length`, always.
 * - **Marble-test friendly.** With Observable work and sources nothing inside uses promises or
 *   real timers (`retry` delays and `timeout` use RxJS's async scheduler), so it is deterministic
 *   under `TestScheduler.run`.
 *
 * @param work - Called with `(item, { index, attempt, signal })`; returns any `ObservableInput`.
 *   A synchronous throw, or a return value that is not an `ObservableInput`, is that item's failure.
 * @param options - `concurrency` is required; see {@link PoolOptions} for the rest. Checked here:
 *   a bad value throws a `TypeError` or `RangeError` naming the option and the value received.
 * @returns An operator that runs `work` for each item and emits every result.
 *
 * @example
 * ```ts
 * import { from, interval, map, take } from 'rxjs';
 * import { pool } from 'rxjs-pool';
 *
 * interval(10)
 *   .pipe(
 *     take(20),
 *     pool((n, { signal }) => fetch(`https://example.com/items/${n}`, { signal }).then((r) => r.json()), {
 *       concurrency: 3,
 *       bufferSize: 10,
 *       onFinalize: (report) => console.log(report),
 *     }),
 *   )
 *   .subscribe({ next: console.log, error: console.error });
 * ```
 * @see {@link https://rxjs.dev/api/operators/mergeMap | mergeMap}
 * @see {@link poolFrom}
 */
export function pool<T, O extends ObservableInput<unknown>>(
  work: (item: T, context: WorkContext) => O,
  options: PoolOptions<T>,
): OperatorFunction<T, ObservedValueOf<O>> {
  type R = ObservedValueOf<O>;
  const checkedWork = checkWork<T, R>(work);
  const resolved = resolveOptions<T>(options, Infinity);
  return (source) =>
    new Observable<R>(
      runEngine(
        (sink) =>
          new PoolEngine<T, R>(checkedWork, resolved, sink, { kind: 'push', observable: source }),
      ),
    );
}
