import { lastValueFrom, merge, Subject, take, tap, toArray, type Observable } from 'rxjs';
import { BufferOverflowError, pool, poolFrom, type PoolReport } from '../../src/index.js';
import { type Cold, newScheduler } from '../helpers/marbles.js';
import { expectLedgerBalances, reportCollector } from '../helpers/reports.js';

describe('ordered', () => {
  const errB = new Error('b failed');
  const errC = new Error('c failed');

  it('delivers results in acceptance order while the work runs concurrently', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-abc|');
      const sourceSubs = ' ^---!';
      const a = cold('      ---x|');
      const aSubs = '      -^---!';
      const b = cold('       -y|');
      const bSubs = '      --^-!';
      const c = cold('        -----z|');
      const cSubs = '      ---^-----!';
      const expected = '   ----xy--z|';
      const inners: Record<string, Cold> = { a, b, c };
      const result = source.pipe(
        pool((item: string) => inners[item], { concurrency: 3, ordered: true }),
      );
      expectObservable(result).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(sourceSubs);
      expectSubscriptions(a.subscriptions).toBe(aSubs);
      expectSubscriptions(b.subscriptions).toBe(bSubs);
      expectSubscriptions(c.subscriptions).toBe(cSubs);
    });
  });

  it("passes the head item's values on as they arrive", () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab|');
      const sourceSubs = ' ^--!';
      const a = cold('      -x--x|');
      const aSubs = '      -^----!';
      const b = cold('       -y|');
      const bSubs = '      --^-!';
      const expected = '   --x--x(y|)';
      const inners: Record<string, Cold> = { a, b };
      const result = source.pipe(
        pool((item: string) => inners[item], { concurrency: 2, ordered: true }),
      );
      expectObservable(result).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(sourceSubs);
      expectSubscriptions(a.subscriptions).toBe(aSubs);
      expectSubscriptions(b.subscriptions).toBe(bSubs);
    });
  });

  it("releases all of a held item's values together when it reaches the head", () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab|');
      const sourceSubs = ' ^--!';
      const a = cold('      ----x|');
      const aSubs = '      -^----!';
      const b = cold('       -yz|');
      const bSubs = '      --^--!';
      const expected = '   -----x(yz|)';
      const inners: Record<string, Cold> = { a, b };
      const result = source.pipe(
        pool((item: string) => inners[item], { concurrency: 2, ordered: true }),
      );
      expectObservable(result).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(sourceSubs);
      expectSubscriptions(a.subscriptions).toBe(aSubs);
      expectSubscriptions(b.subscriptions).toBe(bSubs);
    });
  });

  it('frees the worker slot of a held result for the next item', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-abc|');
      const sourceSubs = ' ^---!';
      const a = cold('      ------x|');
      const aSubs = '      -^------!';
      const b = cold('       -y|');
      const bSubs = '      --^-!';
      const c = cold('         -z|');
      const cSubs = '      ----^-!';
      const expected = '   -------x(yz|)';
      const inners: Record<string, Cold> = { a, b, c };
      const result = source.pipe(
        pool((item: string) => inners[item], { concurrency: 2, ordered: true }),
      );
      expectObservable(result).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(sourceSubs);
      expectSubscriptions(a.subscriptions).toBe(aSubs);
      expectSubscriptions(b.subscriptions).toBe(bSubs);
      expectSubscriptions(c.subscriptions).toBe(cSubs);
    });
  });

  it('pulls nothing from a pull source while held results fill the bound', () => {
    const pulls: number[] = [];
    const scheduler = newScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const inners: Record<string, Cold> = {
        a: cold('------x|'),
        b: cold('-y|'),
        c: cold('-z|'),
        d: cold('--w|'),
      };
      function* items(): Generator<string> {
        for (const item of ['a', 'b', 'c', 'd']) {
          pulls.push(scheduler.now());
          yield item;
        }
      }
      const result = poolFrom(items(), (item: string) => inners[item], {
        concurrency: 2,
        bufferSize: 0,
        ordered: true,
      });
      expectObservable(result).toBe('------xyzw|');
      expectSubscriptions(inners.a.subscriptions).toBe('^------!');
      expectSubscriptions(inners.b.subscriptions).toBe('^-!');
      expectSubscriptions(inners.c.subscriptions).toBe('-------^-!');
      expectSubscriptions(inners.d.subscriptions).toBe('-------^--!');
    });
    expect(pulls).toEqual([0, 0, 7, 7]);
  });

  it("counts held results against a push source's bound, so an arrival past it overflows", () => {
    const received: unknown[] = [];
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab-c-d---|');
      const inners: Record<string, Cold> = {
        a: cold('--------x|'),
        b: cold('(y|)'),
        c: cold('--------z|'),
        d: cold('-w|'),
      };
      const result = source.pipe(
        pool((item: string) => inners[item], { concurrency: 2, bufferSize: 1, ordered: true }),
        tap({ error: (error: unknown) => received.push(error) }),
      );
      expectObservable(result).toBe('------#', undefined, expect.any(BufferOverflowError));
      expectSubscriptions(source.subscriptions).toBe('^-----!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^----!');
      expectSubscriptions(inners.b.subscriptions).toBe('--(^!)');
      expectSubscriptions(inners.c.subscriptions).toBe('----^-!');
      expectSubscriptions(inners.d.subscriptions).toBe([]);
    });
    expect((received[0] as BufferOverflowError<string>).item).toBe('d');
  });

  it('reports a failure at once, not when it reaches the head of the line', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab|');
      const sourceSubs = ' ^--!';
      const a = cold('      -------x|');
      const aSubs = '      -^--!';
      const b = cold('       --#', undefined, errB);
      const bSubs = '      --^-!';
      const expected = '   ----#';
      const inners: Record<string, Cold> = { a, b };
      const result = source.pipe(
        pool((item: string) => inners[item], { concurrency: 2, ordered: true }),
      );
      expectObservable(result).toBe(expected, undefined, errB);
      expectSubscriptions(source.subscriptions).toBe(sourceSubs);
      expectSubscriptions(a.subscriptions).toBe(aSubs);
      expectSubscriptions(b.subscriptions).toBe(bSubs);
    });
  });

  it('reports a tolerated failure at once and lets later results pass its place', () => {
    const failureFrames: number[] = [];
    const scheduler = newScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-abc|');
      const sourceSubs = ' ^---!';
      const a = cold('      -----x|');
      const aSubs = '      -^-----!';
      const b = cold('       -#', undefined, errB);
      const bSubs = '      --^!';
      const c = cold('        -z|');
      const cSubs = '      ---^-!';
      const expected = '   ------x(z|)';
      const inners: Record<string, Cold> = { a, b, c };
      const result = source.pipe(
        pool((item: string) => inners[item], {
          concurrency: 3,
          ordered: true,
          tolerate: 1,
          onFailure: () => failureFrames.push(scheduler.now()),
        }),
      );
      expectObservable(result).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(sourceSubs);
      expectSubscriptions(a.subscriptions).toBe(aSubs);
      expectSubscriptions(b.subscriptions).toBe(bSubs);
      expectSubscriptions(c.subscriptions).toBe(cSubs);
    });
    expect(failureFrames).toEqual([3]);
  });

  it('reports held results as unfinished when the pool halts', () => {
    const collector = reportCollector<string>();
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-abc|');
      const sourceSubs = ' ^---!';
      const a = cold('      --------x|');
      const aSubs = '      -^----!';
      const b = cold('       -y|');
      const bSubs = '      --^-!';
      const c = cold('        ---#', undefined, errC);
      const cSubs = '      ---^--!';
      const expected = '   ------#';
      const inners: Record<string, Cold> = { a, b, c };
      const result = source.pipe(
        pool((item: string) => inners[item], {
          concurrency: 3,
          ordered: true,
          onFinalize: collector.onFinalize,
        }),
      );
      expectObservable(result).toBe(expected, undefined, errC);
      expectSubscriptions(source.subscriptions).toBe(sourceSubs);
      expectSubscriptions(a.subscriptions).toBe(aSubs);
      expectSubscriptions(b.subscriptions).toBe(bSubs);
      expectSubscriptions(c.subscriptions).toBe(cSubs);
    });
    const report = collector.only();
    expect(report).toMatchObject({
      reason: 'error',
      accepted: 3,
      succeeded: 0,
      failed: 1,
      unstarted: [],
      unfinished: ['a', 'b'],
    });
    expectLedgerBalances(report);
  });

  it("delivers none of the held results when the head item's failure halts the pool", () => {
    const collector = reportCollector<string>();
    const errA = new Error('a failed');
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab|');
      const inners: Record<string, Cold> = {
        a: cold('---#', undefined, errA),
        b: cold('(y|)'),
      };
      const result = source.pipe(
        pool((item: string) => inners[item], {
          concurrency: 2,
          ordered: true,
          onFinalize: collector.onFinalize,
        }),
      );
      expectObservable(result).toBe('----#', undefined, errA);
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^--!');
      expectSubscriptions(inners.b.subscriptions).toBe('--(^!)');
    });
    const report = collector.only();
    expect(report).toMatchObject({
      reason: 'error',
      accepted: 2,
      succeeded: 0,
      failed: 1,
      unfinished: ['b'],
    });
    expectLedgerBalances(report);
  });

  it('reports held results as unfinished when downstream unsubscribes', () => {
    const collector = reportCollector<string>();
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab|');
      const inners: Record<string, Cold> = { a: cold('--------x|'), b: cold('-y|') };
      const result = source.pipe(
        pool((item: string) => inners[item], {
          concurrency: 2,
          ordered: true,
          onFinalize: collector.onFinalize,
        }),
      );
      expectObservable(result, '^----!').toBe('-');
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^---!');
      expectSubscriptions(inners.b.subscriptions).toBe('--^-!');
    });
    const report = collector.only();
    expect(report).toMatchObject({
      reason: 'unsubscribed',
      accepted: 2,
      succeeded: 0,
      unfinished: ['a', 'b'],
    });
    expectLedgerBalances(report);
  });

  it("delivers held results in order during a 'drain', then the error", () => {
    const collector = reportCollector<string>();
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-abc|');
      const sourceSubs = ' ^---!';
      const a = cold('      --------x|');
      const aSubs = '      -^--------!';
      const b = cold('       -y|');
      const bSubs = '      --^-!';
      const c = cold('        ---#', undefined, errC);
      const cSubs = '      ---^--!';
      const expected = '   ---------x(y#)';
      const inners: Record<string, Cold> = { a, b, c };
      const result = source.pipe(
        pool((item: string) => inners[item], {
          concurrency: 3,
          ordered: true,
          halt: 'drain',
          onFinalize: collector.onFinalize,
        }),
      );
      expectObservable(result).toBe(expected, undefined, errC);
      expectSubscriptions(source.subscriptions).toBe(sourceSubs);
      expectSubscriptions(a.subscriptions).toBe(aSubs);
      expectSubscriptions(b.subscriptions).toBe(bSubs);
      expectSubscriptions(c.subscriptions).toBe(cSubs);
    });
    const report = collector.only();
    expect(report).toMatchObject({
      reason: 'error',
      succeeded: 2,
      failed: 1,
      unstarted: [],
      unfinished: [],
    });
    expectLedgerBalances(report);
  });
});

