import type { PoolOutcome } from '../../src/index.js';
import { pool } from '../../src/index.js';
import {
  type Cold,
  expectLedgerBalances,
  newScheduler,
  reportCollector,
} from '../helpers/marbles.js';

describe('onSettle', () => {
  const errB = new Error('b failed');

  it('tells each item its outcome exactly once: succeeded and failed as they happen, then unstarted and unfinished at the halt, in the report order', () => {
    const settled: Array<[string, PoolOutcome, unknown]> = [];
    const collector = reportCollector<string>();
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('abcde|');
      const inners: Record<string, Cold> = {
        a: cold('-A|'),
        b: cold('---#', undefined, errB),
        c: cold('------C|'),
        d: cold('-D|'),
        e: cold('-E|'),
      };
      const result = source.pipe(
        pool((item: string) => inners[item]!, {
          concurrency: 3,
          onSettle: (item, outcome, error) => settled.push([item, outcome, error]),
          onFinalize: collector.onFinalize,
        }),
      );
      expectObservable(result).toBe('-A--#', { A: 'A' }, errB);
      expectSubscriptions(source.subscriptions).toBe('^---!');
      expectSubscriptions(inners.a!.subscriptions).toBe('^-!');
      expectSubscriptions(inners.b!.subscriptions).toBe('-^--!');
      expectSubscriptions(inners.c!.subscriptions).toBe('--^-!');
      expectSubscriptions(inners.d!.subscriptions).toBe('---^!');
      expectSubscriptions(inners.e!.subscriptions).toBe([]);
    });
    const report = collector.only();
    expect(settled.map(([item, outcome]) => [item, outcome])).toEqual([
      ['a', 'succeeded'],
      ['b', 'failed'],
      ['e', 'unstarted'],
      ['c', 'unfinished'],
      ['d', 'unfinished'],
    ]);
    expect(settled[1]![2]).toBe(errB);
    expect(report).toMatchObject({
      succeeded: 1,
      failed: 1,
      unstarted: ['e'],
      unfinished: ['c', 'd'],
    });
    expectLedgerBalances(report);
  });

  it('halts the pool with the error it throws', () => {
    // The first succeeded item throws; the second is then unfinished (and does not throw).
    const thrown = new Error('onSettle threw');
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('ab|');
      const inner = cold('-x|');
      const result = source.pipe(
        pool(() => inner, {
          concurrency: 2,
          onSettle: (_item, outcome) => {
            if (outcome === 'succeeded') throw thrown;
          },
        }),
      );
      expectObservable(result).toBe('-x#', undefined, thrown);
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(inner.subscriptions).toBe(['^-!', '-^!']);
    });
  });
});
