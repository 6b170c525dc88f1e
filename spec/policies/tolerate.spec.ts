import { tap } from 'rxjs';
import { BufferOverflowError, pool } from '../../src/index.js';
import {
  type Cold,
  expectLedgerBalances,
  newScheduler,
  reportCollector,
} from '../helpers/marbles.js';

describe('tolerate', () => {
  const errA = new Error('a failed');
  const errB = new Error('b failed');
  const errC = new Error('c failed');
  const sourceError = new Error('source failed');

  it('absorbs failures up to the budget without notifying downstream', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|');
      const inners: Record<string, Cold> = {
        a: cold('-#', undefined, errA),
        b: cold('-x|'),
        c: cold('-#', undefined, errC),
      };
      const result = source.pipe(
        pool((item: string) => inners[item], { concurrency: 1, tolerate: 2 }),
      );

      expectObservable(result).toBe('----x--|');
      expectSubscriptions(source.subscriptions).toBe('^------!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^!');
      expectSubscriptions(inners.b.subscriptions).toBe('---^-!');
      expectSubscriptions(inners.c.subscriptions).toBe('-----^!');
    });
  });

  it('halts with the failure that exceeds the budget, tearing down at that frame', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c---|');
      const inners: Record<string, Cold> = {
        a: cold('-#', undefined, errA),
        b: cold('---#', undefined, errB),
        c: cold('-------x|'),
      };
      const result = source.pipe(
        pool((item: string) => inners[item], { concurrency: 3, tolerate: 1 }),
      );

      expectObservable(result).toBe('------#', undefined, errB);
      expectSubscriptions(source.subscriptions).toBe('^-----!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^!');
      expectSubscriptions(inners.b.subscriptions).toBe('---^--!');
      expectSubscriptions(inners.c.subscriptions).toBe('-----^!');
    });
  });

  it('delivers the exceeding failure as the original error object', () => {
    const received: unknown[] = [];
    newScheduler().run(({ cold }) => {
      const inners: Record<string, Cold> = {
        a: cold('-#', undefined, errA),
        b: cold('-#', undefined, errB),
      };
      cold('-a-b|')
        .pipe(pool((item: string) => inners[item], { concurrency: 1, tolerate: 1 }))
        .subscribe({ error: (error: unknown) => received.push(error) });
    });
    expect(received).toHaveLength(1);
    expect(received[0]).toBe(errB);
  });

  it('halts on the first failure when tolerate is not given', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b|');
      const inners: Record<string, Cold> = {
        a: cold('-#', undefined, errA),
        b: cold('-x|'),
      };
      const result = source.pipe(pool((item: string) => inners[item], { concurrency: 1 }));

      expectObservable(result).toBe('--#', undefined, errA);
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^!');
      expectSubscriptions(inners.b.subscriptions).toBe([]);
    });
  });

  it('lets a tolerated failure free its worker slot for the next queued item', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab---|');
      const inners: Record<string, Cold> = {
        a: cold('--#', undefined, errA),
        b: cold('-y|'),
      };
      const result = source.pipe(
        pool((item: string) => inners[item], { concurrency: 1, tolerate: 1 }),
      );

      expectObservable(result).toBe('----y-|');
      expectSubscriptions(source.subscriptions).toBe('^-----!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^-!');
      expectSubscriptions(inners.b.subscriptions).toBe('---^-!');
    });
  });

  it('counts tolerated failures as failed in the report, which completes and balances', () => {
    const collector = reportCollector<string>();
    newScheduler().run(({ cold }) => {
      const inners: Record<string, Cold> = {
        a: cold('-#', undefined, errA),
        b: cold('-x|'),
        c: cold('-#', undefined, errC),
      };
      cold('-a-b-c-|')
        .pipe(
          pool((item: string) => inners[item], {
            concurrency: 1,
            tolerate: 2,
            onFinalize: collector.onFinalize,
          }),
        )
        .subscribe({ error: () => undefined });
    });
    const report = collector.only();
    expect(report).toMatchObject({
      reason: 'complete',
      accepted: 3,
      succeeded: 1,
      failed: 2,
      dropped: 0,
      unstarted: [],
      unfinished: [],
    });
    expect(report.error).toBeUndefined();
    expectLedgerBalances(report);
  });

  it('reports the halting failure and the items it abandoned', () => {
    const collector = reportCollector<string>();
    newScheduler().run(({ cold }) => {
      const inners: Record<string, Cold> = {
        a: cold('-#', undefined, errA),
        b: cold('---#', undefined, errB),
        c: cold('-------x|'),
        d: cold('-x|'),
      };
      cold('-a-bcd---|')
        .pipe(
          pool((item: string) => inners[item], {
            concurrency: 2,
            tolerate: 1,
            onFinalize: collector.onFinalize,
          }),
        )
        .subscribe({ error: () => undefined });
    });
    const report = collector.only();
    expect(report).toMatchObject({
      reason: 'error',
      accepted: 4,
      succeeded: 0,
      failed: 2,
      unstarted: ['d'],
      unfinished: ['c'],
    });
    expect(report.error).toBe(errB);
    expectLedgerBalances(report);
  });

  it('with Infinity never halts however many items fail', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-abc----|');
      const inners: Record<string, Cold> = {
        a: cold('-#', undefined, errA),
        b: cold('--#', undefined, errB),
        c: cold('---#', undefined, errC),
      };
      const result = source.pipe(
        pool((item: string) => inners[item], { concurrency: 3, tolerate: Infinity }),
      );

      expectObservable(result).toBe('--------|');
      expectSubscriptions(source.subscriptions).toBe('^-------!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^!');
      expectSubscriptions(inners.b.subscriptions).toBe('--^-!');
      expectSubscriptions(inners.c.subscriptions).toBe('---^--!');
    });
  });

  it('with Infinity still halts on a source error', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-#', undefined, sourceError);
      const inners: Record<string, Cold> = {
        a: cold('-#', undefined, errA),
        b: cold('-------x|'),
      };
      const result = source.pipe(
        pool((item: string) => inners[item], { concurrency: 2, tolerate: Infinity }),
      );

      expectObservable(result).toBe('-----#', undefined, sourceError);
      expectSubscriptions(source.subscriptions).toBe('^----!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^!');
      expectSubscriptions(inners.b.subscriptions).toBe('---^-!');
    });
  });

  it('with Infinity still halts on a buffer overflow', () => {
    const received: unknown[] = [];
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-bc--|');
      const inners: Record<string, Cold> = {
        a: cold('-#', undefined, errA),
        b: cold('-----x|'),
        c: cold('-y|'),
      };
      const result = source.pipe(
        pool((item: string) => inners[item], {
          concurrency: 1,
          bufferSize: 0,
          tolerate: Infinity,
        }),
        tap({ error: (error: unknown) => received.push(error) }),
      );

      expectObservable(result).toBe('----#', undefined, expect.any(BufferOverflowError));
      expectSubscriptions(source.subscriptions).toBe('^---!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^!');
      expectSubscriptions(inners.b.subscriptions).toBe('---^!');
      expectSubscriptions(inners.c.subscriptions).toBe([]);
    });
    expect(received).toHaveLength(1);
    expect(received[0]).toBeInstanceOf(BufferOverflowError);
    expect((received[0] as BufferOverflowError<string>).item).toBe('c');
  });
});
