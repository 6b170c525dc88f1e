import type { PoolSource, PoolSourceTarget } from './poolSource.js';
import { notAnIteratorResult, releaseIterator } from './releaseIterator.js';

/**
 * A sync iterable as a {@link PoolSource}: one `next()` per pull, in the same call stack in which
 * a worker slot frees, so a 10-million-item generator runs in flat memory.
 *
 * The rule it keeps: `return()` is never called while the iterator is running. A generator whose
 * own body ends or stops the pool (it aborts the outside signal, fires `stop`, unsubscribes
 * downstream) is released once its `next()` has returned, so its `finally` runs; the value that
 * `next()` then answers is handed to the pool, which counts it as `unstarted`.
 *
 * @internal
 */
export class IterableSource<T> implements PoolSource<T> {
  readonly isPending = false;
  private isDone = false;
  private isRunning = false;
  private hasReleasePending = false;
  private releaseReason: unknown = undefined;

  constructor(
    private readonly iterator: Iterator<T>,
    private readonly target: PoolSourceTarget<T>,
  ) {}

  pull(): void {
    let result: IteratorResult<T>;
    this.isRunning = true;
    try {
      result = this.iterator.next();
    } catch (error) {
      return this.failed(error);
    }
    this.isRunning = false;
    if (typeof result !== 'object' || result === null) {
      return this.failed(notAnIteratorResult(result));
    }
    if (result.done) return this.completed();
    this.target.next(result.value);
    if (this.hasReleasePending) this.releaseNow();
  }

  private failed(error: unknown): void {
    this.isRunning = false;
    this.isDone = true;
    this.target.error(error);
  }

  private completed(): void {
    this.isDone = true;
    this.target.complete();
  }

  release(reason: unknown): void {
    if (this.isDone) return;
    this.releaseReason = reason;
    // A generator cannot be returned from inside its own body: wait for its next() to return.
    if (this.isRunning) this.hasReleasePending = true;
    else this.releaseNow();
  }

  private releaseNow(): void {
    this.hasReleasePending = false;
    this.isDone = true;
    releaseIterator(this.iterator, undefined, this.releaseReason);
  }
}
