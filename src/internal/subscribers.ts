import { Subscriber } from 'rxjs';
import type { Job } from './job.js';

/**
 * A Subscriber driven by three callbacks, like RxJS's own `OperatorSubscriber`. A `Subscriber`
 * (not a plain observer) is what lets the pool unsubscribe from a producer that is still emitting
 * synchronously inside its `subscribe` call: the producer checks `closed` between values.
 *
 * Each notification first closes this subscriber, then calls back, so its producer is torn down
 * before anyone hears of the end.
 *
 * @internal
 */
export class CallbackSubscriber<V> extends Subscriber<V> {
  constructor(
    private readonly onNext: (value: V) => void,
    private readonly onError: (error: unknown) => void,
    private readonly onComplete: () => void,
  ) {
    super();
  }

  protected override _next(value: V): void {
    this.onNext(value);
  }

  protected override _error(error: unknown): void {
    this.unsubscribe();
    this.onError(error);
  }

  protected override _complete(): void {
    this.unsubscribe();
    this.onComplete();
  }
}

/** What an {@link AttemptSubscriber} reports to: the engine's side. @internal */
export interface AttemptTarget<T, R> {
  attemptValue(job: Job<T, R>, value: R): void;
  attemptFailed(job: Job<T, R>, attempt: number, error: unknown): void;
  attemptCompleted(job: Job<T, R>, attempt: number): void;
}

/**
 * The inner subscriber of one attempt whose work returned something other than a promise. It
 * closes itself before telling the engine that the attempt ended, so an inner is always
 * unsubscribed before the next item starts in its slot (as in `mergeMap`). No closures: one object
 * per attempt, and each call goes straight to the engine.
 *
 * @internal
 */
export class AttemptSubscriber<T, R> extends Subscriber<R> {
  constructor(
    private readonly target: AttemptTarget<T, R>,
    private readonly job: Job<T, R>,
    private readonly attempt: number,
  ) {
    super();
  }

  protected override _next(value: R): void {
    this.target.attemptValue(this.job, value);
  }

  protected override _error(error: unknown): void {
    this.unsubscribe();
    this.target.attemptFailed(this.job, this.attempt, error);
  }

  protected override _complete(): void {
    this.unsubscribe();
    this.target.attemptCompleted(this.job, this.attempt);
  }
}
