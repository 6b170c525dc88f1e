/**
 * The PoolSource protocol, as a source of another package (a broker's consumer) sees it: pulled
 * with the room the pool has, told the fate of every item it gave, released at a halt, refused
 * after the release, and closed once per run, with the pool's end waiting for `close()`.
 */
import { firstValueFrom, lastValueFrom, of, take, toArray } from 'rxjs';
import {
  poolFrom,
  poolSource,
  type PoolOutcome,
  type PoolReport,
  type PoolSource,
  type PoolSourceInput,
  type PoolSourceTarget,
} from '../../src/index.js';
import { expectLedgerBalances } from '../helpers/reports.js';
import { deferred } from '../helpers/deferred.js';
import { eventLoopTurns } from '../helpers/eventLoop.js';

interface Recorder {
  pulls: number[];
  settled: string[];
  events: string[];
  target: PoolSourceTarget<number> | undefined;
}

/**
 * A source of 1..count that answers each pull with as many items as it was given room for,
 * synchronously, and records what the pool tells it.
 */
function batchSource(count: number, extra: Partial<PoolSource<number>> = {}) {
  const recorder: Recorder = { pulls: [], settled: [], events: [], target: undefined };
  const input: PoolSourceInput<number> = {
    [poolSource]: (target) => {
      recorder.target = target;
      let next = 1;
      return {
        isPending: false,
        pull(room) {
          recorder.pulls.push(room);
          for (let i = 0; i < room && next <= count; i++) target.next(next++);
          if (next > count) target.complete();
        },
        settle(item, outcome: PoolOutcome) {
          recorder.settled.push(`${item} ${outcome}`);
        },
        release(reason) {
          recorder.events.push(`release ${reason === undefined ? '' : (reason as Error).message}`);
        },
        close() {
          recorder.events.push('close');
        },
        ...extra,
      };
    },
  };
  return { input, recorder };
}

