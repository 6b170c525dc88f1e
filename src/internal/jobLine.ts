import { JobStatus, type Job } from './job.js';

/** What a flush of the line hands results to: the engine's side. @internal */
export interface FlushTarget<T, R> {
  /** Whether the run's end is decided: the flush stops. */
  readonly isEnding: boolean;
  /** Hands one result downstream. */
  deliver(job: Job<T, R>, value: R): void;
  /** A completed job leaves the line: its last result is about to be handed over. */
  heldHandOver(job: Job<T, R>): void;
  /** Every result of a completed job was handed over. */
  endHandOver(job: Job<T, R>): void;
}

/**
 * Started jobs in acceptance order, as an intrusive doubly linked list: O(1) append and remove;
 * the head is the oldest job, the one `ordered` lets emit directly, and `flushReady` delivers
 * what `ordered` held back; a halt takes all.
 *
 * @internal
 */
export class JobLine<T, R> {
  first: Job<T, R> | undefined = undefined;
  private last: Job<T, R> | undefined = undefined;

  get isEmpty(): boolean {
    return this.first === undefined;
  }

  append(job: Job<T, R>): void {
    if (this.last === undefined) this.first = job;
    else {
      this.last.next = job;
      job.prev = this.last;
    }
    this.last = job;
  }

  /** Unlinks a job that is in the line (see {@link flushReady} for the one that may not be). */
  remove(job: Job<T, R>): void {
    if (job.prev === undefined) this.first = job.next;
    else job.prev.next = job.next;
    if (job.next === undefined) this.last = job.prev;
    else job.next.prev = job.prev;
    job.prev = job.next = undefined;
  }

  /**
   * Delivers what `ordered` held back, from the head of the line up to the first item still
   * running (from then on it emits directly): a completed item's results, after which it succeeds
   * (or waits for a `for await` loop), and a failed item's results emitted before it failed. Stops
   * as soon as the run's end is decided (downstream may end it while hearing any result).
   */
  flushReady(target: FlushTarget<T, R>): void {
    for (let job = this.first; job !== undefined; job = this.first) {
      const results = job.held;
      const isCompleted = job.status === JobStatus.Held;
      if (results !== undefined) {
        job.held = undefined;
        const last = results.length - 1;
        for (let i = 0; i <= last; i++) {
          // A completed item succeeds once its last result is handed over.
          if (i === last && isCompleted) target.heldHandOver(job);
          target.deliver(job, results[i]!);
          if (target.isEnding) return;
        }
      } else if (isCompleted) {
        target.heldHandOver(job);
      }
      if (isCompleted) {
        target.endHandOver(job);
        if (target.isEnding) return;
      } else if (job.status === JobStatus.Failed) {
        // It may have left the line already: it failed at the head while its results were heard.
        if (this.first === job) this.remove(job);
      } else {
        return;
      }
    }
  }

  /**
   * Empties the line and returns its jobs, oldest first. Each job is out of the line before the
   * caller sees it, so nothing that still holds a job (a flush under way) can relink it.
   */
  takeAll(): Job<T, R>[] {
    const jobs: Job<T, R>[] = [];
    for (let job = this.first, next; job !== undefined; job = next) {
      next = job.next;
      job.prev = job.next = undefined;
      jobs.push(job);
    }
    this.first = this.last = undefined;
    return jobs;
  }
}
