// The marble example of the README, kept as a test so that the README stays true.
import { TestScheduler } from 'rxjs/testing';
import { pool } from '../src/index';

it('halts at the first failure and releases the source first', () => {
  new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(
    ({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  a-b-c---d-|');
      const a = cold('      -x|');
      const b = cold('        ----#');
      const c = cold('          -y-z|');
      const d = cold('x|');
      const inners: Record<string, ReturnType<typeof cold>> = { a, b, c, d };
      expectObservable(source.pipe(pool((k) => inners[k], { concurrency: 2 }))).toBe('-x---y#');
      expectSubscriptions(source.subscriptions).toBe('^-----!');
      expectSubscriptions(a.subscriptions).toBe('^-!');
      expectSubscriptions(b.subscriptions).toBe('--^---!');
      expectSubscriptions(c.subscriptions).toBe('----^-!');
      expectSubscriptions(d.subscriptions).toBe([]);
    },
  );
});
