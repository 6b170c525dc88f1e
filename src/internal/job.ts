import type { Subscription } from 'rxjs';
import type { AttemptContext } from './attemptContext.js';

/** Where a started item is in its life. @internal */
export const enum JobStatus {
  /** An attempt's work is running. */
  Running,
  /** An attempt failed and the item waits for its retry delay; it keeps its worker slot. */
  Waiting,
  /** Completed, but `ordered` holds its results back for an earlier item; it has freed its slot. */
  Held,
  /** Failed after its retries; with `ordered` it may still wait to flush results emitted before. */
  Failed,
  /** Completed and all its results reached downstream. */
  Done,
  /** The pool ended while the item was still under way. */
  Abandoned,
}

/**
 * One started item. Jobs form an intrusive doubly linked list in start order, which is acceptance
 * order: O(1) unlink when a job ends, and the halt walks it to report `unfinished` in order.
 *
 * @internal
 */
export class Job<T, R> {
  prev: Job<T, R> | undefined = undefined;
  next: Job<T, R> | undefined = undefined;
  status = JobStatus.Running;
  /** Attempts started so far; the running attempt's number. */
  attempt = 0;
  /** The running attempt's context; callbacks of any other attempt are stale and ignored. */
  context: AttemptContext | undefined = undefined;
  /** The running attempt's inner subscription, when its work returned something other than a promise. */
  inner: Subscription | undefined = undefined;
  /** The running attempt's timeout, or the wait before its retry. */
  timer: Subscription | undefined = undefined;
  /** An attempt of this job is being started: a retry asked for now waits for the loop. */
  isStarting = false;
  /** A retry was asked for while an attempt was starting; the starting loop runs it next. */
  restart = false;
  /** Results held back by `ordered` until every earlier item has delivered its own. */
  held: R[] | undefined = undefined;

  constructor(
    readonly item: T,
    readonly index: number,
  ) {}
}
