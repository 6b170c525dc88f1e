import { reportLost } from './reportLost.js';

/**
 * The hook a pull source may implement to learn why the pool released it early. Before the pool
 * calls `return()` on an iterator it has not finished (a halt, a stop, an unsubscribe), it calls
 * `iterator[haltCause](error)`, with the pool's error when it halted with one, else `undefined`.
 * `channel()` uses it to reject pending `put`s with that cause. `Symbol.for`, so that the ESM and
 * CommonJS builds of this package agree on it.
 *
 * @internal
 */
export const haltCause: unique symbol = Symbol.for('rxjs-pool.haltCause') as never;

/** An iterator that may implement the {@link haltCause} hook. @internal */
export type ReleasableIterator = { [haltCause]?: (error: unknown) => void } & {
  return?: (value?: unknown) => unknown;
};

/** What a pull source reports to. @internal */
export interface PullTarget<T> {
  acceptPulled(item: T): void;
  sourceCompleted(): void;
  sourceFailed(error: unknown): void;
}

/** A source the pool pulls from, one item per `pull()`. @internal */
export interface PullSource {
  /** A `next()` is under way (async iterators only): the pool must not pull again. */
  readonly isPending: boolean;
  /** Asks for one item; the answer reaches the target synchronously or later. */
  pull(): void;
  /** Releases an unfinished iterator: the hook, then `return()`, so a generator's `finally` runs. */
  release(error: unknown): void;
}

/** The TypeError for an iterator's answer that is not an object (as `for...of` throws), if it is not. */
function notAnIteratorResult(result: unknown): TypeError | undefined {
  if (typeof result === 'object' && result !== null) return undefined;
  return new TypeError(`Iterator result ${String(result)} is not an object`);
}

function releaseIterator(iterator: ReleasableIterator, error: unknown): void {
  try {
    iterator[haltCause]?.(error);
    const returned = iterator.return?.();
    // An async iterator's return() settles later; its rejection must not go unhandled.
    if (returned !== null && typeof returned === 'object' && 'then' in returned) {
      (returned as PromiseLike<unknown>).then(undefined, reportLost);
    }
  } catch (thrown) {
    reportLost(thrown);
  }
}

/**
 * Pulls a sync iterable synchronously, in the same call stack in which a worker slot frees.
 *
 * @internal
 */
export class SyncPullSource<T> implements PullSource {
  readonly isPending = false;
  private isDone = false;

  constructor(
    private readonly iterator: Iterator<T>,
    private readonly target: PullTarget<T>,
  ) {}

  pull(): void {
    let result: IteratorResult<T>;
    let isDone: boolean | undefined;
    try {
      result = this.iterator.next();
      const notAnObject = notAnIteratorResult(result);
      if (notAnObject !== undefined) throw notAnObject;
      isDone = result.done;
    } catch (error) {
      this.isDone = true;
      this.target.sourceFailed(error);
      return;
    }
    if (isDone) {
      this.isDone = true;
      this.target.sourceCompleted();
    } else {
      this.target.acceptPulled(result.value);
    }
  }

  release(error: unknown): void {
    if (this.isDone) return;
    this.isDone = true;
    releaseIterator(this.iterator as ReleasableIterator, error);
  }
}

/**
 * Pulls an async iterable with at most one `next()` pending. Answers that arrive after the pool
 * released the iterator are ignored.
 *
 * @internal
 */
export class AsyncPullSource<T> implements PullSource {
  isPending = false;
  private isDone = false;

  constructor(
    private readonly iterator: AsyncIterator<T>,
    private readonly target: PullTarget<T>,
  ) {}

  pull(): void {
    this.isPending = true;
    let answer: PromiseLike<IteratorResult<T>>;
    try {
      answer = this.iterator.next();
      answer = Promise.resolve(answer);
    } catch (error) {
      this.settle(undefined, error, true);
      return;
    }
    answer.then(
      (result) => this.settle(result, undefined, false),
      (error: unknown) => this.settle(undefined, error, true),
    );
  }

  release(error: unknown): void {
    if (this.isDone) return;
    this.isDone = true;
    releaseIterator(this.iterator as ReleasableIterator, error);
  }

  private settle(result: IteratorResult<T> | undefined, error: unknown, failed: boolean): void {
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
      this.target.sourceFailed(error);
    } else if (result!.done) {
      this.isDone = true;
      this.target.sourceCompleted();
    } else {
      this.target.acceptPulled(result!.value);
    }
  }
}
