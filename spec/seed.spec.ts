/**
 * The seed scenario: 30 requests (0..29), requests above 10 fail, a queue of 19, 3 workers, 500 ms
 * of work each. asyncio stalls on the full queue, or loses every queued request with
 * FIRST_EXCEPTION + cancel. Through `poolFrom` over the array:
 *
 * - t=0: requests 0..21 are pulled (3 running + 19 waiting = concurrency + bufferSize);
 * - t=500, 1000, 1500: each batch of 3 succeeds, the next 3 start and 3 more are pulled, so by
 *   t=1500 all 30 are accepted and 9, 10, 11 run;
 * - t=2000: 9 succeeds (12 starts), 10 succeeds (13 starts), 11 fails: the pool halts.
 *
 * So: 11 succeeded (0..10), 1 failed (11), 2 unfinished (12, 13), 16 unstarted (14..29).
 */
import { lastValueFrom, toArray } from 'rxjs';
import { poolFrom } from '../src/index.js';
import type { PoolReport } from '../src/index.js';
import { newScheduler } from './helpers/marbles.js';

const REQUESTS = Array.from({ length: 30 }, (_, i) => i);
const HEALTHY = 10;
const WORK_MS = 500;
const options = { concurrency: 3, bufferSize: 19 } as const;

/** One distinct error per failing request, so the test can tell which one halted the pool. */
const errors = new Map(
  REQUESTS.filter((n) => n > HEALTHY).map((n) => [n, new Error(`request ${n} failed`)]),
);

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

const expectedReport: PoolReport<number> = {
  reason: 'error',
  error: errors.get(11),
  accepted: 30,
  succeeded: 11,
  failed: 1,
  dropped: 0,
  retried: 0,
  unstarted: range(14, 29),
  unfinished: [12, 13],
};

/** Runs the scenario in virtual time; returns what it observed. */
function runInVirtualTime(): { report: PoolReport<number>[]; started: number[] } {
  const report: PoolReport<number>[] = [];
  const started: number[] = [];
  newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const colds = REQUESTS.map((n) =>
      n > HEALTHY
        ? cold<number>(`${WORK_MS}ms #`, undefined, errors.get(n))
        : cold(`${WORK_MS}ms (r|)`, { r: n }),
    );
    const result = poolFrom(
      REQUESTS,
      (n: number) => {
        started.push(n);
        return colds[n];
      },
      { ...options, onFinalize: (r) => void report.push(r) },
    );
    const values = Object.fromEntries(range(0, 10).map((n) => [String.fromCharCode(97 + n), n]));
    expectObservable(result).toBe(
      '500ms (abc) 495ms (def) 495ms (ghi) 495ms (jk#)',
      values,
      errors.get(11),
    );
    // Requests 0..11 each run for 500 ms in batches of 3; 12 and 13 start and are aborted at
    // 2000; 14..29 never start.
    for (const n of range(0, 11)) {
      const start = Math.floor(n / 3) * WORK_MS;
      expectSubscriptions(colds[n].subscriptions).toBe(
        `${start === 0 ? '' : `${start}ms `}^ ${WORK_MS - 1}ms !`,
      );
    }
    for (const n of [12, 13]) expectSubscriptions(colds[n].subscriptions).toBe('2000ms (^!)');
    for (const n of range(14, 29)) expectSubscriptions(colds[n].subscriptions).toBe([]);
  });
  return { report, started };
}

describe('the seed scenario: 30 requests, above 10 fail, bufferSize 19, concurrency 3, 500 ms each', () => {
  it('halts at 2000 ms at the first failure (request 11), after the results of requests 0..10', () => {
    runInVirtualTime();
  });

  it('reports 11 succeeded, 1 failed, requests 12 and 13 unfinished and 14..29 unstarted', () => {
    const { report } = runInVirtualTime();
    expect(report).toHaveLength(1);
    expect(report[0]).toEqual(expectedReport);
    expect(report[0].error).toBe(errors.get(11));
  });

  it('accounts for all 30 requests in the ledger', () => {
    const { report } = runInVirtualTime();
    const r = report[0];
    expect(r.succeeded + r.failed + r.dropped + r.unstarted.length + r.unfinished.length).toBe(30);
    expect(r.accepted).toBe(30);
  });

  it('starts requests in order and none after the failure', () => {
    const { started } = runInVirtualTime();
    expect(started).toEqual(range(0, 13));
  });

  it('gives the same report with promise work under jest fake timers', async () => {
    jest.useFakeTimers();
    try {
      const report: PoolReport<number>[] = [];
      const work = (n: number) =>
        new Promise<number>((resolve, reject) =>
          setTimeout(() => (n > HEALTHY ? reject(errors.get(n)) : resolve(n)), WORK_MS),
        );
      const outcome = lastValueFrom(
        poolFrom(REQUESTS, work, { ...options, onFinalize: (r) => void report.push(r) }).pipe(
          toArray(),
        ),
      ).then(
        () => 'completed',
        (e: unknown) => e,
      );
      await jest.advanceTimersByTimeAsync(1999);
      expect(report).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(await outcome).toBe(errors.get(11));
      expect(report).toEqual([expectedReport]);
      // Let the aborted requests 12 and 13 settle: their late rejections must go nowhere.
      await jest.advanceTimersByTimeAsync(WORK_MS);
    } finally {
      jest.useRealTimers();
    }
  });
});
