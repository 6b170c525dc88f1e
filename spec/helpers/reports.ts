import type { PoolReport } from '../../src/index.js';

/** Collects the reports handed to `onFinalize`, one per subscription. */
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

/**
 * The ledger every report must balance:
 * `accepted === succeeded + failed + dropped + unstarted.length + unfinished.length`.
 */
export function expectLedgerBalances<T>(report: PoolReport<T> | undefined): void {
  expect(report).toBeDefined();
  const r = report as PoolReport<T>;
  expect(r.accepted).toBe(
    r.succeeded + r.failed + r.dropped + r.unstarted.length + r.unfinished.length,
  );
}
