import { Observable } from 'rxjs';
import { BackpressuredIterator } from './backpressuredIterator.js';
import type { PoolEngine, Sink } from './engine.js';

/**
 * The subscribe function of a pool: one engine per subscription, started at once, and torn down
 * when the subscriber unsubscribes.
 *
 * @internal
 */
export function runEngine<T, R>(createEngine: (sink: Sink<R>) => PoolEngine<T, R>) {
  return (subscriber: Sink<R>) => {
    const engine = createEngine(subscriber);
    engine.start();
    return () => engine.unsubscribe();
  };
}

/**
 * What `poolFrom` returns: an Observable that is also an `AsyncIterable`. Subscribing runs the pool
 * as any Observable does; iterating it with `for await` runs it with end-to-end backpressure.
 *
 * @internal
 */
export class PoolObservable<T, R> extends Observable<R> implements AsyncIterable<R> {
  constructor(private readonly createEngine: (sink: Sink<R>) => PoolEngine<T, R>) {
    super(runEngine(createEngine));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<R> {
    return new BackpressuredIterator(this.createEngine);
  }
}
