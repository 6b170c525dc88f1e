import type { Job } from './job.js';

/**
 * Started jobs in acceptance order, as an intrusive doubly linked list: O(1) append and remove,
 * and the head is the oldest job, which is the one `ordered` lets emit directly.
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

  /** Unlinks the job; a job that is not in the line (removed already) is left as it is. */
  remove(job: Job<T, R>): void {
    if (job.prev === undefined && this.first !== job) return;
    if (job.prev === undefined) this.first = job.next;
    else job.prev.next = job.next;
    if (job.next === undefined) this.last = job.prev;
    else job.next.prev = job.prev;
    job.prev = job.next = undefined;
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
