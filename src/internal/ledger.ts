import type { PoolOutcome } from '../sources/poolSource.js';
import type { PoolEndReason, PoolReport } from '../types.js';

/**
 * What became of every accepted item, made only of the per-item outcome events: the report's
 * counts and lists are this ledger, so they can never disagree with `onSettle`, `onFailure`,
 * `onDrop` or a source's `settle`.
 *
 * @internal
 */
export class Ledger<T> {
  succeeded = 0;
  failed = 0;
  dropped = 0;
  private readonly unstarted: T[] = [];
  private readonly unfinished: T[] = [];

  /** Records one item's outcome; called exactly once per accepted item. */
  record(item: T, outcome: PoolOutcome): void {
    switch (outcome) {
      case 'succeeded':
        this.succeeded++;
        break;
      case 'failed':
        this.failed++;
        break;
      case 'dropped':
        this.dropped++;
        break;
      case 'unstarted':
        this.unstarted.push(item);
        break;
      case 'unfinished':
        this.unfinished.push(item);
        break;
    }
  }

  /** The report, built in this one place. */
  report(reason: PoolEndReason, error: unknown, accepted: number, retried: number): PoolReport<T> {
    return {
      reason,
      ...(reason === 'error' ? { error } : {}),
      accepted,
      succeeded: this.succeeded,
      failed: this.failed,
      dropped: this.dropped,
      retried,
      unstarted: this.unstarted.slice(),
      unfinished: this.unfinished.slice(),
    };
  }
}
