import { inspect } from 'node:util';
import { of, Subject } from 'rxjs';
import { pool } from '../../src/index.js';
import type { PoolOptions, PoolProgress } from '../../src/index.js';
import { type Cold, newScheduler, reportCollector } from '../helpers/marbles.js';

type Snapshot = PoolProgress & { frame: number };

/** A plain copy of a progress view (which may expose its counts through getters). */
function snapshot(frame: number, p: Readonly<PoolProgress>): Snapshot {
  const { accepted, queued, active, succeeded, failed, retried, dropped } = p;
  return { frame, accepted, queued, active, succeeded, failed, retried, dropped };
}

/** Runs a pool under virtual time and records a copy of every view onProgress receives. */
function record(
  marbles: { source: string; inners: Record<string, string> },
  options: Omit<PoolOptions<string>, 'onProgress'>,
  expected: { output: string; subscriptions: Record<string, string | string[]> },
): { snapshots: Snapshot[]; views: unknown[]; at: (frame: number) => Snapshot | undefined } {
  const snapshots: Snapshot[] = [];
  const views: unknown[] = [];
  const scheduler = newScheduler();
  scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold(marbles.source);
    const inners: Record<string, Cold> = {};
    for (const [item, inner] of Object.entries(marbles.inners)) inners[item] = cold(inner);
    const result = source.pipe(
      pool((item: string) => inners[item], {
        ...options,
        onProgress: (progress) => {
          views.push(progress);
          snapshots.push(snapshot(scheduler.now(), progress));
        },
      }),
    );
    expectObservable(result).toBe(expected.output);
    expectSubscriptions(source.subscriptions).toBe(expected.subscriptions.source ?? []);
    for (const [item, inner] of Object.entries(inners)) {
      expectSubscriptions(inner.subscriptions).toBe(expected.subscriptions[item] ?? []);
    }
  });
  const at = (frame: number) => snapshots.filter((s) => s.frame <= frame).at(-1);
  return { snapshots, views, at };
}

/**
 * One worker: `a` runs 1-5 (x at 4), `b` 5-9 (y at 8), `c` 9-10 and fails (tolerated); the source
 * completes at 13.
 */
function oneWorker() {
  return record(
    { source: '-abc---------|', inners: { a: '---x|', b: '---y|', c: '-#' } },
    { concurrency: 1, tolerate: 1 },
    {
      output: '----x---y----|',
      subscriptions: {
        source: '^------------!',
        a: '-^---!',
        b: '-----^---!',
        c: '---------^!',
      },
    },
  );
}

