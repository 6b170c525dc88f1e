import { AsyncIterableSource } from './asyncIterableSource.js';
import { poolSource, type PoolSourceInput } from './poolSource.js';

/**
 * Why a {@link Channel.put} was refused: the channel was closed with `close()`, or the pool that
 * reads the channel halted, stopped or was unsubscribed. When the pool halted with an error, that
 * error is this error's `cause`. The refused item is this error's `item`: it never reached the pool,
 * so it is in no `PoolReport`; the producer decides what to do with it.
 *
 * @typeParam T - the channel's items.
 *
 * @example
 * ```ts
 * import { channel, ChannelClosedError, poolFrom } from 'rxjs-pool';
 *
 * const ch = channel<number>();
 * poolFrom(ch, async (n) => n * 2, { concurrency: 2 }).subscribe({ error: () => {} });
 * ch.close();
 * try {
 *   await ch.put(1);
 * } catch (error) {
 *   if (error instanceof ChannelClosedError) console.log('not taken:', error.item); // not taken: 1
 * }
 * ```
 * @see {@link channel}
 * @see {@link https://rxjs.dev/api/operators/mergeMap | mergeMap}
 */
export class ChannelClosedError<T = unknown> extends Error {
  /** Always `'ChannelClosedError'`, so the error is told apart after serialization too. */
  override readonly name = 'ChannelClosedError';

