import type { PoolEngine, Sink } from './engine.js';
import type { Job } from './job.js';
import { RingQueue } from './ringQueue.js';

interface Waiter<R> {
  resolve(result: IteratorResult<R>): void;
  reject(error: unknown): void;
}

/**
 * A `for await` loop over a pool, with backpressure end to end. The rules it keeps:
 * - A result handed to a `next()` that was waiting has reached the consumer. A result that arrives
 *   while the loop body runs waits in the backlog; its item succeeds only once the loop takes it,
 *   so a `break` leaves the items of untaken results `unfinished` in the report.
 * - For a pull source the backlog counts against the pool's bound, so a slow loop body pauses
 *   pulling, and memory stays within `concurrency + bufferSize` items. A push source cannot be
 *   paused: its results wait in the backlog without making it overflow or drop, so the backlog
 *   then holds as many results as the source pushes ahead of the loop (lossless, unbounded).
 * - Lossless: the end (an error included) is heard after every result handed over before it, and
 *   the pool's end waits for the loop to take them, so the report counts them as they are taken.
 * - Ending the loop early (`break`, `throw`, `return`) calls `return()`, which tears the pool down
 *   like an unsubscribe; the loop resumes once the source's `close()` has settled (a broker's
 *   acks and releases are written).
 *
 * @internal
 */
export class BackpressuredIterator<T, R> implements AsyncIterableIterator<R> {
  private readonly engine: PoolEngine<T, R>;
  private readonly results = new RingQueue<R>();
  /** The job each backlog result came from, in step with `results`. */
  private readonly owners = new RingQueue<Job<T, R> | undefined>();
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
      retainsResults: true,
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
      // The loop took a result: its item may succeed, and there is room to pull again.
      this.engine.resultTaken(this.owners.shift());
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
    this.owners.drain();
    const ending = this.engine.unsubscribe();
    this.settleWaiters();
    // The loop resumes after a `break` only once the source has settled every item (a broker's
    // acks and releases are written), so a script may exit right after the loop.
    if (ending === undefined) return Promise.resolve({ value: undefined, done: true });
    return Promise.resolve(ending).then(() => ({ value: undefined, done: true }));
  }

  private deliver(value: R): void {
    if (this.waiters.length > 0) {
      this.waiters.shift().resolve({ value, done: false });
    } else {
      this.results.push(value);
      this.owners.push(this.engine.retainResult());
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