describe('a PoolSource', () => {
  it('is pulled with the room the pool has: concurrency + bufferSize minus what it holds', async () => {
    const { input, recorder } = batchSource(10);
    const results = await lastValueFrom(
      poolFrom(input, async (n: number) => n, { concurrency: 2, bufferSize: 3 }).pipe(toArray()),
    );
    expect(results.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(recorder.pulls[0]).toBe(5);
    for (const room of recorder.pulls) {
      expect(room).toBeGreaterThanOrEqual(1);
      expect(room).toBeLessThanOrEqual(5);
    }
  });

  it('hears the fate of every item it gave, exactly once, and is closed after the last settle', async () => {
    const { input, recorder } = batchSource(4);
    const boom = new Error('3 failed');
    const report = deferred<PoolReport<number>>();
    await lastValueFrom(
      poolFrom(input, (n: number) => (n === 3 ? Promise.reject(boom) : Promise.resolve(n)), {
        concurrency: 4,
        tolerate: 1,
        onFinalize: report.resolve,
      }),
    );
    expect([...recorder.settled].sort()).toEqual([
      '1 succeeded',
      '2 succeeded',
      '3 failed',
      '4 succeeded',
    ]);
    expect(recorder.events).toEqual(['close']);
    expectLedgerBalances(await report.promise);
  });

  it('is released with the pool error at a halt, before downstream hears it; what it held is settled unstarted or unfinished', async () => {
    const { input, recorder } = batchSource(100);
    const boom = new Error('boom');
    const order: string[] = [];
    await expect(
      lastValueFrom(
        poolFrom(
          input,
          (n: number) => (n === 1 ? Promise.reject(boom) : new Promise<number>(() => undefined)),
          {
            concurrency: 2,
            bufferSize: 2,
            onFinalize: () => order.push('onFinalize'),
          },
        ),
      ).catch((error: unknown) => {
        order.push('error');
        throw error;
      }),
    ).rejects.toBe(boom);
    expect(recorder.events).toEqual(['release boom', 'close']);
    expect(recorder.settled).toEqual(['1 failed', '3 unstarted', '4 unstarted', '2 unfinished']);
    expect(order).toEqual(['onFinalize', 'error']);
  });

  it('is refused an item it answers after the release: next() returns false and no settle follows', async () => {
    let target!: PoolSourceTarget<number>;
    const settled: string[] = [];
    const input: PoolSourceInput<number> = {
      [poolSource]: (t) => {
        target = t;
        return {
          isPending: true,
          pull: () => undefined,
          settle: (item, outcome) => settled.push(`${item} ${outcome}`),
          release: () => undefined,
        };
      },
    };
    const subscription = poolFrom(input, async (n: number) => n, { concurrency: 1 }).subscribe();
    subscription.unsubscribe();
    expect(target.next(7)).toBe(false);
    expect(settled).toEqual([]);
  });

  it('is asked again after an answer that came later, once it calls ready()', async () => {
    const pulls: number[] = [];
    let target!: PoolSourceTarget<number>;
    const source = {
      isPending: false,
      pull(room: number) {
        pulls.push(room);
        this.isPending = true;
        const n = pulls.length;
        setImmediate(() => {
          this.isPending = false;
          // An empty answer first, then one item, then the end.
          if (n === 2) target.next(42);
          if (n === 3) target.complete();
          else target.ready();
        });
      },
      release: () => undefined,
    };
    const input: PoolSourceInput<number> = {
      [poolSource]: (t) => {
        target = t;
        return source;
      },
    };
    await expect(
      lastValueFrom(
        poolFrom(input, async (n: number) => n + 1, { concurrency: 1 }).pipe(toArray()),
      ),
    ).resolves.toEqual([43]);
    expect(pulls.length).toBeGreaterThanOrEqual(3);
  });

  it("holds the pool's end, onFinalize included, until the promise close() returns settles", async () => {
    const closing = deferred<void>();
    const { input, recorder } = batchSource(2, {
      close: () => {
        recorder.events.push('close');
        return closing.promise;
      },
    });
    const order: string[] = [];
    const done = lastValueFrom(
      poolFrom(input, async (n: number) => n, {
        concurrency: 2,
        onFinalize: () => order.push('onFinalize'),
      }),
    ).then(() => order.push('complete'));
    await eventLoopTurns(1);
    expect(recorder.events).toEqual(['close']);
    expect(order).toEqual([]);
    order.push('close settles');
    closing.resolve();
    await done;
    expect(order).toEqual(['close settles', 'onFinalize', 'complete']);
  });

  it('turns a clean end into the error close() rejects with, and keeps the first error during a halt', async () => {
    const notSettled = new Error('could not settle 1, 2');
    const clean = batchSource(2, { close: () => Promise.reject(notSettled) });
    await expect(
      lastValueFrom(poolFrom(clean.input, async (n: number) => n, { concurrency: 2 })),
    ).rejects.toBe(notSettled);

    const boom = new Error('boom');
    const lost: unknown[] = [];
    const { config } = await import('rxjs');
    config.onUnhandledError = (error) => lost.push(error);
    try {
      const halted = batchSource(2, { close: () => Promise.reject(notSettled) });
      await expect(
        lastValueFrom(poolFrom(halted.input, () => Promise.reject(boom), { concurrency: 2 })),
      ).rejects.toBe(boom);
      expect(lost).toEqual([notSettled]);
    } finally {
      config.onUnhandledError = null;
    }
  });

  it('never throws later, without config.onUnhandledError, for a close() that rejects after the run failed', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      const boom = new Error('boom');
      const halted = batchSource(2, { close: () => Promise.reject(new Error('not settled')) });
      await expect(
        lastValueFrom(poolFrom(halted.input, () => Promise.reject(boom), { concurrency: 2 })),
      ).rejects.toBe(boom);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('counts an item whose result downstream took before ending the run (take) as succeeded', async () => {
    const { input, recorder } = batchSource(5);
    await expect(
      firstValueFrom(poolFrom(input, (n: number) => of(n), { concurrency: 1 }).pipe(take(1))),
    ).resolves.toBe(1);
    expect(recorder.settled[0]).toBe('1 succeeded');
  });

  it("is checked with the pool's options at the poolFrom call", () => {
    const check = jest.fn((options: { timeout?: number | undefined }) => {
      if ((options.timeout ?? 0) > 10) throw new RangeError('timeout too long for this source');
    });
    const factory = Object.assign(() => batchSource(1).input[poolSource](undefined as never), {
      check,
    });
    const input = { [poolSource]: factory } as unknown as PoolSourceInput<number>;
    expect(() => poolFrom(input, async (n: number) => n, { concurrency: 1, timeout: 20 })).toThrow(
      RangeError,
    );
    expect(check).toHaveBeenCalledTimes(1);
  });
});

describe('a PoolSource under for await', () => {
  it("resumes the loop after a break only once the source's close() has settled", async () => {
    const closing = deferred<void>();
    const events: string[] = [];
    const { input } = batchSource(10, {
      close: () => {
        events.push('close');
        return closing.promise.then(() => {
          events.push('close settled');
        });
      },
    });
    const loop = (async () => {
      for await (const n of poolFrom(input, async (x: number) => x, { concurrency: 1 })) {
        events.push(`took ${n}`);
        break;
      }
      events.push('after the loop');
    })();
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['took 1', 'close']);
    closing.resolve();
    await loop;
    expect(events).toEqual(['took 1', 'close', 'close settled', 'after the loop']);
  });
});
