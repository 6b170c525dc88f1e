/**
 * The rule: the first fatal error is the one delivered, exactly once, and nothing is accepted or
 * started once it is decided — even when a callback or downstream feeds the pool, while that
 * error is being handled, an item that fails at once.
 */
import { merge, Subject, tap } from 'rxjs';
import { pool, type HaltStrategy } from '../../src/index.js';
import {
  type Cold,
  expectLedgerBalances,
  newScheduler,
  reportCollector,
} from '../helpers/marbles.js';

describe('the first fatal error', () => {
  const errF = new Error('f failed');
  const errX = new Error('x failed');

  it("is the one delivered when, with ordered and halt: 'drain', downstream feeds the pool an item that fails at once while a held result is flushed", () => {
    const collector = reportCollector<string>();
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const feedback = new Subject<string>();
      const items = hot('fh---');
      const inners: Record<string, Cold> = {
        f: cold('---#', undefined, errF),
        h: cold('-H|'),
        x: cold('#', undefined, errX),
      };
      const result = merge(items, feedback).pipe(
        pool((item: string) => inners[item]!, {
          concurrency: 2,
          ordered: true,
          halt: 'drain',
          onFinalize: collector.onFinalize,
        }),
        tap((value) => {
          if (value === 'H') feedback.next('x');
        }),
      );
      expectObservable(result).toBe('---(H#)', undefined, errF);
      expectSubscriptions(items.subscriptions).toBe('^--!');
      expectSubscriptions(inners.f!.subscriptions).toBe('^--!');
      expectSubscriptions(inners.h!.subscriptions).toBe('-^-!');
      expectSubscriptions(inners.x!.subscriptions).toBe([]);
    });
    const report = collector.only();
    expect(report).toMatchObject({
      reason: 'error',
      error: errF,
      accepted: 2,
      succeeded: 1,
      failed: 1,
    });
    expectLedgerBalances(report);
  });

  it.each<HaltStrategy>(['abort', 'drain'])(
    "is the one delivered, with halt: '%s', when onFailure of that failure feeds the pool an item that fails at once",
    (halt) => {
      const collector = reportCollector<string>();
      const failures: string[] = [];
      newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const feedback = new Subject<string>();
        const items = hot('f---');
        const inners: Record<string, Cold> = {
          f: cold('-#', undefined, errF),
          x: cold('#', undefined, errX),
        };
        const result = merge(items, feedback).pipe(
          pool((item: string) => inners[item]!, {
            concurrency: 2,
            halt,
            onFailure: (_error, item) => {
              failures.push(item);
              if (item === 'f') feedback.next('x');
            },
            onFinalize: collector.onFinalize,
          }),
        );
        expectObservable(result).toBe('-#', undefined, errF);
        expectSubscriptions(items.subscriptions).toBe('^!');
        expectSubscriptions(inners.f!.subscriptions).toBe('^!');
        expectSubscriptions(inners.x!.subscriptions).toBe([]);
      });
      expect(failures).toEqual(['f']);
      const report = collector.only();
      expect(report).toMatchObject({ reason: 'error', error: errF, accepted: 1, failed: 1 });
      expectLedgerBalances(report);
    },
  );

  it('is delivered exactly once, with onFinalize called once, when a second item fails while the first failure is handled', () => {
    const collector = reportCollector<string>();
    const errors: unknown[] = [];
    const feedback = new Subject<string>();
    merge(feedback)
      .pipe(
        pool(
          (item: string) => {
            throw item === 'f' ? errF : errX;
          },
          {
            concurrency: 2,
            halt: 'drain',
            onFailure: () => feedback.next('x'),
            onFinalize: collector.onFinalize,
          },
        ),
      )
      .subscribe({ error: (error) => errors.push(error) });
    feedback.next('f');
    expect(errors).toEqual([errF]);
    expect(collector.only()).toMatchObject({ accepted: 1, failed: 1 });
  });
});
