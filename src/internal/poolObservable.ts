import { Observable, type Subscriber } from 'rxjs';
import { BackpressuredIterator } from './backpressuredIterator.js';
import type { PoolEngine, Sink } from './engine.js';

/**
 * The subscribe function of a pool: one engine per subscription, started at once, and torn down
 * when the subscriber unsubscribes.
 *
 * @internal
 */
export function runEngine<T, R>(createEngine: (sink: Sink<R>) => PoolEngine<T, R>) {
  return (subscriber: Subscriber<R>) => {
    const engine = createEngine(subscriber);
    // The teardown is registered before the engine starts, so a downstream that unsubscribes
    // while the source is still emitting synchronously (take(n)) stops the pool at once.
    subscriber.add(() => engine.unsubscribe());
    engine.start();
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
