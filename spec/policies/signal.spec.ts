import { getEventListeners } from 'node:events';
import { NEVER, of, Subject, tap, throwError } from 'rxjs';
import { pool, poolFrom } from '../../src/index.js';
import type { WorkContext } from '../../src/index.js';
import {
  type Cold,
  expectLedgerBalances,
  expectNeverHeldOpen,
  newScheduler,
  reportCollector,
} from '../helpers/marbles.js';

function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

describe('signal', () => {
  const reason = new Error('cancelled from outside');

  it('halts the pool at the frame the signal aborts, tearing down source and inners', () => {
    const controller = new AbortController();
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab----|');
      const inners: Record<string, Cold> = { a: cold('------x|'), b: cold('------y|') };
      cold('---x').subscribe(() => controller.abort(reason));
      const result = source.pipe(
        pool((item: string) => inners[item], { concurrency: 2, signal: controller.signal }),
      );
      expectObservable(result).toBe('---#', undefined, reason);
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^-!');
      expectSubscriptions(inners.b.subscriptions).toBe('--^!');
    });
  });

  it('delivers signal.reason itself to downstream', () => {
    const controller = new AbortController();
    const errors: unknown[] = [];
    new Subject<string>()
      .pipe(pool((item: string) => of(item), { concurrency: 1, signal: controller.signal }))
      .subscribe({ error: (error: unknown) => errors.push(error) });
    controller.abort(reason);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBe(controller.signal.reason);
  });

  it("reports 'error' with signal.reason as the error, and balances the ledger", () => {
    const controller = new AbortController();
    const collector = reportCollector<string>();
    const source = new Subject<string>();
    source
      .pipe(
        pool(() => NEVER, {
          concurrency: 1,
          signal: controller.signal,
          onFinalize: collector.onFinalize,
        }),
      )
      .subscribe({ error: () => undefined });
    source.next('a');
    source.next('b');
    controller.abort(reason);
    const report = collector.only();
    expect(report).toMatchObject({
      reason: 'error',
      accepted: 2,
      unstarted: ['b'],
      unfinished: ['a'],
    });
    expect(report.error).toBe(reason);
    expectLedgerBalances(report);
  });

  it('delivers the platform AbortError when the signal aborts without a reason', () => {
    const controller = new AbortController();
    const errors: unknown[] = [];
    new Subject<string>()
      .pipe(pool((item: string) => of(item), { concurrency: 1, signal: controller.signal }))
      .subscribe({ error: (error: unknown) => errors.push(error) });
    controller.abort();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBe(controller.signal.reason);
    expect((errors[0] as Error).name).toBe('AbortError');
  });

  it('aborts the signals of in-flight attempts with the outside reason', () => {
    const controller = new AbortController();
    const signals: AbortSignal[] = [];
    const source = new Subject<string>();
    source
      .pipe(
        pool(
          (_item: string, context: WorkContext) => {
            signals.push(context.signal);
            return NEVER;
          },
          { concurrency: 2, signal: controller.signal },
        ),
      )
      .subscribe({ error: () => undefined });
    source.next('a');
    source.next('b');
    controller.abort(reason);
    expect(signals).toHaveLength(2);
    expect(signals.map((s) => s.aborted)).toEqual([true, true]);
    expect(signals[0]?.reason).toBe(reason);
    expect(signals[1]?.reason).toBe(reason);
  });

  it("halts at once even with halt: 'drain'", () => {
    const controller = new AbortController();
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab----|');
      const inners: Record<string, Cold> = { a: cold('------x|'), b: cold('------y|') };
      cold('---x').subscribe(() => controller.abort(reason));
      const result = source.pipe(
        pool((item: string) => inners[item], {
          concurrency: 2,
          halt: 'drain',
          signal: controller.signal,
        }),
      );
      expectObservable(result).toBe('---#', undefined, reason);
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^-!');
      expectSubscriptions(inners.b.subscriptions).toBe('--^!');
    });
  });

  it('aborts a drain in progress at once, and still delivers the error that began the drain', () => {
    const controller = new AbortController();
    const errA = new Error('a failed');
    const collector = reportCollector<string>();
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab----|');
      const inners: Record<string, Cold> = { a: cold('--#', undefined, errA), b: cold('------y|') };
      cold('-----x').subscribe(() => controller.abort(reason));
      const result = source.pipe(
        pool((item: string) => inners[item], {
          concurrency: 2,
          halt: 'drain',
          signal: controller.signal,
          onFinalize: collector.onFinalize,
        }),
      );
      expectObservable(result).toBe('-----#', undefined, errA);
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^-!');
      expectSubscriptions(inners.b.subscriptions).toBe('--^--!');
    });
    expect(collector.only()).toMatchObject({ reason: 'error', error: errA, unfinished: ['b'] });
  });

  it('halts before any work starts when the signal is already aborted', () => {
    const work = jest.fn((item: string) => of(item));
    const collector = reportCollector<string>();
    let source: Cold | undefined;
    newScheduler().run(({ cold, expectObservable }) => {
      source = cold('(ab)-c|');
      const result = source.pipe(
        pool(work, {
          concurrency: 2,
          signal: AbortSignal.abort(reason),
          onFinalize: collector.onFinalize,
        }),
      );
      expectObservable(result).toBe('#', undefined, reason);
    });
    expectNeverHeldOpen(source?.subscriptions ?? []);
    expect(work).not.toHaveBeenCalled();
    expect(collector.only()).toMatchObject({ reason: 'error', accepted: 0 });
  });

  it('pulls nothing from a pull source when the signal is already aborted', () => {
    const pulled: string[] = [];
    function* items(): Generator<string> {
      for (const item of ['a', 'b']) {
        pulled.push(item);
        yield item;
      }
    }
    const work = jest.fn((item: string) => of(item));
    const errors: unknown[] = [];
    poolFrom(items(), work, { concurrency: 2, signal: AbortSignal.abort(reason) }).subscribe({
      error: (error: unknown) => errors.push(error),
    });
    expect(errors).toEqual([reason]);
    expect(pulled).toEqual([]);
    expect(work).not.toHaveBeenCalled();
  });

  it('ignores an abort after the pool completed', () => {
    const controller = new AbortController();
    const onFinalize = jest.fn();
    const notifications: string[] = [];
    poolFrom(['a'], (item: string) => of(item), {
      concurrency: 1,
      signal: controller.signal,
      onFinalize,
    }).subscribe({
      next: (value) => notifications.push(`next ${value}`),
      error: () => notifications.push('error'),
      complete: () => notifications.push('complete'),
    });
    controller.abort(reason);
    expect(notifications).toEqual(['next a', 'complete']);
    expect(onFinalize).toHaveBeenCalledTimes(1);
  });

  describe('abort listener', () => {
    it('is registered while the pool runs', () => {
      const controller = new AbortController();
      const subscription = new Subject<string>()
        .pipe(pool((item: string) => of(item), { concurrency: 1, signal: controller.signal }))
        .subscribe();
      expect(abortListeners(controller.signal)).toBeGreaterThan(0);
      subscription.unsubscribe();
    });

    it('is removed when the pool completes', () => {
      const controller = new AbortController();
      let completed = false;
      poolFrom(['a', 'b'], (item: string) => of(item), {
        concurrency: 1,
        signal: controller.signal,
      }).subscribe({ complete: () => (completed = true) });
      expect(completed).toBe(true);
      expect(abortListeners(controller.signal)).toBe(0);
    });

    it('is removed when an item failure halts the pool', () => {
      const controller = new AbortController();
      const errors: unknown[] = [];
      poolFrom(['a', 'b'], () => throwError(() => new Error('boom')), {
        concurrency: 1,
        signal: controller.signal,
      }).subscribe({ error: (error: unknown) => errors.push(error) });
      expect(errors).toHaveLength(1);
      expect(abortListeners(controller.signal)).toBe(0);
    });

    it('is removed when a source error halts the pool', () => {
      const controller = new AbortController();
      const source = new Subject<string>();
      const errors: unknown[] = [];
      source
        .pipe(pool(() => NEVER, { concurrency: 1, signal: controller.signal }))
        .subscribe({ error: (error: unknown) => errors.push(error) });
      source.next('a');
      source.error(new Error('source failed'));
      expect(errors).toHaveLength(1);
      expect(abortListeners(controller.signal)).toBe(0);
    });

    it('is removed when the abort itself halts the pool', () => {
      const controller = new AbortController();
      const source = new Subject<string>();
      source
        .pipe(pool(() => NEVER, { concurrency: 1, signal: controller.signal }))
        .subscribe({ error: () => undefined });
      source.next('a');
      controller.abort(reason);
      expect(abortListeners(controller.signal)).toBe(0);
    });

    it('is removed when downstream unsubscribes', () => {
      const controller = new AbortController();
      const source = new Subject<string>();
      const subscription = source
        .pipe(pool(() => NEVER, { concurrency: 1, signal: controller.signal }))
        .subscribe();
      source.next('a');
      subscription.unsubscribe();
      expect(abortListeners(controller.signal)).toBe(0);
    });

    it('is removed when the pool stops', () => {
      const controller = new AbortController();
      const stop = new Subject<void>();
      let completed = false;
      new Subject<string>()
        .pipe(pool((item: string) => of(item), { concurrency: 1, signal: controller.signal, stop }))
        .subscribe({ complete: () => (completed = true) });
      stop.next();
      expect(completed).toBe(true);
      expect(abortListeners(controller.signal)).toBe(0);
    });

    it('is removed by each pool sharing the signal when it ends, leaving the others listening', () => {
      const controller = new AbortController();
      const errors: unknown[] = [];
      const halted = poolFrom(['a'], () => throwError(() => new Error('boom')), {
        concurrency: 1,
        signal: controller.signal,
      });
      const running = new Subject<string>().pipe(
        pool((item: string) => of(item), { concurrency: 1, signal: controller.signal }),
        tap({ error: (error: unknown) => errors.push(error) }),
      );
      const subscription = running.subscribe({ error: () => undefined });
      const before = abortListeners(controller.signal);
      halted.subscribe({ error: () => undefined });
      expect(abortListeners(controller.signal)).toBe(before);
      controller.abort(reason);
      expect(errors).toEqual([reason]);
      expect(abortListeners(controller.signal)).toBe(0);
      subscription.unsubscribe();
    });
  });
});
