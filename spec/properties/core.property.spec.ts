/**
 * Properties of the core semantics over random scenarios:
 *
 * (a) mergeMap compatibility: with the default bufferSize and no failure, `pool(work, { concurrency:
 *     n })` gives the same notifications at the same frames, and the same subscription logs of the
 *     source and of every inner, as `mergeMap(work, n)`.
 * (b) invariants over random concurrency, bufferSize, overflow, sync/async/marble work, random
 *     failing items, push and pull sources, and an optional downstream take(n): exactly one
 *     terminal notification (or none, with reason 'unsubscribed'); never more than `concurrency`
 *     active; the pulled-ahead bound; the ledger; the producer finalized exactly once; no work
 *     started after the halt; signals abort only the unfinished.
 */
import fc from 'fast-check';
import { Observable, identity, mergeMap, take, tap } from 'rxjs';
import type { ObservableInput } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { BufferOverflowError, pool, poolFrom } from '../../src/index.js';
import type { OverflowStrategy, PoolOptions, PoolReport, WorkContext } from '../../src/index.js';
import { eventLoopTurns, flushMicrotasks } from '../helpers/eventLoop.js';
import {
  arbBufferSize,
  arbConcurrency,
  arbOverflow,
  chance,
  orDefault,
} from '../helpers/optionGenerators.js';

const CHARS = 'abcdefghijklmnopqrstuvwxyz';

// ---------------------------------------------------------------------------------------------
// (a) mergeMap compatibility
// ---------------------------------------------------------------------------------------------

interface InnerPlan {
  sync: boolean;
  lead: number;
  gaps: number[];
  tail: number;
}

interface CompatScenario {
  concurrency: number;
  source: Array<{ gap: number; size: number }>;
  completes: boolean;
  inners: InnerPlan[];
}

const arbCompat: fc.Arbitrary<CompatScenario> = fc
  .record({
    concurrency: arbConcurrency,
    source: fc.array(
      fc.record({ gap: fc.integer({ min: 0, max: 3 }), size: fc.integer({ min: 1, max: 2 }) }),
      { maxLength: 6 },
    ),
    completes: fc.oneof(
      { weight: 5, arbitrary: fc.constant(true) },
      { weight: 1, arbitrary: fc.constant(false) },
    ),
    inners: fc.array(
      fc.record({
        sync: fc.oneof(
          { weight: 1, arbitrary: fc.constant(true) },
          { weight: 4, arbitrary: fc.constant(false) },
        ),
        lead: fc.integer({ min: 0, max: 4 }),
        gaps: fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 3 }),
        tail: fc.integer({ min: 0, max: 3 }),
      }),
      { minLength: 12, maxLength: 12 },
    ),
  })
  .filter((s) => s.source.reduce((n, g) => n + g.size, 0) <= 12);

/** The source marble: groups of 1 or 2 items (same frame) after a gap; item i is CHARS[i]. */
function compatSourceMarble(s: CompatScenario): string {
  let next = 0;
  let marble = '';
  for (const group of s.source) {
    const chars = CHARS.slice(next, next + group.size);
    next += group.size;
    marble += '-'.repeat(group.gap) + (chars.length > 1 ? `(${chars})` : chars);
  }
  return marble + (s.completes ? '-|' : '');
}

/** An inner's marble: values a, b, c (distinct per item through the values map). */
function innerMarble(plan: InnerPlan): string {
  const letters = CHARS.slice(0, plan.gaps.length);
  if (plan.sync) return `(${letters}|)`;
  return (
    '-'.repeat(plan.lead) +
    plan.gaps.map((gap, k) => letters[k] + '-'.repeat(gap)).join('') +
    '-'.repeat(plan.tail) +
    '|'
  );
}

interface Observed {
  notifications: Array<[frame: number, kind: string, value: unknown]>;
  source: unknown[];
  inners: unknown[][];
}

