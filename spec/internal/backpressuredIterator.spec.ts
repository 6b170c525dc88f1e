/**
 * `for await` over `poolFrom(...)`. The rules: an item succeeds when its results reached the
 * loop; results left in the loop's backlog make their items `unfinished`; and `bufferSize` counts
 * only accepted items waiting for a worker, so results waiting for the loop never make a push
 * source overflow or drop.
 */
import { of, Subject } from 'rxjs';
import { poolFrom, type PoolReport } from '../../src/index.js';
import { expectLedgerBalances } from '../helpers/marbles.js';

/** A slow loop body: lets every queued reaction and I/O callback run first. */
const slowBody = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('for await over poolFrom: the ledger', () => {
  it('reports the items whose results the loop never took, after a break, as unfinished', async () => {
    let report: PoolReport<number> | undefined;
    const taken: number[] = [];
    for await (const n of poolFrom([0, 1, 2, 3, 4, 5], async (x: number) => x, {
      concurrency: 2,
      bufferSize: 1,
      onFinalize: (r) => (report = r),
    })) {
      taken.push(n);
      await slowBody();
      break;
    }
    expect(taken).toEqual([0]);
    expect(report).toBeDefined();
    expect(report!.reason).toBe('unsubscribed');
    expect(report!.succeeded).toBe(taken.length);
    expect(report!.unfinished).not.toContain(0);
    expect([...report!.unfinished, ...report!.unstarted]).toEqual(expect.arrayContaining([1, 2]));
    expectLedgerBalances(report);
  });

  it('settles each item as succeeded only when the loop takes its result', async () => {
    const settled: string[] = [];
    const loop = poolFrom([1, 2, 3], async (x: number) => x * 10, {
      concurrency: 3,
      bufferSize: 0,
      onSettle: (item, outcome) => settled.push(`${item} ${outcome}`),
    });
    const taken: number[] = [];
    for await (const n of loop) {
      taken.push(n);
      await slowBody();
      // Everything settled so far is what the loop has taken.
      expect(settled.filter((s) => s.endsWith('succeeded'))).toHaveLength(taken.length);
    }
    expect(taken).toEqual([10, 20, 30]);
    expect(settled).toEqual(['1 succeeded', '2 succeeded', '3 succeeded']);
  });

  it('counts every result that arrived before an error as succeeded once the loop took it, then throws', async () => {
    let report: PoolReport<number> | undefined;
    const boom = new Error('boom');
    const taken: number[] = [];
    await expect(
      (async () => {
        for await (const n of poolFrom(
          [1, 2, 3],
          (x: number) => (x === 3 ? Promise.reject(boom) : Promise.resolve(x)),
          { concurrency: 3, onFinalize: (r) => (report = r) },
        )) {
          taken.push(n);
          await slowBody();
        }
      })(),
    ).rejects.toBe(boom);
    expect(taken).toEqual([1, 2]);
    expect(report).toMatchObject({ reason: 'error', error: boom, succeeded: 2, failed: 1 });
    expectLedgerBalances(report);
  });
});

describe('for await over poolFrom of a push source', () => {
  it('takes every pushed item while every worker is idle: no BufferOverflowError with bufferSize: 0', async () => {
    const got: number[] = [];
    for await (const n of poolFrom(of(1, 2, 3, 4), (x: number) => of(x), {
      concurrency: 2,
      bufferSize: 0,
    })) {
      got.push(n);
    }
    expect(got).toEqual([1, 2, 3, 4]);
  });

  it("drops nothing with 'drop-oldest' while the loop body is slow and the workers are idle", async () => {
    const dropped: number[] = [];
    const got: number[] = [];
    const source = new Subject<number>();
    const loop = poolFrom(source, (x: number) => of(x), {
      concurrency: 1,
      bufferSize: 0,
      overflow: 'drop-oldest',
      onDrop: (x) => dropped.push(x),
    });
    const consuming = (async () => {
      for await (const n of loop) {
        got.push(n);
        await slowBody();
      }
    })();
    await Promise.resolve();
    for (let i = 1; i <= 10; i++) source.next(i);
    source.complete();
    await consuming;
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(dropped).toEqual([]);
  });
});