describe('ordered: when an item succeeds', () => {
  it('counts a held-back item whose only result reached downstream as succeeded, even when downstream ends the run on it (take)', () => {
    const collector = reportCollector<string>();
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('(AB|)');
      const inners: Record<string, Cold> = { A: cold('--a|'), B: cold('(b|)') };
      const result = source.pipe(
        pool((item: string) => inners[item]!, {
          concurrency: 2,
          ordered: true,
          onFinalize: collector.onFinalize,
        }),
        take(2),
      );
      expectObservable(result).toBe('--a(b|)');
      expectSubscriptions(inners.A!.subscriptions).toBe('^--!');
      expectSubscriptions(inners.B!.subscriptions).toBe('(^!)');
    });
    const report = collector.only();
    expect(report).toMatchObject({ succeeded: 2, unfinished: [] });
    expectLedgerBalances(report);
  });

  it('counts a held-back promise result that reached downstream as succeeded, as without ordered', async () => {
    let report: PoolReport<string> | undefined;
    let releaseA!: (value: string) => void;
    const slow = new Promise<string>((resolve) => (releaseA = resolve));
    const done = lastValueFrom(
      poolFrom(['A', 'B'], (x: string) => (x === 'A' ? slow : Promise.resolve('b')), {
        concurrency: 2,
        ordered: true,
        onFinalize: (r) => (report = r),
      }).pipe(take(2), toArray()),
    );
    await Promise.resolve();
    releaseA('a');
    await expect(done).resolves.toEqual(['a', 'b']);
    expect(report).toMatchObject({ reason: 'unsubscribed', succeeded: 2, unfinished: [] });
  });
});

describe('ordered: a head item that fails while its held result is heard', () => {
  it('keeps the line whole: the items after it still deliver, and the run completes', () => {
    const collector = reportCollector<string>();
    const errB = new Error('b failed while its result was heard');
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const kill = new Subject<string>();
      const source = cold('(ABC|)');
      const a = cold('---a|');
      const b = cold('b----');
      const c = cold('(c|)');
      const inners: Record<string, Observable<string>> = { A: a, B: merge(b, kill), C: c };
      const result = source.pipe(
        pool((item: string) => inners[item]!, {
          concurrency: 3,
          ordered: true,
          tolerate: 1,
          onFinalize: collector.onFinalize,
        }),
        tap((value) => {
          if (value === 'b') kill.error(errB);
        }),
      );
      expectObservable(result).toBe('---a(bc|)');
      expectSubscriptions(source.subscriptions).toBe('(^!)');
      expectSubscriptions(a.subscriptions).toBe('^---!');
      expectSubscriptions(b.subscriptions).toBe('^---!');
      expectSubscriptions(c.subscriptions).toBe('(^!)');
    });
    expect(collector.only()).toMatchObject({ reason: 'complete', succeeded: 2, failed: 1 });
  });
});
