import {
  fromEvent,
  interval,
  map,
  Observable,
  Subject,
  takeUntil,
  tap,
  TimeoutError,
  timer,
} from 'rxjs';
import { pool, poolFrom } from '../../src/index.js';
import type { WorkContext } from '../../src/index.js';
import { type Cold, newScheduler, reportCollector } from '../helpers/marbles.js';

describe('timeout', () => {
  it("fails an attempt that outlasts it with RxJS's TimeoutError, unsubscribing it then", () => {
    const received: unknown[] = [];
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|');
      const inner = cold('-----x|');
      const result = source.pipe(
        pool(() => inner, { concurrency: 1, timeout: 3 }),
        tap({ error: (error: unknown) => received.push(error) }),
      );
      expectObservable(result).toBe('----#', undefined, expect.any(TimeoutError));
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(inner.subscriptions).toBe('-^--!');
    });
    expect(received).toHaveLength(1);
    expect(received[0]).toBeInstanceOf(TimeoutError);
  });

  it('aborts the attempt signal with the same TimeoutError the attempt fails with', () => {
    const received: unknown[] = [];
    let signal: AbortSignal | undefined;
    newScheduler().run(({ cold }) => {
      cold('-a|')
        .pipe(
          pool(
            (_item: string, context: WorkContext) => {
              signal = context.signal;
              return cold('-----x|');
            },
            { concurrency: 1, timeout: 3 },
          ),
        )
        .subscribe({ error: (error: unknown) => received.push(error) });
    });
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(TimeoutError);
    expect(received[0]).toBe(signal?.reason);
  });

  it('aborts the signal before it unsubscribes the inner', () => {
    const log: string[] = [];
    newScheduler().run(({ cold }) => {
      cold('-a|')
        .pipe(
          pool(
            (_item: string, { signal }: WorkContext) =>
              new Observable<string>(() => () => {
                log.push(`inner unsubscribed, signal aborted: ${String(signal.aborted)}`);
              }),
            { concurrency: 1, timeout: 3 },
          ),
        )
        .subscribe({ error: () => log.push('downstream error') });
    });
    expect(log).toEqual(['inner unsubscribed, signal aborted: true', 'downstream error']);
  });

  it('fails a timed-out attempt even when its work completes from the abort listener', () => {
    const collector = reportCollector<string>();
    newScheduler().run(({ expectObservable }) => {
      // The common cancellation idiom: the inner completes as soon as its signal aborts.
      const work = (item: string, context: WorkContext) =>
        interval(2).pipe(
          map((i) => `${item}${i}`),
          takeUntil(fromEvent(context.signal, 'abort')),
        );
      const result = poolFrom(['a'], work, {
        concurrency: 1,
        timeout: 5,
        onFinalize: collector.onFinalize,
      });
      expectObservable(result).toBe('--x-y#', { x: 'a0', y: 'a1' }, new TimeoutError());
    });
    expect(collector.only()).toMatchObject({ reason: 'error', succeeded: 0, failed: 1 });
  });

  it("leaves alone the retry that a timed-out attempt's abort listener starts", () => {
    const log: string[] = [];
    newScheduler().run(({ expectObservable }) => {
      const work = (_item: string, context: WorkContext) =>
        context.attempt === 1
          ? new Observable<string>((subscriber) => {
              // Fails at once, from inside the abort, with the signal's reason.
              const onAbort = () => subscriber.error(context.signal.reason);
              context.signal.addEventListener('abort', onAbort);
              return () => context.signal.removeEventListener('abort', onAbort);
            })
          : new Observable<string>((subscriber) => {
              log.push(`attempt ${context.attempt} subscribed`);
              const inner = timer(2)
                .pipe(map(() => 'ok'))
                .subscribe(subscriber);
              return () => {
                log.push(`attempt ${context.attempt} released`);
                inner.unsubscribe();
              };
            });
      // Attempt 1 times out at 5; attempt 2 starts then and emits at 7.
      const result = poolFrom(['a'], work, { concurrency: 1, timeout: 5, retry: 1 });
      expectObservable(result).toBe('-------(o|)', { o: 'ok' });
    });
    expect(log).toEqual(['attempt 2 subscribed', 'attempt 2 released']);
  });

  it('times the whole attempt, not only the wait for its first value', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|');
      const inner = cold('-x---y|');
      const result = source.pipe(pool(() => inner, { concurrency: 1, timeout: 3 }));
      expectObservable(result).toBe('--x-#', undefined, expect.any(TimeoutError));
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(inner.subscriptions).toBe('-^--!');
    });
  });

  it('leaves an attempt that ends in time alone', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a---------|');
      const inner = cold('-x|');
      const result = source.pipe(pool(() => inner, { concurrency: 1, timeout: 3 }));
      expectObservable(result).toBe('--x--------|');
      expectSubscriptions(source.subscriptions).toBe('^----------!');
      expectSubscriptions(inner.subscriptions).toBe('-^-!');
    });
  });

  it('starts the clock when the attempt starts, not when the item is queued', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab|');
      const inners: Record<string, Cold> = { a: cold('--x|'), b: cold('--y|') };
      const result = source.pipe(
        pool((item: string) => inners[item], { concurrency: 1, timeout: 4 }),
      );
      expectObservable(result).toBe('---x--y|');
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^--!');
      expectSubscriptions(inners.b.subscriptions).toBe('----^--!');
    });
  });

  it('gives each retry attempt its own timeout, so a retry can recover a timed-out attempt', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|');
      const attempts = [cold('-----x|'), cold('-y|')];
      const result = source.pipe(
        pool((_item: string, { attempt }: WorkContext) => attempts[attempt - 1] as Cold, {
          concurrency: 1,
          timeout: 3,
          retry: 1,
        }),
      );
      expectObservable(result).toBe('-----y|');
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(attempts[0]?.subscriptions ?? []).toBe('-^--!');
      expectSubscriptions(attempts[1]?.subscriptions ?? []).toBe('----^-!');
    });
  });

  it('counts a timed-out item as a failure that tolerate absorbs and onFailure sees', () => {
    const onFailure = jest.fn();
    const collector = reportCollector<string>();
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-ab|');
      const inners: Record<string, Cold> = { a: cold('-----x|'), b: cold('-y|') };
      const result = source.pipe(
        pool((item: string) => inners[item], {
          concurrency: 2,
          timeout: 3,
          tolerate: 1,
          onFailure,
          onFinalize: collector.onFinalize,
        }),
      );
      expectObservable(result).toBe('---y|');
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(inners.a.subscriptions).toBe('-^--!');
      expectSubscriptions(inners.b.subscriptions).toBe('--^-!');
    });
    expect(onFailure).toHaveBeenCalledTimes(1);
    expect(onFailure.mock.calls[0]?.[0]).toBeInstanceOf(TimeoutError);
    expect(onFailure.mock.calls[0]?.[1]).toBe('a');
    expect(collector.only()).toMatchObject({ reason: 'complete', succeeded: 1, failed: 1 });
  });

  describe('under real scheduling', () => {
    beforeEach(() => {
      jest.useFakeTimers();
    });
    afterEach(() => {
      jest.useRealTimers();
    });

    const work = (item: string) => timer(10).pipe(map(() => item));

    it('leaves no timer behind after the pool completes', () => {
      const values: string[] = [];
      let completed = false;
      poolFrom(['a', 'b', 'c'], work, { concurrency: 2, timeout: 60_000 }).subscribe({
        next: (value) => values.push(value),
        complete: () => (completed = true),
      });
      jest.advanceTimersByTime(20);
      expect(completed).toBe(true);
      expect(values).toEqual(['a', 'b', 'c']);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('leaves no timer behind after an attempt times out and halts the pool', () => {
      const errors: unknown[] = [];
      poolFrom(['a', 'b'], () => new Observable<string>(), {
        concurrency: 2,
        timeout: 1_000,
      }).subscribe({ error: (error: unknown) => errors.push(error) });
      jest.advanceTimersByTime(1_000);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(TimeoutError);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('fails a timed-out promise once, even when it rejects on abort afterwards', async () => {
      const onFailure = jest.fn();
      let completed = false;
      poolFrom(
        ['a'],
        (_item: string, { signal }: WorkContext) =>
          new Promise<string>((_resolve, reject) => {
            signal.addEventListener('abort', () => reject(new Error('rejected on abort')));
          }),
        { concurrency: 1, timeout: 1_000, tolerate: Infinity, onFailure },
      ).subscribe({ complete: () => (completed = true) });
      jest.advanceTimersByTime(1_000);
      for (let i = 0; i < 5; i++) await Promise.resolve();
      expect(onFailure).toHaveBeenCalledTimes(1);
      expect(onFailure.mock.calls[0]?.[0]).toBeInstanceOf(TimeoutError);
      expect(completed).toBe(true);
      // An error RxJS could not deliver would be rethrown from a timer.
      expect(jest.getTimerCount()).toBe(0);
    });

    it('leaves no timer behind when downstream unsubscribes', () => {
      const source = new Subject<string>();
      const subscription = source.pipe(pool(work, { concurrency: 2, timeout: 60_000 })).subscribe();
      source.next('a');
      source.next('b');
      expect(jest.getTimerCount()).toBeGreaterThan(0);
      subscription.unsubscribe();
      expect(jest.getTimerCount()).toBe(0);
    });
  });
});