function observe(s: CompatScenario, withPool: boolean): Observed {
  const scheduler = new TestScheduler(() => undefined);
  const observed: Observed = { notifications: [], source: [], inners: [] };
  let logs: { source: { subscriptions: unknown[] }; inners: Array<{ subscriptions: unknown[] }> };
  scheduler.run(({ cold }) => {
    const items = Object.fromEntries([...CHARS.slice(0, 12)].map((c, i) => [c, i]));
    const source = cold(compatSourceMarble(s), items);
    const inners = s.inners.map((plan, i) =>
      cold(innerMarble(plan), { a: i * 10, b: i * 10 + 1, c: i * 10 + 2 }),
    );
    const work = (i: number) => inners[i];
    const result = withPool
      ? source.pipe(pool(work, { concurrency: s.concurrency }))
      : source.pipe(mergeMap(work, s.concurrency));
    result.subscribe({
      next: (v) => observed.notifications.push([scheduler.now(), 'N', v]),
      error: (e) => observed.notifications.push([scheduler.now(), 'E', e]),
      complete: () => observed.notifications.push([scheduler.now(), 'C', undefined]),
    });
    logs = { source, inners };
  });
  observed.source = [...logs!.source.subscriptions];
  observed.inners = logs!.inners.map((inner) => [...inner.subscriptions]);
  return observed;
}

