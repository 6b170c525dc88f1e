import type { PoolProgress } from '../types.js';

/** The counters a {@link ProgressView} reads. @internal */
export interface ProgressSource {
  readonly accepted: number;
  readonly queuedCount: number;
  readonly active: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly retried: number;
  readonly dropped: number;
}

/**
 * A read-only window on the engine's counters: one object per subscription, handed to every
 * `onProgress` call, so reporting progress allocates nothing.
 *
 * @internal
 */
export class ProgressView implements PoolProgress {
  constructor(private readonly source: ProgressSource) {}
  get accepted(): number {
    return this.source.accepted;
  }
  get queued(): number {
    return this.source.queuedCount;
  }
  get active(): number {
    return this.source.active;
  }
  get succeeded(): number {
    return this.source.succeeded;
  }
  get failed(): number {
    return this.source.failed;
  }
  get retried(): number {
    return this.source.retried;
  }
  get dropped(): number {
    return this.source.dropped;
  }
  toJSON(): PoolProgress {
    const { accepted, queued, active, succeeded, failed, retried, dropped } = this;
    return { accepted, queued, active, succeeded, failed, retried, dropped };
  }
}
