import type { PoolSource, PoolSourceTarget } from './poolSource.js';
import { notAnIteratorResult, releaseIterator } from './releaseIterator.js';

/**
 * An async iterable as a {@link PoolSource}: at most one `next()` pending, one item per pull.
 *
 * An answer that arrives after the pool released the iterator (a halt, a stop or an unsubscribe
 * while that `next()` was pending) is refused by the pool: `return()` was already called, and a
 * plain async iterator has no way to take a value back, so that value is in no report. A source
 * that must not lose it (like `channel()`) refuses it to its producer instead.
 *
 * @internal
 */
export class AsyncIterableSource<T> implements PoolSource<T> {
  isPending = false;
  private isDone = false;

  /**
   * @param onRelease - told the pool's reason before `return()` is called, by a source that
   *   refuses its producer's pending items with that cause (`channel()`).
   */
  constructor(
    private readonly iterator: AsyncIterator<T>,
    private readonly target: PoolSourceTarget<T>,
    private readonly onRelease?: (reason: unknown) => void,
  ) {}

  pull(): void {
    this.isPending = true;
    let answer: PromiseLike<IteratorResult<T>>;
    try {
      answer = Promise.resolve(this.iterator.next());
    } catch (error) {
      this.answered(undefined, error, true);
      return;
    }
    answer.then(
      (result) => this.answered(result, undefined, false),
      (error: unknown) => this.answered(undefined, error, true),
    );
  }

  release(reason: unknown): void {
    if (this.isDone) return;
    this.isDone = true;
    releaseIterator(this.iterator, this.onRelease, reason);
  }

  private answered(result: IteratorResult<T> | undefined, error: unknown, failed: boolean): void {
    this.isPending = false;
    if (this.isDone) return;
    if (!failed) {
      const notAnObject = notAnIteratorResult(result);
      if (notAnObject !== undefined) {
        failed = true;
        error = notAnObject;
      }
    }
    if (failed) {
      this.isDone = true;
      this.target.error(error);
    } else if (result!.done) {
      this.isDone = true;
      this.target.complete();
    } else {
      this.target.next(result!.value);
    }
  }
}