describe('property: pool is mergeMap-compatible', () => {
  it('gives the same values, frames and subscription logs as mergeMap(work, n)', () => {
    fc.assert(
      fc.property(arbCompat, (s) => {
        expect(observe(s, true)).toEqual(observe(s, false));
      }),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// (b) invariants
// ---------------------------------------------------------------------------------------------

type WorkKind = 'sync' | 'marble' | 'promise' | 'asyncIterable';
type SourceKind = 'push' | 'pushViaPoolFrom' | 'pull-generator' | 'pull-array' | 'pull-async';

interface ItemPlan {
  kind: WorkKind;
  duration: number;
  values: number;
  fails: boolean;
  throwsSync: boolean;
  gap: number;
}

interface Scenario {
  mode: 'virtual' | 'async';
  source: SourceKind;
  items: ItemPlan[];
  sourceFails: boolean;
  concurrency: number;
  bufferSize: number | undefined;
  overflow: OverflowStrategy | undefined;
  takeAfter: number | undefined;
}

function arbItem(kinds: WorkKind[]): fc.Arbitrary<ItemPlan> {
  return fc.record({
    kind: fc.constantFrom(...kinds),
    duration: fc.integer({ min: 0, max: 6 }),
    values: fc.integer({ min: 0, max: 2 }),
    fails: chance(0.12),
    throwsSync: chance(0.3),
    // Bursts (gap 0) fill bounded buffers of push sources.
    gap: fc.oneof(
      { weight: 3, arbitrary: fc.constant(0) },
      { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }) },
    ),
  });
}

function arbScenario(mode: 'virtual' | 'async'): fc.Arbitrary<Scenario> {
  const sources: SourceKind[] =
    mode === 'virtual'
      ? ['push', 'pushViaPoolFrom', 'pull-generator', 'pull-array']
      : ['push', 'pushViaPoolFrom', 'pull-generator', 'pull-async'];
  const kinds: WorkKind[] =
    mode === 'virtual' ? ['sync', 'marble'] : ['sync', 'promise', 'asyncIterable'];
  return fc.record({
    mode: fc.constant(mode),
    source: fc.constantFrom(...sources),
    items: fc.array(arbItem(kinds), { maxLength: 14 }),
    sourceFails: chance(0.15),
    concurrency: arbConcurrency,
    bufferSize: orDefault(arbBufferSize),
    overflow: orDefault(arbOverflow),
    takeAfter: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined, freq: 4 }),
  });
}

const isPull = (s: Scenario) => s.source.startsWith('pull');

/** TestScheduler's `cold`, for numbers. */
type ColdFactory = (
  marble: string,
  values?: { [marble: string]: number },
  error?: unknown,
) => Observable<number>;

/** Everything a run observed, checked after it. */
class Trace {
  readonly workCalls: Array<{ item: number; index: number; attempt: number }> = [];
  readonly workAfterHalt: number[] = [];
  readonly signals = new Map<number, AbortSignal>();
  /** Items whose work completed or failed while their signal was not aborted. */
  readonly cleanlyDone = new Set<number>();
  readonly drops: number[] = [];
  readonly reports: PoolReport<number>[] = [];
  readonly producerDoneAtFinalize: number[] = [];
  readonly values: number[] = [];
  readonly terminals: Array<{ kind: 'error' | 'complete'; error?: unknown }> = [];
  readonly itemErrors = new Set<unknown>();
  readonly sourceError = new Error('source failed');
  valuesAfterTerminal = 0;
  active = 0;
  maxActive = 0;
  finished = 0;
  pulled = 0;
  maxAhead = 0;
  pendingNext = 0;
  maxPendingNext = 0;
  emittedToPool = 0;
  /** Completions, errors and releases of the producer (push wrapper, or generator `finally`). */
  producerDone = 0;
  /** Set at the first event after which the pool must start nothing. */
  halted = false;
  observesProducer = true;

  constructor(readonly s: Scenario) {}

  get bound(): number {
    return this.s.concurrency + (this.s.bufferSize ?? 0);
  }

  notePull(): void {
    this.pulled++;
    this.maxAhead = Math.max(this.maxAhead, this.pulled - this.finished);
  }
}

/** The work function of a scenario: tracks activity, finishes and signals. */
function makeWork(t: Trace, cold?: ColdFactory) {
  return (item: number, ctx: WorkContext): ObservableInput<number> => {
    const plan = t.s.items[item];
    t.workCalls.push({ item, index: ctx.index, attempt: ctx.attempt });
    if (t.halted) t.workAfterHalt.push(item);
    const signal = ctx.signal;
    t.signals.set(item, signal);
    const error = new Error(`item ${item} failed`);
    t.itemErrors.add(error);
    if (plan.fails && plan.throwsSync && plan.kind !== 'asyncIterable') {
      t.finished++;
      t.cleanlyDone.add(item);
      t.halted = true;
      throw error;
    }
    t.active++;
    t.maxActive = Math.max(t.maxActive, t.active);
    let ended = false;
    const end = (clean: boolean, failed: boolean) => {
      if (ended) return;
      ended = true;
      t.active--;
      t.finished++;
      if (clean && !signal.aborted) t.cleanlyDone.add(item);
      if (failed) t.halted = true;
    };
    const value = (k: number) => item * 10 + k;
    const tracked = (inner: Observable<number>) =>
      new Observable<number>((sub) => {
        const subscription = inner.subscribe({
          next: (v) => sub.next(v),
          error: (e) => {
            end(true, true);
            sub.error(e);
          },
          complete: () => {
            end(true, false);
            sub.complete();
          },
        });
        return () => {
          end(false, false);
          subscription.unsubscribe();
        };
      });
    switch (plan.kind) {
      case 'sync':
        return tracked(
          new Observable<number>((sub) => {
            for (let k = 0; k < plan.values; k++) sub.next(value(k));
            if (plan.fails) sub.error(error);
            else sub.complete();
          }),
        );
      case 'marble': {
        const letters = CHARS.slice(0, plan.values);
        const marble = '-'.repeat(plan.duration) + letters + (plan.fails ? '#' : '|');
        const values = Object.fromEntries([...letters].map((c, k) => [c, value(k)]));
        return tracked(cold!(marble, values, error));
      }
      case 'promise': {
        const promise = (async () => {
          await flushMicrotasks(plan.duration);
          if (plan.fails) throw error;
          return value(0);
        })();
        // Registered before the pool's own reaction, so it runs just before the pool learns.
        promise.then(
          () => end(true, false),
          () => end(true, true),
        );
        return promise;
      }
      case 'asyncIterable':
        // Marks its end early (before the pool learns of it), so only the bounds use it.
        return (async function* () {
          try {
            for (let k = 0; k < plan.values; k++) {
              await flushMicrotasks(plan.duration);
              yield value(k);
            }
            await flushMicrotasks(plan.duration);
            // The pool learns of this end some microtasks later: no early halt mark.
            if (plan.fails) {
              end(false, false);
              throw error;
            }
            end(false, false);
          } finally {
            end(false, false);
          }
        })();
    }
  };
}

/** Wraps a push source: counts what reaches the pool and the producer's single end. */
function trackPush(t: Trace, source: Observable<number>): Observable<number> {
  return new Observable<number>((sub) => {
    let done = false;
    const subscription = source.subscribe({
      next: (v) => {
        t.emittedToPool++;
        sub.next(v);
      },
      error: (e) => {
        done = true;
        t.producerDone++;
        t.halted = true;
        sub.error(e);
      },
      complete: () => {
        done = true;
        t.producerDone++;
        sub.complete();
      },
    });
    return () => {
      if (!done) t.producerDone++;
      subscription.unsubscribe();
    };
  });
}

function pushSourceMarble(s: Scenario): string {
  let marble = '';
  s.items.forEach((plan, i) => (marble += '-'.repeat(plan.gap) + CHARS[i]));
  return marble + '-' + (s.sourceFails ? '#' : '|');
}

function asyncPushSource(t: Trace): Observable<number> {
  return new Observable<number>((sub) => {
    let stopped = false;
    void (async () => {
      for (let i = 0; i < t.s.items.length; i++) {
        await flushMicrotasks(t.s.items[i].gap);
        if (stopped) return;
        sub.next(i);
      }
      await flushMicrotasks(1);
      if (stopped) return;
      if (t.s.sourceFails) sub.error(t.sourceError);
      else sub.complete();
    })();
    return () => {
      stopped = true;
    };
  });
}

function syncGenerator(t: Trace): Iterable<number> {
  return (function* () {
    try {
      for (let i = 0; i < t.s.items.length; i++) {
        t.notePull();
        yield i;
      }
      if (t.s.sourceFails) {
        t.halted = true;
        throw t.sourceError;
      }
    } finally {
      t.producerDone++;
    }
  })();
}

function asyncGenerator(t: Trace): AsyncIterable<number> {
  const generator = (async function* () {
    try {
      for (let i = 0; i < t.s.items.length; i++) {
        await flushMicrotasks(t.s.items[i].gap);
        t.notePull();
        yield i;
      }
      await flushMicrotasks(1);
      // The pool learns of this error some microtasks later: no early halt mark.
      if (t.s.sourceFails) throw t.sourceError;
    } finally {
      t.producerDone++;
    }
  })();
  // Counts the next() calls the pool has pending.
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        t.pendingNext++;
        t.maxPendingNext = Math.max(t.maxPendingNext, t.pendingNext);
        return generator.next().finally(() => t.pendingNext--);
      },
      return: (v?: unknown) => generator.return(v as never),
    }),
  };
}

