import { Subscriber } from 'rxjs';

/** What a push source reports to: the engine's side. @internal */
export interface PushTarget<T> {
  /** An item the source pushed: accepted within the bound, else the `overflow` strategy decides. */
  acceptPushed(item: T): void;
  sourceCompleted(): void;
  sourceFailed(error: unknown): void;
}

/**
 * The subscriber to a push source (an Observable, an interop observable, a promise: anything that
 * cannot be paused). A class of its own, so that the call for each pushed item goes straight to
 * the engine. As every Subscriber, it closes itself before passing on the source's end, and the
 * engine unsubscribes it to release the source.
 *
 * @internal
 */
export class PushSourceSubscriber<T> extends Subscriber<T> {
  constructor(private readonly target: PushTarget<T>) {
    super();
  }

  protected override _next(item: T): void {
    this.target.acceptPushed(item);
  }

  protected override _error(error: unknown): void {
    this.unsubscribe();
    this.target.sourceFailed(error);
  }

  protected override _complete(): void {
    this.unsubscribe();
    this.target.sourceCompleted();
  }
}
