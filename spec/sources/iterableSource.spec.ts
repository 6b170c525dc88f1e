/**
 * A sync iterable as a pool source. The rule: `return()` is never called while the iterator is
 * running; a generator whose own body ends or stops the pool is released once its `next()` has
 * returned, so its `finally` runs, and the value it yields then is `unstarted`.
 */
import { of, Subject, takeUntil } from 'rxjs';
import { poolFrom, type PoolReport } from '../../src/index.js';
import { expectLedgerBalances } from '../helpers/marbles.js';

interface Run {
  report: PoolReport<number> | undefined;
  events: string[];
}

/** A generator that yields 1, then lets `endFromBody` end the pool, then yields 2 and 3. */
function runWithBodyThatEnds(
  endFromBody: (controls: { abort: () => void; stop: () => void; unsubscribe: () => void }) => void,
): Run {
  const run: Run = { report: undefined, events: [] };
  const controller = new AbortController();
  const stop = new Subject<void>();
  const downstreamGone = new Subject<void>();
  function* generate(): Generator<number> {
    try {
      yield 1;
      endFromBody({
        abort: () => controller.abort(new Error('aborted from the body')),
        stop: () => stop.next(),
        unsubscribe: () => downstreamGone.next(),
      });
      yield 2;
      yield 3;
    } finally {
      run.events.push('finally');
    }
  }
  poolFrom(generate(), (n: number) => of(n), {
    concurrency: 1,
    signal: controller.signal,
    stop,
    onFinalize: (report) => {
      run.events.push('onFinalize');
      run.report = report;
    },
  })
    .pipe(takeUntil(downstreamGone))
    .subscribe({
      next: (n) => run.events.push(`next ${n}`),
      error: () => run.events.push('error'),
      complete: () => run.events.push('complete'),
    });
  return run;
}

describe('a sync generator whose own body ends the pool', () => {
  it.each([
    ['aborts the outside signal', 'error', ({ abort }: { abort: () => void }) => abort()],
    ['fires stop', 'stopped', ({ stop }: { stop: () => void }) => stop()],
    [
      'unsubscribes downstream',
      'unsubscribed',
      ({ unsubscribe }: { unsubscribe: () => void }) => unsubscribe(),
    ],
  ] as const)(
    'that %s runs its finally, and the value it yields next is unstarted',
    (_what, reason, end) => {
      const run = runWithBodyThatEnds(end as never);
      expect(run.events[0]).toBe('next 1');
      expect(run.events).toContain('finally');
      expect(run.events.indexOf('finally')).toBeLessThan(run.events.indexOf('onFinalize'));
      expect(run.report).toMatchObject({ reason, accepted: 2, succeeded: 1, unstarted: [2] });
      expectLedgerBalances(run.report);
    },
  );
});