  /**
   * @param item - the item whose `put` was refused.
   * @param message - what closed the channel.
   * @param options - `cause`: the pool's error, when the pool halted with one.
   */
  constructor(
    readonly item: T,
    message: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A push producer's end of a pool: hand the channel to `poolFrom` as its source, then `put` items
 * into it and `close()` it when there are no more. See {@link channel}.
 *
 * @typeParam T - the items.
 *
 * @example
 * ```ts
 * import { channel, poolFrom, type Channel } from 'rxjs-pool';
 *
 * async function produce(ch: Channel<string>): Promise<void> {
 *   for (const url of ['a', 'b', 'c']) await ch.put(url); // waits while the pool is full
 *   ch.close();
 * }
 *
 * const ch = channel<string>();
 * poolFrom(ch, async (url) => url.toUpperCase(), { concurrency: 2 }).subscribe(console.log);
 * await produce(ch);
 * ```
 */
export interface Channel<T> extends AsyncIterable<T>, PoolSourceInput<T> {
  /**
   * Offers one item to the pool. Resolves once the pool has taken it (so a producer that awaits each
   * put never runs further ahead than the pool's bound, `concurrency + bufferSize`). Rejects with a
   * {@link ChannelClosedError} after `close()`, and, pending puts included, as soon as the pool has
   * halted, stopped or been unsubscribed. Await it: a producer that does not await its puts neither
   * waits for the pool nor learns that an item was refused (an unawaited rejected put does not crash
   * the process; it is simply not heard).
   */
  put(item: T): Promise<void>;
  /**
   * Ends the input. Items whose `put` is already pending are still delivered; after them the pool
   * sees the end of its source and completes once its in-flight work is done. Every later `put`
   * rejects. Calling it again does nothing.
   */
  close(): void;
  /**
   * The pool's end of the channel. A channel has a single consumer: a second call throws a
   * `TypeError`.
   */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined>;
}

interface PendingPut<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (error: ChannelClosedError<T>) => void;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * Creates a {@link Channel}: the fixed version of the producer loop `for (const r of requests) await
 * queue.put(r)`. Give the channel to `poolFrom`, which pulls from it; `put` waits while the pool is
 * full and rejects with a {@link ChannelClosedError} the moment the pool halts (like Python 3.13's
 * `Queue.shutdown()` or Trio's `BrokenResourceError`), so such a loop can never hang.
 *
 * The pool takes items as it has room for them: with `concurrency: 3` and `bufferSize: 19`, at most
 * 22 items are taken and not finished, and the next `put` waits. A put is "taken" when the pool's
 * `next()` delivers the item to the pool; if the pool halts in the same instant, before it could take
 * it, that put rejects instead, so every item is either in the pool's report or refused to the
 * producer: never lost silently.
 *
 * @typeParam T - the items.
 *
 * @example
 * ```ts
 * import { channel, ChannelClosedError, poolFrom } from 'rxjs-pool';
 * import { timer, map } from 'rxjs';
 *
 * const ch = channel<number>();
 * poolFrom(ch, (n) => timer(10).pipe(map(() => { if (n > 10) throw new Error(`bad ${n}`); return n; })), {
 *   concurrency: 3,
 *   bufferSize: 19,
 * }).subscribe({ next: (n) => console.log('done', n), error: (e) => console.log('halted:', e.message) });
 *
 * try {
 *   for (let r = 0; r < 30; r++) await ch.put(r); // waits while the pool is full
 *   ch.close();
 * } catch (error) {
 *   if (!(error instanceof ChannelClosedError)) throw error;
 *   console.log('producer stopped: the pool halted with', error.cause); // no hang
 * }
 * ```
 * @returns A new, open channel: give it to one `poolFrom`, and `put` items into it.
 * @see {@link ChannelClosedError}
 * @see {@link poolFrom}
 * @see {@link https://rxjs.dev/api/operators/mergeMap | mergeMap}
 */
export function channel<T>(): Channel<T> {
  const puts: PendingPut<T>[] = [];
  let putsHead = 0;
  /** The consumer's `next()` that waits for a put. */
  let waiting: ((put: PendingPut<T> | undefined) => void) | undefined;
  let consumed = false;
  let closed = false;
  /** Set when the consumer released the channel early; puts then reject with this cause. */
  let released: { cause: unknown } | undefined;

  const refusal = (item: T): ChannelClosedError<T> => {
    if (released === undefined) {
      return new ChannelClosedError(item, 'The channel is closed: close() was called.');
    }
    if (released.cause === undefined) {
      return new ChannelClosedError(
        item,
        'The channel is closed: the pool reading it stopped or was unsubscribed.',
      );
    }
    return new ChannelClosedError(item, 'The channel is closed: the pool reading it halted.', {
      cause: released.cause,
    });
  };

  const rejected = (item: T): Promise<void> => {
    const promise = Promise.reject(refusal(item));
    promise.catch(noop); // An unawaited refused put must not crash the process.
    return promise;
  };

  /**
   * Settles `put` once the consumer's `next()` answer `answer` carries its item. This reaction is
   * registered inside `next()`, before the consumer can register its own, so it runs directly
   * before the consumer sees the item: when no release came before it, the consumer takes the item
   * next, so the put resolves; when the consumer released the channel before, it drops the answer,
   * so the put rejects. Either way the item is in the pool's report or refused to the producer.
   */
  const settleOn = (
    answer: Promise<IteratorResult<T, undefined>>,
    delivered: () => PendingPut<T> | undefined,
  ): void => {
    answer.then(() => {
      const put = delivered();
      if (put === undefined) return;
      if (released === undefined) put.resolve();
      else put.reject(refusal(put.item));
    });
  };

  const release = (cause: unknown): void => {
    if (released !== undefined) return;
    released = { cause };
    closed = true;
    const refusedPuts = puts.slice(putsHead);
    puts.length = 0;
    putsHead = 0;
    if (waiting !== undefined) {
      const resolve = waiting;
      waiting = undefined;
      resolve(undefined);
    }
    for (const put of refusedPuts) put.reject(refusal(put.item));
  };

  const takePut = (): PendingPut<T> | undefined => {
    if (putsHead === puts.length) return undefined;
    const put = puts[putsHead]!;
    puts[putsHead++] = undefined as never;
    if (putsHead === puts.length) {
      puts.length = 0;
      putsHead = 0;
    } else if (putsHead >= 1024 && putsHead * 2 >= puts.length) {
      puts.splice(0, putsHead);
      putsHead = 0;
    }
    return put;
  };

  const iterator: AsyncIterator<T, undefined> = {
    next(): Promise<IteratorResult<T, undefined>> {
      if (released !== undefined) return Promise.resolve(DONE);
      const put = takePut();
      if (put !== undefined) {
        const answer = Promise.resolve<IteratorResult<T, undefined>>({
          done: false,
          value: put.item,
        });
        settleOn(answer, () => put);
        return answer;
      }
      if (closed) return Promise.resolve(DONE);
      if (waiting !== undefined) {
        return Promise.reject(
          new TypeError('channel(): next() was called again before its previous answer settled.'),
        );
      }
      let delivered: PendingPut<T> | undefined;
      const answer = new Promise<IteratorResult<T, undefined>>((resolve) => {
        waiting = (put) => {
          delivered = put;
          resolve(put === undefined ? DONE : { done: false, value: put.item });
        };
      });
      settleOn(answer, () => delivered);
      return answer;
    },
    return(): Promise<IteratorResult<T, undefined>> {
      release(undefined);
      return Promise.resolve(DONE);
    },
  };

  const consume = (): AsyncIterator<T, undefined> => {
    if (consumed) {
      throw new TypeError(
        'channel(): this channel already has a consumer. A channel feeds a single pool; create one channel per pool.',
      );
    }
    consumed = true;
    return iterator;
  };

  return {
    put(item: T): Promise<void> {
      if (closed) return rejected(item);
      let resolve!: () => void;
      let reject!: (error: ChannelClosedError<T>) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(noop); // An unawaited refused put must not crash the process.
      const put: PendingPut<T> = { item, resolve, reject };
      if (waiting !== undefined) {
        const deliver = waiting;
        waiting = undefined;
        deliver(put);
      } else {
        puts.push(put);
      }
      return promise;
    },
    close(): void {
      if (closed) return;
      closed = true;
      if (waiting !== undefined && putsHead === puts.length) {
        const resolve = waiting;
        waiting = undefined;
        resolve(undefined);
      }
    },
    [Symbol.asyncIterator]: consume,
    // The pool pulls the channel as an async iterator, and tells it the reason it let go, so
    // that pending puts reject with the pool's error as their cause.
    [poolSource]: (target) => new AsyncIterableSource(consume(), target, release),
  };
}

function noop(): void {}
