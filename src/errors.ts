/**
 * The error a pool halts with when an item arrives from a push source while its bounded buffer is
 * full and `overflow` is `'error'` (the default). The arriving item is not accepted; it is this
 * error's `item`.
 *
 * @example
 * ```ts
 * import { Subject } from 'rxjs';
 * import { pool, BufferOverflowError } from 'rxjs-pool';
 *
 * const requests = new Subject<number>();
 * requests.pipe(pool((n) => fetchThing(n), { concurrency: 2, bufferSize: 10 })).subscribe({
 *   error: (err) => {
 *     if (err instanceof BufferOverflowError) console.log('no room for', err.item);
 *   },
 * });
 * ```
 * @see {@link pool}
 * @see {@link https://rxjs.dev/api/operators/mergeMap | mergeMap}
 */
export class BufferOverflowError<T = unknown> extends Error {
  /** Always `'BufferOverflowError'`, so the error is told apart after serialization too. */
  override readonly name = 'BufferOverflowError';

  /**
   * @param item - the arriving item that found the buffer full.
   * @param bufferSize - the `bufferSize` option of the pool.
   */
  constructor(
    readonly item: T,
    readonly bufferSize: number,
  ) {
    super(
      `Buffer overflow: an item arrived while all ${bufferSize} places of \`bufferSize\` were taken. ` +
        'A push source cannot be paused: raise `bufferSize`, choose another `overflow`, or hand the source to `poolFrom`, which pulls.',
    );
  }
}
