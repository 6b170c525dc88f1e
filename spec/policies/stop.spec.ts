import { of, Subject, timer } from 'rxjs';
import type { RunHelpers } from 'rxjs/testing';
import { pool, poolFrom } from '../../src/index.js';
import type { PoolOptions, WorkContext } from '../../src/index.js';
import {
  type Cold,
  expectLedgerBalances,
  expectNeverHeldOpen,
  newScheduler,
  reportCollector,
} from '../helpers/marbles.js';

describe('stop', () => {
  const errA = new Error('a failed');

  /**
   * One worker. `a` runs from 1 to 7 (emits x at 6); `b` and `c` arrive at 2 and 3 and wait; the
   * notifier emits at 4; `d` would arrive at 9.
   */
  function stopWhileBusy(
    run: (
      h: RunHelpers & {
        source: Cold;
        stop: Cold;
        inners: Record<string, Cold>;
        options: PoolOptions<string>;
      },
    ) => void,
    extra: Partial<PoolOptions<string>> = {},
  ): void {
    newScheduler().run((helpers) => {
      const { cold } = helpers;
      const source = cold('-abc-----d|');
      const stop = cold('----s');
      const inners: Record<string, Cold> = {
        a: cold('-----x|'),
        b: cold('-y|'),
        c: cold('-z|'),
        d: cold('-w|'),
      };
      run({ ...helpers, source, stop, inners, options: { concurrency: 1, stop, ...extra } });
    });
  }

  it('releases the source at the frame the notifier emits and takes nothing more', () => {
    stopWhileBusy(({ source, inners, options, expectObservable, expectSubscriptions }) => {
      expectObservable(source.pipe(pool((item: string) => inners[item], options))).toBe('------x|');
      expectSubscriptions(source.subscriptions).toBe('^---!');
      expectSubscriptions(inners.d.subscriptions).toBe([]);
    });
  });

  it('starts none of the queued items', () => {
    stopWhileBusy(({ source, inners, options, expectObservable, expectSubscriptions }) => {
      expectObservable(source.pipe(pool((item: string) => inners[item], options))).toBe('------x|');
      expectSubscriptions(inners.b.subscriptions).toBe([]);
      expectSubscriptions(inners.c.subscriptions).toBe([]);
    });
  });

  it('lets in-flight items finish and emit, then completes', () => {
    stopWhileBusy(({ source, inners, options, expectObservable, expectSubscriptions }) => {
      expectObservable(source.pipe(pool((item: string) => inners[item], options))).toBe('------x|');
      expectSubscriptions(inners.a.subscriptions).toBe('-^-----!');
    });
  });

  it("reports 'stopped', with the queued items unstarted", () => {
    const collector = reportCollector<string>();
    stopWhileBusy(
      ({ source, inners, options }) => {
        source.pipe(pool((item: string) => inners[item], options)).subscribe();
      },
      { onFinalize: collector.onFinalize },
    );
    const report = collector.only();
    expect(report).toMatchObject({
      reason: 'stopped',
      accepted: 3,
      succeeded: 1,
      failed: 0,
      unstarted: ['b', 'c'],
      unfinished: [],
    });
    expect(report.error).toBeUndefined();
    expectLedgerBalances(report);
  });

  it('does not abort the signals of the items it lets finish', () => {
    const signals: AbortSignal[] = [];
    stopWhileBusy(({ source, inners, options }) => {
      source
        .pipe(
          pool((item: string, { signal }: WorkContext) => {
            signals.push(signal);
            return inners[item];
          }, options),
        )
        .subscribe();
    });
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(false);
  });

  it('completes at the frame it emits when nothing is in flight', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-------|');
      const inner = cold('-x|');
      const stop = cold('-----s');
      const result = source.pipe(pool(() => inner, { concurrency: 1, stop }));
      expectObservable(result).toBe('--x--|');
      expectSubscriptions(source.subscriptions).toBe('^----!');
      expectSubscriptions(inner.subscriptions).toBe('-^-!');
      expectSubscriptions(stop.subscriptions).toBe('^----!');
    });
  });

  it('stops before taking anything when the notifier emits at subscription', () => {
    const work = jest.fn((item: string) => of(item));
    const collector = reportCollector<string>();
    let source: Cold | undefined;
    newScheduler().run(({ cold, expectObservable }) => {
      source = cold('(ab)-c|');
      const result = source.pipe(
        pool(work, { concurrency: 2, stop: of('now'), onFinalize: collector.onFinalize }),
      );
      expectObservable(result).toBe('|');
    });
    expectNeverHeldOpen(source?.subscriptions ?? []);
    expect(work).not.toHaveBeenCalled();
    expect(collector.only()).toMatchObject({ reason: 'stopped', accepted: 0 });
  });

  it('pulls nothing from a pull source when the notifier emits at subscription', () => {
    const pulled: string[] = [];
    const work = jest.fn((item: string) => of(item));
    function* items(): Generator<string> {
      for (const item of ['a', 'b']) {
        pulled.push(item);
        yield item;
      }
    }
    const values: string[] = [];
    let completed = false;
    poolFrom(items(), work, { concurrency: 2, stop: of('now') }).subscribe({
      next: (value) => values.push(value),
      complete: () => (completed = true),
    });
    expect(completed).toBe(true);
    expect(pulled).toEqual([]);
    expect(values).toEqual([]);
    expect(work).not.toHaveBeenCalled();
  });

  it("returns a pulled iterator at the frame the notifier emits, running the generator's finally", () => {
    const log: string[] = [];
    const scheduler = newScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const inners: Record<string, Cold> = { a: cold('-----x|'), b: cold('----y|') };
      function* items(): Generator<string> {
        try {
          yield* ['a', 'b', 'c'];
        } finally {
          log.push(`finally at ${scheduler.now()}`);
        }
      }
      const stop = cold('--s');
      const result = poolFrom(items(), (item: string) => inners[item], { concurrency: 2, stop });
      expectObservable(result).toBe('----yx|');
      expectSubscriptions(inners.a.subscriptions).toBe('^-----!');
      expectSubscriptions(inners.b.subscriptions).toBe('^----!');
    });
    expect(log).toEqual(['finally at 2']);
  });

  it('leaves queued items unstarted when it emits after the source completed', () => {
    const collector = reportCollector<string>();
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab|');
      const inners: Record<string, Cold> = { a: cold('-----x|'), b: cold('-y|') };
      const stop = cold('----s');
      const result = source.pipe(
        pool((item: string) => inners[item], {
          concurrency: 1,
          stop,
          onFinalize: collector.onFinalize,
        }),
      );
      expectObservable(result).toBe('------x|');
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^-----!');
      expectSubscriptions(inners.b.subscriptions).toBe([]);
    });
    expect(collector.only()).toMatchObject({
      reason: 'stopped',
      succeeded: 1,
      unstarted: ['b'],
    });
  });

  it('does nothing when the notifier completes without emitting', () => {
    const collector = reportCollector<string>();
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b|');
      const inner = cold('--x|');
      const stop = cold('--|');
      const result = source.pipe(
        pool(() => inner, { concurrency: 1, stop, onFinalize: collector.onFinalize }),
      );
      expectObservable(result).toBe('---x--x|');
      expectSubscriptions(source.subscriptions).toBe('^---!');
      expectSubscriptions(inner.subscriptions).toBe(['-^--!', '----^--!']);
    });
    expect(collector.only()).toMatchObject({ reason: 'complete', succeeded: 2 });
  });

  it('releases the notifier when the pool completes before it emits', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|');
      const inner = cold('-x|');
      const stop = cold('----------s');
      const result = source.pipe(pool(() => inner, { concurrency: 1, stop }));
      expectObservable(result).toBe('--x|');
      expectSubscriptions(stop.subscriptions).toBe('^--!');
    });
  });

  it('releases the notifier when the pool halts before it emits', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|');
      const inner = cold('-#', undefined, errA);
      const stop = cold('----------s');
      const result = source.pipe(pool(() => inner, { concurrency: 1, stop }));
      expectObservable(result).toBe('--#', undefined, errA);
      expectSubscriptions(stop.subscriptions).toBe('^-!');
    });
  });

  it('releases the notifier when downstream unsubscribes before it emits', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|');
      const inner = cold('-----x|');
      const stop = cold('----------s');
      const result = source.pipe(pool(() => inner, { concurrency: 1, stop }));
      expectObservable(result, '^--!').toBe('-');
      expectSubscriptions(stop.subscriptions).toBe('^--!');
    });
  });

  it('releases the notifier by the time the stopped pool completes', () => {
    let notifier: Cold | undefined;
    stopWhileBusy(({ source, stop, inners, options, expectObservable }) => {
      notifier = stop;
      expectObservable(source.pipe(pool((item: string) => inners[item], options))).toBe('------x|');
    });
    // The pool may release the notifier when it emits (4) or when the pool ends (7).
    const subscriptions = notifier?.subscriptions ?? [];
    expect(subscriptions).toHaveLength(1);
    expect(subscriptions[0]?.subscribedFrame).toBe(0);
    expect(subscriptions[0]?.unsubscribedFrame).toBeGreaterThanOrEqual(4);
    expect(subscriptions[0]?.unsubscribedFrame).toBeLessThanOrEqual(7);
  });

  it('still halts with the error of an in-flight item that fails while stopping', () => {
    const collector = reportCollector<string>();
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab---|');
      const inners: Record<string, Cold> = {
        a: cold('----#', undefined, errA),
        b: cold('-y|'),
      };
      const stop = cold('---s');
      const result = source.pipe(
        pool((item: string) => inners[item], {
          concurrency: 1,
          stop,
          onFinalize: collector.onFinalize,
        }),
      );
      expectObservable(result).toBe('-----#', undefined, errA);
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^---!');
      expectSubscriptions(inners.b.subscriptions).toBe([]);
    });
    const report = collector.only();
    expect(report).toMatchObject({ reason: 'error', failed: 1, unstarted: ['b'] });
    expect(report.error).toBe(errA);
  });

  it("keeps the items queued at the stop unstarted when a failure then halts with halt: 'drain'", () => {
    const collector = reportCollector<string>();
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab---|');
      const inners: Record<string, Cold> = {
        a: cold('----#', undefined, errA),
        b: cold('-y|'),
      };
      const stop = cold('---s');
      const result = source.pipe(
        pool((item: string) => inners[item], {
          concurrency: 1,
          halt: 'drain',
          stop,
          onFinalize: collector.onFinalize,
        }),
      );
      expectObservable(result).toBe('-----#', undefined, errA);
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^---!');
      expectSubscriptions(inners.b.subscriptions).toBe([]);
    });
    const report = collector.only();
    expect(report).toMatchObject({
      reason: 'error',
      accepted: 2,
      failed: 1,
      unstarted: ['b'],
      unfinished: [],
    });
    expectLedgerBalances(report);
  });

  describe('under real scheduling', () => {
    beforeEach(() => {
      jest.useFakeTimers();
    });
    afterEach(() => {
      jest.useRealTimers();
    });

    it('leaves no timer of a timer notifier behind when the pool ends first', () => {
      const source = new Subject<string>();
      let completed = false;
      source
        .pipe(pool((item: string) => of(item), { concurrency: 1, stop: timer(60_000) }))
        .subscribe({ complete: () => (completed = true) });
      expect(jest.getTimerCount()).toBe(1);
      source.complete();
      expect(completed).toBe(true);
      expect(jest.getTimerCount()).toBe(0);
    });
  });
});
