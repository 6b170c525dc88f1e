/**
 * An async iterable as a pool source: what the teardown can and cannot promise for it. Its
 * `return()` is called before downstream hears the error, but an async generator's `finally` runs
 * only once it resumes after an `await`, so after downstream heard; and a value it yields after
 * the pool released it is refused: it is in no report.
 */
import { poolFrom, type PoolReport } from '../../src/index.js';
import { deferred } from '../helpers/deferred.js';

describe('an async generator as a pool source', () => {
  it('has return() called before downstream hears the error, and runs its finally after', async () => {
    const events: string[] = [];
    const boom = new Error('boom');
    const pending = deferred<void>();
    async function* generate(): AsyncGenerator<number> {
      try {
        yield 1;
        await pending.promise;
        yield 2;
      } finally {
        events.push('finally');
      }
    }
    const iterator = generate();
    const originalReturn = iterator.return.bind(iterator);
    iterator.return = (value) => {
      events.push('return()');
      return originalReturn(value);
    };
    const ended = deferred<void>();
    poolFrom(iterator, () => Promise.reject(boom), { concurrency: 1 }).subscribe({
      error: () => {
        events.push('error');
        ended.resolve();
      },
    });
    await ended.promise;
    pending.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['return()', 'error', 'finally']);
  });

  it('refuses a value it yields after the pool released it: that value is in no report', async () => {
    const boom = new Error('boom');
    const second = deferred<void>();
    let report: PoolReport<number> | undefined;
    let yieldedAfterHalt = false;
    async function* generate(): AsyncGenerator<number> {
      yield 1;
      await second.promise;
      yieldedAfterHalt = true;
      yield 2;
    }
    const ended = deferred<void>();
    poolFrom(generate(), (n: number) => (n === 1 ? Promise.reject(boom) : Promise.resolve(n)), {
      concurrency: 2,
      onFinalize: (r) => (report = r),
    }).subscribe({ error: () => ended.resolve() });
    // The pool asked for item 2 while item 1 ran; item 1 fails and halts the pool first.
    await ended.promise;
    second.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(yieldedAfterHalt).toBe(true);
    expect(report).toMatchObject({
      reason: 'error',
      accepted: 1,
      failed: 1,
      unstarted: [],
      unfinished: [],
    });
  });
});
