import type { PoolEngine, Sink } from './engine.js';
import { RingQueue } from './ringQueue.js';

interface Waiter<R> {
  resolve(result: IteratorResult<R>): void;
  reject(error: unknown): void;
}

/**
 * A `for await` loop over a pool, with backpressure end to end: results the loop has not taken
 * yet count against the pool's bound (`engine.backlog`), so a slow loop body pauses pulling from
 * the source. Lossless: results that arrived before an error are handed out before it. Ending
 * the loop early (`break`, `throw`, `return`) calls `return()`, which tears the pool down like an
 * unsubscribe.
 *
 * @internal
 */
export class BackpressuredIterator<T, R> implements AsyncIterableIterator<R> {
  private readonly engine: PoolEngine<T, R>;
  private readonly results = new RingQueue<R>();
  private readonly waiters = new RingQueue<Waiter<R>>();
  private isStarted = false;
  private isEnded = false;
  private hasError = false;
  private error: unknown = undefined;

  constructor(createEngine: (sink: Sink<R>) => PoolEngine<T, R>) {
    this.engine = createEngine({
      next: (value) => this.deliver(value),
      error: (error) => this.fail(error),
      complete: () => this.end(),
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<R>> {
    if (!this.isStarted) {
      this.isStarted = true;
      this.engine.start();
    }
    if (this.results.length > 0) {
      const value = this.results.shift();
      this.engine.backlog--;
      // The loop took a result: room for the pool to pull again.
      this.engine.pump();
      return Promise.resolve({ value, done: false });
    }
    if (this.hasError) {
      const error = this.error;
      this.hasError = false;
      this.error = undefined;
      this.isEnded = true;
      return Promise.reject(error);
    }
    if (this.isEnded) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<R>> {
    if (!this.isStarted) {
      // As with a generator never started: nothing ran, so nothing is torn down or reported, and
      // the pool never starts.
      this.isStarted = true;
      this.isEnded = true;
      return Promise.resolve({ value: undefined, done: true });
    }
    this.isEnded = true;
    this.hasError = false;
    this.error = undefined;
    this.results.drain();
    this.engine.backlog = 0;
    this.engine.unsubscribe();
    this.settleWaiters();
    return Promise.resolve({ value: undefined, done: true });
  }

  private deliver(value: R): void {
    if (this.waiters.length > 0) {
      this.waiters.shift().resolve({ value, done: false });
    } else {
      this.results.push(value);
      this.engine.backlog++;
    }
  }

  private fail(error: unknown): void {
    if (this.waiters.length > 0) {
      this.isEnded = true;
      this.waiters.shift().reject(error);
      this.settleWaiters();
    } else {
      this.hasError = true;
      this.error = error;
    }
  }

  private end(): void {
    this.isEnded = true;
    this.settleWaiters();
  }

  private settleWaiters(): void {
    while (this.waiters.length > 0) this.waiters.shift().resolve({ value: undefined, done: true });
  }
}
