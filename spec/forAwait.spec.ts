/**
 * The README's "Ways of consuming": `for await` directly over `poolFrom(...)` (backpressure from the
 * loop body back to the source) and rxjs-for-await's `eachValueFrom` over `source$.pipe(pool(...))`
 * (lossless, but it buffers every result the loop has not reached).
 */
import { eachValueFrom } from 'rxjs-for-await';
import { of, Subject } from 'rxjs';
import { pool, poolFrom, type PoolReport } from '../src/index';
import { eventLoopTurns } from './helpers/eventLoop.js';

// A slow loop body waits a turn of the event loop: every queued reaction and I/O callback runs
// before the loop asks for its next result.

function countingSource(count: number): {
  generator: Generator<number>;
  stats: { pulled: number; finallyRan: boolean };
} {
  const stats = { pulled: 0, finallyRan: false };
  function* generate(): Generator<number> {
    try {
      for (let i = 0; i < count; i++) {
        stats.pulled++;
        yield i;
      }
    } finally {
      stats.finallyRan = true;
    }
  }
  return { generator: generate(), stats };
}

describe('for await over poolFrom', () => {
  it('pauses pulling while the loop body is slow: never more than concurrency + bufferSize ahead', async () => {
    const { generator, stats } = countingSource(1000);
    let taken = 0;
    let last = -1;
    let mostAhead = 0;
    for await (const result of poolFrom(generator, (n: number) => of(n), {
      concurrency: 2,
      bufferSize: 3,
    })) {
      taken++;
      last = result;
      await eventLoopTurns(1);
      mostAhead = Math.max(mostAhead, stats.pulled - taken);
      if (taken === 100) break;
    }
    expect(last).toBe(99);
    expect(mostAhead).toBeLessThanOrEqual(2 + 3);
    expect(stats.pulled).toBeLessThanOrEqual(100 + 2 + 3);
  });

  it('delivers every result, in order for synchronous work', async () => {
    const got: number[] = [];
    for await (const n of poolFrom([1, 2, 3, 4, 5], (x: number) => Promise.resolve(x * 2), {
      concurrency: 1,
    })) {
      got.push(n);
      await eventLoopTurns(1);
    }
    expect(got).toEqual([2, 4, 6, 8, 10]);
  });

  it('tears the pool down like an unsubscribe when the loop body throws', async () => {
    const { generator, stats } = countingSource(100);
    let report: PoolReport<number> | undefined;
    const failure = new Error('loop body failed');
    const loop = async (): Promise<void> => {
      for await (const n of poolFrom(generator, (x: number) => Promise.resolve(x), {
        concurrency: 2,
        onFinalize: (r) => (report = r),
      })) {
        if (n === 3) throw failure;
      }
    };
    await expect(loop()).rejects.toBe(failure);
    expect(report?.reason).toBe('unsubscribed');
    expect(stats.finallyRan).toBe(true);
  });

  it('hands out the results that arrived before a halt, then throws the error', async () => {
    const got: number[] = [];
    const loop = async (): Promise<void> => {
      for await (const n of poolFrom(
        [1, 2, 3],
        (x: number) => (x === 3 ? Promise.reject(new Error('3 failed')) : of(x)),
        {
          concurrency: 3,
        },
      )) {
        got.push(n);
        await eventLoopTurns(1);
      }
    };
    await expect(loop()).rejects.toThrow('3 failed');
    expect(got).toEqual([1, 2]);
  });
});

describe('eachValueFrom (rxjs-for-await) over pool on a push source', () => {
  it('loses no result of a push source, however slow the loop body', async () => {
    const source = new Subject<number>();
    const results = source.pipe(pool((n: number) => Promise.resolve(n), { concurrency: 2 }));
    const got: number[] = [];
    const loop = (async () => {
      for await (const n of eachValueFrom(results)) {
        got.push(n);
        await eventLoopTurns(1);
      }
    })();
    for (let i = 0; i < 20; i++) source.next(i);
    source.complete();
    await loop;
    expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('buffers every result the loop has not reached: no backpressure to the source', async () => {
    const { generator, stats } = countingSource(1000);
    const got: number[] = [];
    for await (const n of eachValueFrom(
      poolFrom(generator, (n: number) => of(n), { concurrency: 2 }),
    )) {
      got.push(n);
      await eventLoopTurns(1);
      if (got.length === 10) break;
    }
    // The source ran to its end while the loop took 10: use for await over poolFrom itself instead.
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(stats.pulled).toBe(1000);
  });

  it('unsubscribes the pool and its source on a break', async () => {
    const source = new Subject<number>();
    let report: PoolReport<number> | undefined;
    const results = source.pipe(
      pool((n: number) => of(n), { concurrency: 1, onFinalize: (r) => (report = r) }),
    );
    const loop = (async () => {
      for await (const n of eachValueFrom(results)) {
        if (n === 2) break;
      }
    })();
    for (let i = 0; i < 5 && !source.closed && report === undefined; i++) {
      source.next(i);
      await eventLoopTurns(1);
    }
    await loop;
    expect(report?.reason).toBe('unsubscribed');
    expect(source.observed).toBe(false);
  });
});
