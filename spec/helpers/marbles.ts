import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { PoolReport } from '../../src/index.js';

/**
 * A TestScheduler whose assertions go through jest's `toEqual` (so asymmetric matchers such as
 * `expect.any(TimeoutError)` work as expected error values).
 */
export function newScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** The subscription records of a cold or hot test observable. */
export interface SubscriptionRecord {
  subscribedFrame: number;
  unsubscribedFrame: number;
}

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

/** The ledger every report must balance. */
export function expectLedgerBalances<T>(report: PoolReport<T> | undefined): void {
  expect(report).toBeDefined();
  const r = report as PoolReport<T>;
  expect(r.accepted).toBe(
    r.succeeded + r.failed + r.dropped + r.unstarted.length + r.unfinished.length,
  );
}

/** Collects reports handed to `onFinalize`. */
export function reportCollector<T>(): {
  reports: PoolReport<T>[];
  onFinalize: (report: PoolReport<T>) => void;
  /** The one report; fails the test when there is not exactly one. */
  only: () => PoolReport<T>;
} {
  const reports: PoolReport<T>[] = [];
  return {
    reports,
    onFinalize: (report) => {
      reports.push(report);
    },
    only: () => {
      expect(reports).toHaveLength(1);
      return reports[0] as PoolReport<T>;
    },
  };
}

/** A cold test observable of strings, as `cold(...)` returns it inside `TestScheduler.run`. */
export type Cold = Observable<string> & { readonly subscriptions: SubscriptionRecord[] };
