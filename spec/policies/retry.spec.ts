import { NEVER, of, Subject, throwError } from 'rxjs';
import { pool } from '../../src/index.js';
import type { WorkContext } from '../../src/index.js';
import {
  type Cold,
  expectLedgerBalances,
  newScheduler,
  reportCollector,
} from '../helpers/marbles.js';

describe('retry', () => {
  const err1 = new Error('attempt 1 failed');
  const err2 = new Error('attempt 2 failed');
  const notifierError = new Error('notifier failed');
  const sourceError = new Error('source failed');

  /** Work whose attempt n for an item is `attempts[item][n - 1]`. */
  function byAttempt(attempts: Record<string, Cold[]>, calls: [string, number, number][] = []) {
    return (item: string, { index, attempt }: WorkContext): Cold => {
      calls.push([item, index, attempt]);
      const inner = attempts[item]?.[attempt - 1];
      if (inner === undefined) throw new Error(`unexpected attempt ${attempt} of ${item}`);
      return inner;
    };
  }

  it('calls work again for a failed item, with attempt counting up and the same index', () => {
    const calls: [string, number, number][] = [];
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab|');
      const attempts = {
        a: [cold('-#', undefined, err1), cold('-#', undefined, err2), cold('-x|')],
        b: [cold('--#', undefined, err1), cold('-y|')],
      };
      const result = source.pipe(pool(byAttempt(attempts, calls), { concurrency: 2, retry: 2 }));
      expectObservable(result).toBe('----xy|');
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(attempts.a[0].subscriptions).toBe('-^!');
      expectSubscriptions(attempts.a[1].subscriptions).toBe('--^!');
      expectSubscriptions(attempts.a[2].subscriptions).toBe('---^-!');
      expectSubscriptions(attempts.b[0].subscriptions).toBe('--^-!');
      expectSubscriptions(attempts.b[1].subscriptions).toBe('----^-!');
    });
    expect(calls.filter(([item]) => item === 'a')).toEqual([
      ['a', 0, 1],
      ['a', 0, 2],
      ['a', 0, 3],
    ]);
    expect(calls.filter(([item]) => item === 'b')).toEqual([
      ['b', 1, 1],
      ['b', 1, 2],
    ]);
  });

  it("delivers the last attempt's error when the retries run out", () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|');
      const attempts = { a: [cold('-#', undefined, err1), cold('-#', undefined, err2)] };
      const result = source.pipe(pool(byAttempt(attempts), { concurrency: 1, retry: 1 }));
      expectObservable(result).toBe('---#', undefined, err2);
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(attempts.a[0].subscriptions).toBe('-^!');
      expectSubscriptions(attempts.a[1].subscriptions).toBe('--^!');
    });
  });

  it('does not retry when retry is 0', () => {
    const calls: [string, number, number][] = [];
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|');
      const attempts = { a: [cold('-#', undefined, err1)] };
      const result = source.pipe(pool(byAttempt(attempts, calls), { concurrency: 1, retry: 0 }));
      expectObservable(result).toBe('--#', undefined, err1);
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(attempts.a[0].subscriptions).toBe('-^!');
    });
    expect(calls).toEqual([['a', 0, 1]]);
  });

  it('waits a numeric delay in virtual time before each retry', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|');
      const attempts = {
        a: [cold('-#', undefined, err1), cold('-#', undefined, err2), cold('-x|')],
      };
      const result = source.pipe(
        pool(byAttempt(attempts), { concurrency: 1, retry: { count: 2, delay: 3 } }),
      );
      expectObservable(result).toBe('----------x|');
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(attempts.a[0].subscriptions).toBe('-^!');
      expectSubscriptions(attempts.a[1].subscriptions).toBe('-----^!');
      expectSubscriptions(attempts.a[2].subscriptions).toBe('---------^-!');
    });
  });

  it('keeps the worker slot while the item waits for its retry', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab|');
      const attempts = {
        a: [cold('-#', undefined, err1), cold('-x|')],
        b: [cold('-y|')],
      };
      const result = source.pipe(
        pool(byAttempt(attempts), { concurrency: 1, retry: { count: 1, delay: 3 } }),
      );
      expectObservable(result).toBe('------x-y|');
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(attempts.a[0].subscriptions).toBe('-^!');
      expectSubscriptions(attempts.a[1].subscriptions).toBe('-----^-!');
      expectSubscriptions(attempts.b[0].subscriptions).toBe('-------^-!');
    });
  });

  it('starts the retry when the delay notifier emits, releasing the notifier', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|');
      const attempts = {
        a: [cold('-#', undefined, err1), cold('-#', undefined, err2), cold('-x|')],
      };
      const notifiers = [cold('--n'), cold('-n')];
      const result = source.pipe(
        pool(byAttempt(attempts), {
          concurrency: 1,
          retry: { count: 2, delay: (_error, retryCount) => notifiers[retryCount - 1] as Cold },
        }),
      );
      expectObservable(result).toBe('-------x|');
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(attempts.a[0].subscriptions).toBe('-^!');
      expectSubscriptions(notifiers[0]?.subscriptions ?? []).toBe('--^-!');
      expectSubscriptions(attempts.a[1].subscriptions).toBe('----^!');
      expectSubscriptions(notifiers[1]?.subscriptions ?? []).toBe('-----^!');
      expectSubscriptions(attempts.a[2].subscriptions).toBe('------^-!');
    });
  });

  it('calls the delay function with the error and the retry count', () => {
    const delayCalls: unknown[][] = [];
    newScheduler().run(({ cold }) => {
      const attempts = {
        a: [cold('-#', undefined, err1), cold('-#', undefined, err2), cold('-x|')],
      };
      cold('-a|')
        .pipe(
          pool(byAttempt(attempts), {
            concurrency: 1,
            retry: {
              count: 2,
              delay: (error, retryCount) => {
                delayCalls.push([error, retryCount]);
                return cold('-n');
              },
            },
          }),
        )
        .subscribe();
    });
    expect(delayCalls).toEqual([
      [err1, 1],
      [err2, 2],
    ]);
    expect(delayCalls[0]?.[0]).toBe(err1);
    expect(delayCalls[1]?.[0]).toBe(err2);
  });

  it('completes the item without error when the delay notifier completes without emitting', () => {
    const calls: [string, number, number][] = [];
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|');
      const attempts = { a: [cold('-#', undefined, err1)] };
      const notifier = cold('--|');
      const result = source.pipe(
        pool(byAttempt(attempts, calls), {
          concurrency: 1,
          retry: { count: 3, delay: () => notifier },
        }),
      );
      expectObservable(result).toBe('----|');
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(attempts.a[0].subscriptions).toBe('-^!');
      expectSubscriptions(notifier.subscriptions).toBe('--^-!');
    });
    expect(calls).toEqual([['a', 0, 1]]);
  });

  it('counts an item whose retries a silent notifier ended as succeeded, not failed', () => {
    const onFailure = jest.fn();
    const collector = reportCollector<string>();
    newScheduler().run(({ cold }) => {
      const attempts = { a: [cold('-#', undefined, err1)] };
      cold('-a|')
        .pipe(
          pool(byAttempt(attempts), {
            concurrency: 1,
            retry: { count: 3, delay: () => cold('--|') },
            onFailure,
            onFinalize: collector.onFinalize,
          }),
        )
        .subscribe();
    });
    expect(onFailure).not.toHaveBeenCalled();
    expect(collector.only()).toMatchObject({
      reason: 'complete',
      accepted: 1,
      succeeded: 1,
      failed: 0,
      retried: 0,
    });
  });

  it('fails the item with the error of a delay notifier that errors', () => {
    const onFailure = jest.fn();
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|');
      const attempts = { a: [cold('-#', undefined, err1), cold('-x|')] };
      const notifier = cold('--#', undefined, notifierError);
      const result = source.pipe(
        pool(byAttempt(attempts), {
          concurrency: 1,
          retry: { count: 1, delay: () => notifier },
          onFailure,
        }),
      );
      expectObservable(result).toBe('----#', undefined, notifierError);
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(attempts.a[0].subscriptions).toBe('-^!');
      expectSubscriptions(notifier.subscriptions).toBe('--^-!');
      expectSubscriptions(attempts.a[1].subscriptions).toBe([]);
    });
    expect(onFailure.mock.calls).toEqual([[notifierError, 'a']]);
  });

  it('does not count failures that a retry recovers toward tolerate', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|');
      const attempts = {
        a: [cold('-#', undefined, err1), cold('-#', undefined, err2), cold('-x|')],
      };
      const result = source.pipe(
        pool(byAttempt(attempts), { concurrency: 1, retry: 2, tolerate: 0 }),
      );
      expectObservable(result).toBe('----x|');
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(attempts.a[2].subscriptions).toBe('---^-!');
    });
  });

  it('counts only the final failure toward tolerate', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a--b---|');
      const attempts = {
        a: [cold('-#', undefined, err1), cold('-#', undefined, err2)],
        b: [cold('-#', undefined, err1), cold('-#', undefined, err2)],
      };
      const result = source.pipe(
        pool(byAttempt(attempts), { concurrency: 1, retry: 1, tolerate: 1 }),
      );
      expectObservable(result).toBe('------#', undefined, err2);
      expectSubscriptions(source.subscriptions).toBe('^-----!');
      expectSubscriptions(attempts.a[1].subscriptions).toBe('--^!');
      expectSubscriptions(attempts.b[1].subscriptions).toBe('-----^!');
    });
  });

  it('reaches onFailure once per item, with the final error', () => {
    const onFailure = jest.fn();
    newScheduler().run(({ cold }) => {
      const attempts = { a: [cold('-#', undefined, err1), cold('-#', undefined, err2)] };
      cold('-a|')
        .pipe(pool(byAttempt(attempts), { concurrency: 1, retry: 1, tolerate: 1, onFailure }))
        .subscribe();
    });
    expect(onFailure.mock.calls).toEqual([[err2, 'a']]);
    expect(onFailure.mock.calls[0]?.[0]).toBe(err2);
  });

  it('counts every retry attempt made in report.retried', () => {
    const collector = reportCollector<string>();
    newScheduler().run(({ cold }) => {
      const attempts = {
        a: [cold('-#', undefined, err1), cold('-#', undefined, err2), cold('-x|')],
        b: [cold('-#', undefined, err1), cold('-y|')],
        c: [cold('-z|')],
      };
      cold('-abc|')
        .pipe(
          pool(byAttempt(attempts), {
            concurrency: 3,
            retry: 2,
            onFinalize: collector.onFinalize,
          }),
        )
        .subscribe();
    });
    expect(collector.only()).toMatchObject({ reason: 'complete', succeeded: 3, retried: 3 });
  });

  it('abandons a retry wait when the pool halts and reports the waiting item unfinished', () => {
    const collector = reportCollector<string>();
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a--#', undefined, sourceError);
      const attempts = { a: [cold('-#', undefined, err1), cold('-x|')] };
      const notifier = cold('-----n');
      const result = source.pipe(
        pool(byAttempt(attempts), {
          concurrency: 1,
          retry: { count: 1, delay: () => notifier },
          onFinalize: collector.onFinalize,
        }),
      );
      expectObservable(result).toBe('----#', undefined, sourceError);
      expectSubscriptions(source.subscriptions).toBe('^---!');
      expectSubscriptions(notifier.subscriptions).toBe('--^-!');
      expectSubscriptions(attempts.a[1].subscriptions).toBe([]);
    });
    const report = collector.only();
    expect(report).toMatchObject({
      reason: 'error',
      accepted: 1,
      succeeded: 0,
      failed: 0,
      retried: 0,
      unstarted: [],
      unfinished: ['a'],
    });
    expectLedgerBalances(report);
  });

  it("gives each attempt its own signal and never aborts a failed attempt's signal", () => {
    const signals: AbortSignal[] = [];
    newScheduler().run(({ cold }) => {
      const attempts = { a: [cold('-#', undefined, err1), cold('-x|')] };
      const work = byAttempt(attempts);
      cold('-a|')
        .pipe(
          pool(
            (item: string, context: WorkContext) => {
              signals.push(context.signal);
              return work(item, context);
            },
            { concurrency: 1, retry: 1 },
          ),
        )
        .subscribe();
    });
    expect(signals).toHaveLength(2);
    expect(signals[0]).not.toBe(signals[1]);
    expect(signals.map((s) => s.aborted)).toEqual([false, false]);
  });

  describe('synchronous failures at scale', () => {
    const failNow = (): never => {
      throw err1;
    };
    it.each([
      ['throws', () => failNow()],
      ['returns throwError', () => throwError(() => err1)],
    ])(
      'retries work that %s 10,000 times in a loop, not by recursion, then delivers its error',
      (_, work) => {
        let calls = 0;
        const errors: unknown[] = [];
        const collector = reportCollector<string>();
        of('a')
          .pipe(
            pool(
              () => {
                calls++;
                return work();
              },
              { concurrency: 1, retry: 10_000, onFinalize: collector.onFinalize },
            ),
          )
          .subscribe({ error: (error: unknown) => errors.push(error) });
        expect(calls).toBe(10_001);
        expect(errors).toEqual([err1]);
        expect(collector.only()).toMatchObject({ reason: 'error', failed: 1, retried: 10_000 });
      },
    );

    it('counts a retry in report.retried only once its attempt has started', () => {
      let calls = 0;
      const collector = reportCollector<string>();
      of('a')
        .pipe(
          pool(
            (_item: string, context: WorkContext) => {
              calls++;
              if (context.attempt === 1) throw err1;
              return NEVER;
            },
            {
              concurrency: 1,
              retry: 1,
              // Halts the pool the first time it sees a retry counted.
              onProgress: (progress) => {
                if (progress.retried === 1) throw err2;
              },
              onFinalize: collector.onFinalize,
            },
          ),
        )
        .subscribe({ error: () => undefined });
      expect(calls).toBe(1 + collector.only().retried);
      expect(collector.only()).toMatchObject({ reason: 'error', error: err2, retried: 1 });
    });

    it('retries through a notifier that emits synchronously, 10,000 times, in a loop', () => {
      let calls = 0;
      const errors: unknown[] = [];
      of('a')
        .pipe(
          pool(
            () => {
              calls++;
              return throwError(() => err1);
            },
            { concurrency: 1, retry: { count: 10_000, delay: () => of(0) } },
          ),
        )
        .subscribe({ error: (error: unknown) => errors.push(error) });
      expect(calls).toBe(10_001);
      expect(errors).toEqual([err1]);
    });
  });

  describe('under real scheduling', () => {
    beforeEach(() => {
      jest.useFakeTimers();
    });
    afterEach(() => {
      jest.useRealTimers();
    });

    it('leaves no delay timer behind when the pool halts during the wait', () => {
      const source = new Subject<string>();
      const errors: unknown[] = [];
      source
        .pipe(
          pool(() => throwError(() => err1), {
            concurrency: 1,
            retry: { count: 1, delay: 60_000 },
          }),
        )
        .subscribe({ error: (error: unknown) => errors.push(error) });
      source.next('a');
      expect(jest.getTimerCount()).toBe(1);
      source.error(sourceError);
      expect(errors).toEqual([sourceError]);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('leaves no delay timer behind when downstream unsubscribes during the wait', () => {
      const source = new Subject<string>();
      const subscription = source
        .pipe(
          pool(() => throwError(() => err1), {
            concurrency: 1,
            retry: { count: 1, delay: 60_000 },
          }),
        )
        .subscribe();
      source.next('a');
      expect(jest.getTimerCount()).toBe(1);
      subscription.unsubscribe();
      expect(jest.getTimerCount()).toBe(0);
    });

    it('leaves no timer behind after the retries ran and the pool failed', () => {
      const errors: unknown[] = [];
      const source = new Subject<string>();
      source
        .pipe(
          pool(() => throwError(() => err1), {
            concurrency: 1,
            retry: { count: 2, delay: 1_000 },
          }),
        )
        .subscribe({ error: (error: unknown) => errors.push(error) });
      source.next('a');
      jest.advanceTimersByTime(1_000);
      expect(errors).toEqual([]);
      jest.advanceTimersByTime(1_000);
      expect(errors).toEqual([err1]);
      expect(jest.getTimerCount()).toBe(0);
    });
  });
});

describe('retry: a delay function that ends the pool', () => {
  it('never subscribes the notifier it returns, so no timer of it outlives the pool', () => {
    const collector = reportCollector<string>();
    const halted = new Error('halted from the delay function');
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const controller = new AbortController();
      const source = cold('a|');
      const notifier = cold('---x');
      const result = source.pipe(
        pool(() => throwError(() => new Error('attempt failed')), {
          concurrency: 1,
          signal: controller.signal,
          retry: {
            count: 1,
            delay: () => {
              controller.abort(halted);
              return notifier;
            },
          },
          onFinalize: collector.onFinalize,
        }),
      );
      expectObservable(result).toBe('#', undefined, halted);
      expectSubscriptions(notifier.subscriptions).toBe([]);
    });
    expect(collector.only()).toMatchObject({ reason: 'error', error: halted, unfinished: ['a'] });
  });
});
