import { defer, tap } from 'rxjs';
import { BufferOverflowError, poolFrom, pool } from '../../src/index.js';
import type { PoolOptions } from '../../src/index.js';
import type { RunHelpers } from 'rxjs/testing';
import {
  type Cold,
  expectLedgerBalances,
  newScheduler,
  reportCollector,
} from '../helpers/marbles.js';

describe("halt: 'drain'", () => {
  const errA = new Error('a failed');
  const errB = new Error('b failed');
  const sourceError = new Error('source failed');

  /**
   * Two workers. `a` runs from 1 to 8 (emits x at 7); `b` runs from 2 and fails at 4; `c` arrives
   * at 3 and waits for a worker; `d` would arrive at 9.
   */
  function drainOnItemFailure(
    run: (
      h: RunHelpers & { source: Cold; inners: Record<string, Cold>; options: PoolOptions<string> },
    ) => void,
    extra: Partial<PoolOptions<string>> = {},
  ): void {
    newScheduler().run((helpers) => {
      const { cold } = helpers;
      const source = cold('-abc-----d|');
      const inners: Record<string, Cold> = {
        a: cold('------x|'),
        b: cold('--#', undefined, errB),
        c: cold('-y|'),
        d: cold('-z|'),
      };
      run({ ...helpers, source, inners, options: { concurrency: 2, halt: 'drain', ...extra } });
    });
  }

  it('releases the source at the frame of the failure', () => {
    drainOnItemFailure(({ source, inners, options, expectObservable, expectSubscriptions }) => {
      expectObservable(source.pipe(pool((item: string) => inners[item], options))).toBe(
        '-------x#',
        undefined,
        errB,
      );
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('starts nothing new, even when a worker slot is free', () => {
    drainOnItemFailure(({ source, inners, options, expectObservable, expectSubscriptions }) => {
      expectObservable(source.pipe(pool((item: string) => inners[item], options))).toBe(
        '-------x#',
        undefined,
        errB,
      );
      expectSubscriptions(inners.c.subscriptions).toBe([]);
      expectSubscriptions(inners.d.subscriptions).toBe([]);
    });
  });

  it('lets in-flight items finish and emit, then delivers the error', () => {
    drainOnItemFailure(({ source, inners, options, expectObservable, expectSubscriptions }) => {
      expectObservable(source.pipe(pool((item: string) => inners[item], options))).toBe(
        '-------x#',
        undefined,
        errB,
      );
      expectSubscriptions(inners.a.subscriptions).toBe('-^------!');
      expectSubscriptions(inners.b.subscriptions).toBe('--^-!');
    });
  });

  it('reports queued items as unstarted and drained items as succeeded', () => {
    const collector = reportCollector<string>();
    drainOnItemFailure(
      ({ source, inners, options, expectObservable }) => {
        expectObservable(source.pipe(pool((item: string) => inners[item], options))).toBe(
          '-------x#',
          undefined,
          errB,
        );
      },
      { onFinalize: collector.onFinalize },
    );
    const report = collector.only();
    expect(report).toMatchObject({
      reason: 'error',
      accepted: 3,
      succeeded: 1,
      failed: 1,
      dropped: 0,
      unstarted: ['c'],
      unfinished: [],
    });
    expect(report.error).toBe(errB);
    expectLedgerBalances(report);
  });

  it('does not abort the signals of the items it drains', () => {
    const signals: AbortSignal[] = [];
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab|');
      const inners: Record<string, Cold> = {
        a: cold('-----x|'),
        b: cold('-#', undefined, errB),
      };
      const result = source.pipe(
        pool(
          (item: string, { signal }) => {
            signals.push(signal);
            return inners[item];
          },
          { concurrency: 2, halt: 'drain' },
        ),
      );
      expectObservable(result).toBe('------x#', undefined, errB);
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^-----!');
      expectSubscriptions(inners.b.subscriptions).toBe('--^!');
    });
    expect(signals.map((s) => s.aborted)).toEqual([false, false]);
  });

  it('delivers the error at once when nothing else is in flight', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab----|');
      const inners: Record<string, Cold> = {
        a: cold('-#', undefined, errA),
        b: cold('-y|'),
      };
      const result = source.pipe(
        pool((item: string) => inners[item], { concurrency: 1, halt: 'drain' }),
      );
      expectObservable(result).toBe('--#', undefined, errA);
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^!');
      expectSubscriptions(inners.b.subscriptions).toBe([]);
    });
  });

  it('delivers the first fatal error when a draining item fails too', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-abc---|');
      const inners: Record<string, Cold> = {
        a: cold('---#', undefined, errA),
        b: cold('----#', undefined, errB),
        c: cold('-----x|'),
      };
      const result = source.pipe(
        pool((item: string) => inners[item], { concurrency: 3, halt: 'drain' }),
      );
      expectObservable(result).toBe('--------x#', undefined, errA);
      expectSubscriptions(source.subscriptions).toBe('^---!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^--!');
      expectSubscriptions(inners.b.subscriptions).toBe('--^---!');
      expectSubscriptions(inners.c.subscriptions).toBe('---^-----!');
    });
  });

  it('drains on a source error', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab-#', undefined, sourceError);
      const inners: Record<string, Cold> = {
        a: cold('-----x|'),
        b: cold('-y|'),
      };
      const result = source.pipe(
        pool((item: string) => inners[item], { concurrency: 1, halt: 'drain' }),
      );
      expectObservable(result).toBe('------x#', undefined, sourceError);
      expectSubscriptions(source.subscriptions).toBe('^---!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^-----!');
      expectSubscriptions(inners.b.subscriptions).toBe([]);
    });
  });

  it('drains on a buffer overflow', () => {
    const received: unknown[] = [];
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab---|');
      const inners: Record<string, Cold> = {
        a: cold('----x|'),
        b: cold('-y|'),
      };
      const result = source.pipe(
        pool((item: string) => inners[item], { concurrency: 1, bufferSize: 0, halt: 'drain' }),
        tap({ error: (error: unknown) => received.push(error) }),
      );
      expectObservable(result).toBe('-----x#', undefined, expect.any(BufferOverflowError));
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^----!');
      expectSubscriptions(inners.b.subscriptions).toBe([]);
    });
    expect((received[0] as BufferOverflowError<string>).item).toBe('b');
  });

  it('returns a pulled iterator at the frame of the failure, before the drain ends', () => {
    const log: string[] = [];
    const scheduler = newScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const inners: Record<string, Cold> = {
        a: cold('-----x|'),
        b: cold('--#', undefined, errB),
        c: cold('-y|'),
      };
      function* items(): Generator<string> {
        try {
          yield* ['a', 'b', 'c'];
        } finally {
          log.push(`finally at ${scheduler.now()}`);
        }
      }
      const result = poolFrom(items(), (item: string) => inners[item], {
        concurrency: 2,
        halt: 'drain',
      }).pipe(tap({ error: () => log.push(`error at ${scheduler.now()}`) }));
      expectObservable(result).toBe('-----x#', undefined, errB);
      expectSubscriptions(inners.a.subscriptions).toBe('^-----!');
      expectSubscriptions(inners.b.subscriptions).toBe('^-!');
      expectSubscriptions(inners.c.subscriptions).toBe([]);
    });
    expect(log).toEqual(['finally at 2', 'error at 6']);
  });

  it('aborts at once when downstream unsubscribes during the drain', () => {
    const signals = new Map<string, AbortSignal>();
    const collector = reportCollector<string>();
    drainOnItemFailure(
      ({ source, inners, options, expectObservable, expectSubscriptions }) => {
        const work = (item: string, { signal }: { signal: AbortSignal }) =>
          defer(() => {
            signals.set(item, signal);
            return inners[item];
          });
        expectObservable(source.pipe(pool(work, options)), '^-----!').toBe('-');
        expectSubscriptions(inners.a.subscriptions).toBe('-^----!');
      },
      { onFinalize: collector.onFinalize },
    );
    expect(signals.get('a')?.aborted).toBe(true);
    const report = collector.only();
    expect(report).toMatchObject({
      reason: 'unsubscribed',
      accepted: 3,
      succeeded: 0,
      failed: 1,
      unstarted: ['c'],
      unfinished: ['a'],
    });
    expectLedgerBalances(report);
  });
});

describe("halt: 'abort'", () => {
  it('unsubscribes in-flight items at the frame of the failure (the default)', () => {
    const errB = new Error('b failed');
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-abc---|');
      const inners: Record<string, Cold> = {
        a: cold('------x|'),
        b: cold('--#', undefined, errB),
        c: cold('-y|'),
      };
      const result = source.pipe(
        pool((item: string) => inners[item], { concurrency: 2, halt: 'abort' }),
      );
      expectObservable(result).toBe('----#', undefined, errB);
      expectSubscriptions(source.subscriptions).toBe('^---!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^--!');
      expectSubscriptions(inners.b.subscriptions).toBe('--^-!');
      expectSubscriptions(inners.c.subscriptions).toBe([]);
    });
  });
});