/** Builds and subscribes the pipeline of a scenario. */
function start(t: Trace, cold?: ColdFactory): void {
  const s = t.s;
  const options: PoolOptions<number> = {
    concurrency: s.concurrency,
    onDrop: (item) => void t.drops.push(item),
    onFinalize: (report) => {
      t.reports.push(report);
      t.producerDoneAtFinalize.push(t.producerDone);
      t.halted = true;
    },
  };
  if (s.bufferSize !== undefined) options.bufferSize = s.bufferSize;
  if (s.overflow !== undefined) options.overflow = s.overflow;
  const work = makeWork(t, cold);
  let pooled: Observable<number>;
  if (s.source === 'push' || s.source === 'pushViaPoolFrom') {
    const items = Object.fromEntries(s.items.map((_, i) => [CHARS[i], i]));
    const raw =
      s.mode === 'virtual' ? cold!(pushSourceMarble(s), items, t.sourceError) : asyncPushSource(t);
    const source = trackPush(t, raw);
    pooled =
      s.source === 'push' ? source.pipe(pool(work, options)) : poolFrom(source, work, options);
  } else if (s.source === 'pull-generator') {
    pooled = poolFrom(syncGenerator(t), work, options);
  } else if (s.source === 'pull-async') {
    pooled = poolFrom(asyncGenerator(t), work, options);
  } else {
    t.observesProducer = false;
    // An array cannot fail: `sourceFails` is moot here.
    pooled = poolFrom(
      s.items.map((_, i) => i),
      work,
      options,
    );
  }
  pooled
    .pipe(
      tap({
        next: (v) => {
          if (t.terminals.length > 0) t.valuesAfterTerminal++;
          t.values.push(v);
          if (s.takeAfter !== undefined && t.values.length === s.takeAfter) t.halted = true;
        },
        error: (e) => void t.terminals.push({ kind: 'error', error: e }),
        complete: () => void t.terminals.push({ kind: 'complete' }),
      }),
      s.takeAfter === undefined ? identity : take(s.takeAfter),
    )
    .subscribe({ error: () => undefined });
}

