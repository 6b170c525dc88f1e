import { Subscriber } from 'rxjs';

/**
 * A Subscriber driven by three callbacks, like RxJS's own `OperatorSubscriber`. A `Subscriber`
 * (not a plain observer) is what lets the pool unsubscribe from a source that is still emitting
 * synchronously inside its `subscribe` call: the source checks `closed` between values.
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
