import { take, tap } from 'rxjs';
import { pool } from '../../src/index.js';
import { type Cold, newScheduler, reportCollector } from '../helpers/marbles.js';

describe('onFailure', () => {
  const errA = new Error('a failed');
  const errB = new Error('b failed');
  const sourceError = new Error('source failed');

  it('is called with the error and the item of a tolerated failure', () => {
    const calls: unknown[][] = [];
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b|');
      const inners: Record<string, Cold> = { a: cold('-#', undefined, errA), b: cold('-x|') };
      const result = source.pipe(
        pool((item: string) => inners[item], {
          concurrency: 1,
          tolerate: 1,
          onFailure: (error, item) => calls.push([error, item]),
        }),
      );
      expectObservable(result).toBe('----x|');
      expectSubscriptions(source.subscriptions).toBe('^---!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^!');
      expectSubscriptions(inners.b.subscriptions).toBe('---^-!');
    });
    expect(calls).toEqual([[errA, 'a']]);
    expect(calls[0]?.[0]).toBe(errA);
  });

  it('is called in the order the items failed, not the order they were accepted', () => {
    const calls: unknown[][] = [];
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab---|');
      const inners: Record<string, Cold> = {
        a: cold('----#', undefined, errA),
        b: cold('-#', undefined, errB),
      };
      const result = source.pipe(
        pool((item: string) => inners[item], {
          concurrency: 2,
          tolerate: Infinity,
          onFailure: (error, item) => calls.push([error, item]),
        }),
      );
      expectObservable(result).toBe('------|');
      expectSubscriptions(source.subscriptions).toBe('^-----!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^---!');
      expectSubscriptions(inners.b.subscriptions).toBe('--^!');
    });
    expect(calls).toEqual([
      [errB, 'b'],
      [errA, 'a'],
    ]);
  });

  it('is called for the failure that halts the pool, before downstream receives it', () => {
    const log: string[] = [];
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|');
      const inner = cold('-#', undefined, errA);
      const result = source.pipe(
        pool(() => inner, {
          concurrency: 1,
          onFailure: (error, item) => log.push(`onFailure ${item} ${String(error === errA)}`),
        }),
        tap({ error: () => log.push('downstream error') }),
      );
      expectObservable(result).toBe('--#', undefined, errA);
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(inner.subscriptions).toBe('-^!');
    });
    expect(log).toEqual(['onFailure a true', 'downstream error']);
  });

  it('is called at the frame of the failure', () => {
    const frames: number[] = [];
    const scheduler = newScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-----|');
      const inner = cold('---#', undefined, errA);
      const result = source.pipe(
        pool(() => inner, {
          concurrency: 1,
          tolerate: 1,
          onFailure: () => frames.push(scheduler.now()),
        }),
      );
      expectObservable(result).toBe('-------|');
      expectSubscriptions(source.subscriptions).toBe('^------!');
      expectSubscriptions(inner.subscriptions).toBe('-^--!');
    });
    expect(frames).toEqual([4]);
  });

  it('is not called for the items the halt abandons in flight', () => {
    const items: string[] = [];
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab|');
      const inners: Record<string, Cold> = {
        a: cold('-----x|'),
        b: cold('-#', undefined, errB),
      };
      const result = source.pipe(
        pool((item: string) => inners[item], {
          concurrency: 2,
          onFailure: (_error, item) => items.push(item),
        }),
      );
      expectObservable(result).toBe('---#', undefined, errB);
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^-!');
      expectSubscriptions(inners.b.subscriptions).toBe('--^!');
    });
    expect(items).toEqual(['b']);
  });

  it('is called before onFinalize even when the results it releases (ordered) end the run', () => {
    const log: string[] = [];
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('(ab|)');
      const inners: Record<string, Cold> = { a: cold('-----#', undefined, errA), b: cold('-y|') };
      const result = source.pipe(
        pool((item: string) => inners[item], {
          concurrency: 2,
          ordered: true,
          tolerate: 1,
          onFailure: (error) => log.push(`onFailure ${(error as Error).message}`),
          onFinalize: (report) => log.push(`onFinalize ${report.reason}`),
        }),
        take(1),
      );
      // b's result is held for a; a's failure releases it, and take(1) ends the run on it.
      expectObservable(result).toBe('-----(y|)');
      expectSubscriptions(inners.a.subscriptions).toBe('^----!');
      expectSubscriptions(inners.b.subscriptions).toBe('^-!');
    });
    expect(log).toEqual(['onFailure a failed', 'onFinalize unsubscribed']);
  });

  it('is not called for a source error', () => {
    const onFailure = jest.fn();
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-#', undefined, sourceError);
      const inner = cold('-----x|');
      const result = source.pipe(pool(() => inner, { concurrency: 1, onFailure }));
      expectObservable(result).toBe('---#', undefined, sourceError);
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(inner.subscriptions).toBe('-^-!');
    });
    expect(onFailure).not.toHaveBeenCalled();
  });

  it('is not called for items that succeed', () => {
    const onFailure = jest.fn();
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab|');
      const inner = cold('-x|');
      const result = source.pipe(pool(() => inner, { concurrency: 2, onFailure }));
      expectObservable(result).toBe('--xx|');
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(inner.subscriptions).toBe(['-^-!', '--^-!']);
    });
    expect(onFailure).not.toHaveBeenCalled();
  });

  it('halts the pool with the error it throws, even for a tolerated failure', () => {
    const thrown = new Error('onFailure threw');
    const collector = reportCollector<string>();
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b---|');
      const inners: Record<string, Cold> = {
        a: cold('-#', undefined, errA),
        b: cold('-----x|'),
      };
      const result = source.pipe(
        pool((item: string) => inners[item], {
          concurrency: 2,
          tolerate: Infinity,
          onFailure: () => {
            throw thrown;
          },
          onFinalize: collector.onFinalize,
        }),
      );
      expectObservable(result).toBe('--#', undefined, thrown);
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^!');
      expectSubscriptions(inners.b.subscriptions).toBe([]);
    });
    const report = collector.only();
    expect(report.reason).toBe('error');
    expect(report.error).toBe(thrown);
  });
});