/** Every invariant, checked once the run is over. */
function check(t: Trace): void {
  const s = t.s;
  // onFinalize exactly once.
  expect(t.reports).toHaveLength(1);
  const r = t.reports[0];

  // Exactly one terminal notification, or none when downstream unsubscribed; it matches the report.
  if (r.reason === 'unsubscribed') {
    expect(t.terminals).toEqual([]);
    expect(s.takeAfter).toBeDefined();
    expect(t.values).toHaveLength(s.takeAfter!);
    expect(r.error).toBeUndefined();
  } else {
    expect(t.terminals).toHaveLength(1);
    expect(t.terminals[0].kind).toBe(r.reason);
    if (r.reason === 'error') expect(t.terminals[0].error).toBe(r.error);
  }
  expect(t.valuesAfterTerminal).toBe(0);

  // The ledger.
  expect(r.succeeded + r.failed + r.dropped + r.unstarted.length + r.unfinished.length).toBe(
    r.accepted,
  );
  if (r.reason === 'complete') {
    expect(r).toMatchObject({ failed: 0, unstarted: [], unfinished: [] });
    expect(r.succeeded + r.dropped).toBe(r.accepted);
  }
  expect(r.failed).toBeLessThanOrEqual(1);
  if (r.reason === 'error' && t.itemErrors.has(r.error)) expect(r.failed).toBe(1);
  expect(r.dropped).toBe(t.drops.length);

  // Never more than `concurrency` active; nothing started after the halt.
  expect(t.maxActive).toBeLessThanOrEqual(s.concurrency);
  expect(t.workAfterHalt).toEqual([]);

  // Work context: attempt 1, indexes in acceptance order, each item started at most once.
  expect(t.workCalls.every((c) => c.attempt === 1)).toBe(true);
  const started = t.workCalls.map((c) => c.item);
  expect(new Set(started).size).toBe(started.length);
  for (let i = 1; i < t.workCalls.length; i++) {
    expect(t.workCalls[i].index).toBeGreaterThan(t.workCalls[i - 1].index);
  }
  if (isPull(s)) expect(t.workCalls.map((c) => c.index)).toEqual(started);

  // unstarted never started; unfinished started and aborted with the halt's reason.
  for (const item of r.unstarted) expect(started).not.toContain(item);
  for (const item of r.unfinished) {
    expect(started).toContain(item);
    const signal = t.signals.get(item)!;
    expect(signal.aborted).toBe(true);
    if (r.reason === 'error' && r.error !== undefined) expect(signal.reason).toBe(r.error);
    if (r.reason === 'unsubscribed')
      expect((signal.reason as DOMException).name).toBe('AbortError');
  }
  // A signal never fires for an item whose work already completed or failed.
  for (const item of t.cleanlyDone) expect(t.signals.get(item)!.aborted).toBe(false);

  if (isPull(s)) {
    expect(r.dropped).toBe(0);
    expect(r.error).not.toBeInstanceOf(BufferOverflowError);
    if (s.source !== 'pull-array') {
      expect(t.maxAhead).toBeLessThanOrEqual(t.bound);
      if (s.source === 'pull-generator') expect(r.accepted).toBe(t.pulled);
      else {
        expect(t.pulled).toBeGreaterThanOrEqual(r.accepted);
        expect(t.pulled).toBeLessThanOrEqual(r.accepted + 1);
        expect(t.maxPendingNext).toBeLessThanOrEqual(1);
      }
    }
  } else {
    const overflowed = r.error instanceof BufferOverflowError ? 1 : 0;
    expect(r.accepted).toBe(t.emittedToPool - overflowed);
    if (s.bufferSize === undefined || s.bufferSize === Infinity) {
      expect(overflowed).toBe(0);
      expect(r.dropped).toBe(0);
    }
  }

  // The producer is finalized exactly once, before onFinalize (an async generator's `finally`
  // may wait for its pending next()).
  if (t.observesProducer) {
    expect(t.producerDone).toBe(1);
    if (s.source !== 'pull-async') expect(t.producerDoneAtFinalize).toEqual([1]);
  }
}

describe('property: invariants of pool and poolFrom', () => {
  it('hold over random scenarios in virtual time (marble and sync work; push, generator, array)', () => {
    fc.assert(
      fc.property(arbScenario('virtual'), (s) => {
        const t = new Trace(s);
        new TestScheduler(() => undefined).run(({ cold }) => start(t, cold));
        check(t);
      }),
      { numRuns: 1500 },
    );
  });

  it('hold over random scenarios with promise, async-iterable and sync work and async sources', async () => {
    await fc.assert(
      fc.asyncProperty(arbScenario('async'), async (s) => {
        const t = new Trace(s);
        start(t);
        for (let i = 0; i < 100 && t.reports.length === 0; i++) await eventLoopTurns(1);
        // Let late settlements, returns and finally blocks run before checking.
        await eventLoopTurns(3);
        check(t);
      }),
      { numRuns: 800 },
    );
  }, 60_000);
});