describe('onProgress', () => {
  it('hands over the same object on every call', () => {
    const { views } = oneWorker();
    expect(views.length).toBeGreaterThan(1);
    for (const view of views) expect(view).toBe(views[0]);
  });

  it('counts accepted, queued and active items while items wait for the worker', () => {
    const { at } = oneWorker();
    expect(at(3)).toMatchObject({ accepted: 3, queued: 2, active: 1, succeeded: 0, failed: 0 });
  });

  it('counts succeeded items as they finish', () => {
    const { at } = oneWorker();
    expect(at(6)).toMatchObject({ accepted: 3, queued: 1, active: 1, succeeded: 1 });
  });

  it('counts a tolerated failure as failed', () => {
    const { at } = oneWorker();
    expect(at(10)).toMatchObject({ queued: 0, active: 0, succeeded: 2, failed: 1 });
  });

  it('reports every step of every count it tracks', () => {
    const { snapshots } = oneWorker();
    const distinct = (key: keyof PoolProgress) => [...new Set(snapshots.map((s) => s[key]))];
    expect(distinct('accepted')).toEqual([1, 2, 3]);
    expect(distinct('succeeded')).toEqual([0, 1, 2]);
    expect(distinct('failed')).toEqual([0, 1]);
  });

  it('hands over views in which every accepted item is queued, active or done', () => {
    const { snapshots } = oneWorker();
    for (const s of snapshots) {
      expect(s.accepted).toBe(s.queued + s.active + s.succeeded + s.failed + s.dropped);
    }
  });

  it('counts retry attempts and keeps an item waiting for its retry active', () => {
    const err = new Error('attempt failed');
    const snapshots: Snapshot[] = [];
    const scheduler = newScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|');
      const attempts = [cold('-#', undefined, err), cold('-x|')];
      const result = source.pipe(
        pool((_item: string, { attempt }) => attempts[attempt - 1] as Cold, {
          concurrency: 1,
          retry: { count: 1, delay: 3 },
          onProgress: (progress) => snapshots.push(snapshot(scheduler.now(), progress)),
        }),
      );
      expectObservable(result).toBe('------x|');
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(attempts[0]?.subscriptions ?? []).toBe('-^!');
      expectSubscriptions(attempts[1]?.subscriptions ?? []).toBe('-----^-!');
    });
    const at = (frame: number) => snapshots.filter((s) => s.frame <= frame).at(-1);
    expect(at(3)).toMatchObject({ accepted: 1, active: 1, failed: 0, succeeded: 0 });
    expect(at(6)).toMatchObject({ accepted: 1, active: 1, retried: 1 });
    expect(at(7)).toMatchObject({ active: 0, succeeded: 1, retried: 1 });
  });

  it('counts dropped items', () => {
    const { at, snapshots } = record(
      { source: '-ab|', inners: { a: '---x|', b: '-y|' } },
      { concurrency: 1, bufferSize: 0, overflow: 'drop-newest' },
      { output: '----x|', subscriptions: { source: '^--!', a: '-^---!' } },
    );
    expect(at(2)).toMatchObject({ accepted: 2, dropped: 1, active: 1, queued: 0 });
    for (const s of snapshots) {
      expect(s.accepted).toBe(s.queued + s.active + s.succeeded + s.failed + s.dropped);
    }
  });

  it('shows nothing queued or active once the pool has completed', () => {
    const { snapshots } = oneWorker();
    expect(snapshots.at(-1)).toMatchObject({
      accepted: 3,
      queued: 0,
      active: 0,
      succeeded: 2,
      failed: 1,
      retried: 0,
      dropped: 0,
    });
  });

  it('halts the pool with the error it throws', () => {
    const thrown = new Error('onProgress threw');
    const collector = reportCollector<string>();
    const errors: unknown[] = [];
    const source = new Subject<string>();
    source
      .pipe(
        pool((item: string) => [item], {
          concurrency: 1,
          onProgress: () => {
            throw thrown;
          },
          onFinalize: collector.onFinalize,
        }),
      )
      .subscribe({ error: (error: unknown) => errors.push(error) });
    source.next('a');
    expect(errors).toEqual([thrown]);
    expect(errors[0]).toBe(thrown);
    expect(collector.only().reason).toBe('error');
    expect(collector.only().error).toBe(thrown);
  });
});

describe('onProgress: the object it receives', () => {
  const counters = ['accepted', 'queued', 'active', 'succeeded', 'failed', 'retried', 'dropped'];

  function lastProgress(): { view: Readonly<PoolProgress>; copies: PoolProgress[] } {
    let view: Readonly<PoolProgress> | undefined;
    const copies: PoolProgress[] = [];
    of(1, 2, 3)
      .pipe(
        pool((x: number) => of(x), {
          concurrency: 2,
          onProgress: (progress) => {
            view = progress;
            copies.push({ ...progress });
          },
        }),
      )
      .subscribe();
    return { view: view!, copies };
  }

  it('shows exactly the seven counters to a spread, Object.keys, JSON.stringify and console.log', () => {
    const { view, copies } = lastProgress();
    const last = copies[copies.length - 1]!;
    expect(Object.keys(last)).toEqual(counters);
    expect(last).toEqual({
      accepted: 3,
      queued: 0,
      active: 0,
      succeeded: 3,
      failed: 0,
      retried: 0,
      dropped: 0,
    });
    expect(Object.keys(view)).toEqual(counters);
    expect(JSON.parse(JSON.stringify(view))).toEqual(last);
    expect(inspect(view)).toBe(inspect(last));
  });

  it('is a copy: writing to it changes nothing in the pool', () => {
    const seen: number[] = [];
    of(1, 2)
      .pipe(
        pool((x: number) => of(x), {
          concurrency: 1,
          onProgress: (progress) => {
            seen.push(progress.succeeded);
            (progress as { succeeded: number }).succeeded = 100;
          },
        }),
      )
      .subscribe();
    expect(Math.max(...seen)).toBe(2);
  });
});
