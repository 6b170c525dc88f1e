import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';

/**
 * The one TestScheduler factory of the specs: its assertions go through jest's `toEqual` (so
 * asymmetric matchers such as `expect.any(TimeoutError)` work as expected error values).
 */
export function newScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** The subscription records of a cold or hot test observable. */
export interface SubscriptionRecord {
  subscribedFrame: number;
  unsubscribedFrame: number;
}

/** A cold test observable of strings, as `cold(...)` returns it inside `TestScheduler.run`. */
export type Cold = Observable<string> & { readonly subscriptions: SubscriptionRecord[] };

/**
 * Asserts that the observable was never held open: either never subscribed, or subscribed and
 * released in the same frame `frame`.
 */
export function expectNeverHeldOpen(subscriptions: readonly SubscriptionRecord[], frame = 0): void {
  for (const log of subscriptions) {
    expect(log.subscribedFrame).toBe(frame);
    expect(log.unsubscribedFrame).toBe(frame);
  }
}
