import type { Subscription } from 'rxjs';
import type { WorkContext } from '../types.js';
import { inspectCustom, signalOf, type AbortableContext } from './attemptContext.js';

/** Where a started item is in its life. @internal */
export const enum JobStatus {
  /** An attempt's work is running. */
  Running,
  /** An attempt failed and the item waits for its retry delay; it keeps its worker slot. */
  Waiting,
  /** Completed, but `ordered` holds its results back for an earlier item; it has freed its slot. */
  Held,
  /**
   * Completed, and its last result is being handed downstream (it is still in the line): if
   * downstream ends the run while it hears that result (`take(n)`), the item still succeeded.
   */
  Delivering,
  /** Completed; some of its results wait in a `for await` loop's backlog, not yet taken. */
  Consuming,
  /** Failed after its retries; with `ordered` it may still wait to flush results emitted before. */
  Failed,
  /** Succeeded: completed, and all its results reached the consumer. */
  Done,
  /** The pool ended while the item was still under way. */
  Abandoned,
}

/** Where a job's attempt loop is: a retry asked for while an attempt starts waits for the loop. @internal */
export const enum Starting {
  /** No attempt is being started. */
  No,
  /** An attempt is being started. */
  Yes,
  /** A retry was asked for while an attempt was starting: the starting loop runs it next. */
  Again,
}

/**
 * One started item. Jobs form an intrusive doubly linked list (a {@link JobLine}) in start order,
 * which is acceptance order: O(1) unlink when a job ends, and the end walks it to report
 * `unfinished` in order.
 *
 * A job holds its first attempt's AbortController; each retry gets a holder of its own, so work
 * still running from an earlier attempt keeps seeing that attempt's signal.
 *
 * @internal
 */
export class Job<T, R> implements AbortableContext, WorkContext {
  /** The first attempt's AbortController, created on first read of its `signal`. */
  controller: AbortController | undefined = undefined;
  prev: Job<T, R> | undefined = undefined;
  next: Job<T, R> | undefined = undefined;
  status = JobStatus.Running;
  /**
   * Attempts started so far: the running attempt's number. Callbacks of any other attempt are
   * stale and ignored.
   */
  attempts = 0;
  /** The running attempt's controller holder when it is a retry; `undefined` during the first. */
  retryHolder: AbortableContext | undefined = undefined;
  /** The running attempt's inner subscription, when its work returned something other than a promise. */
  inner: Subscription | undefined = undefined;
  /** The running attempt's timeout, or the wait before its retry. */
  timer: Subscription | undefined = undefined;
  /** Whether an attempt of this job is being started (see {@link Starting}). */
  starting = Starting.No;
  /** Results held back by `ordered` until every earlier item has delivered its own. */
  held: R[] | undefined = undefined;
  /** Results handed to a `for await` loop's backlog and not yet taken by the loop. */
  unconsumed = 0;

  /**
   * As the first attempt's context of work whose `length` is under 2 (which does not name the
   * context as a parameter), the job itself is the context: no object more per item. Always 1.
   */
  readonly attempt = 1;

  constructor(
    readonly item: T,
    readonly index: number,
  ) {}

  /** As the first attempt's context: its signal, created on first read. */
  get signal(): AbortSignal {
    return signalOf(this);
  }

  /** What `JSON.stringify` shows of the job as a context: not the pool's bookkeeping. */
  toJSON(): { index: number; attempt: number } {
    return { index: this.index, attempt: this.attempt };
  }

  /** What `console.log` shows of the job as a context: not the pool's bookkeeping. */
  [inspectCustom](): WorkContext {
    return { index: this.index, attempt: this.attempt, signal: this.signal };
  }

  /** The running (or last) attempt's holder: the one whose signal a halt or a timeout aborts. */
  get attemptContext(): AbortableContext {
    return this.retryHolder ?? this;
  }
}
