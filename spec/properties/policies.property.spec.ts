/**
 * Properties of the issue-3 policies over random option combinations and failure patterns, all in
 * virtual time (`TestScheduler.run`):
 *
 * - with `tolerate: k` the pool halts exactly when failure k+1 happens, never earlier;
 * - with `ordered` the emitted sequence is the in-order prefix of the unordered results;
 * - `retry: n` calls work at most n+1 times per item, `attempt` counting 1, 2, 3...;
 * - `stop` never starts an item, nor takes one from the source, after it fires;
 * - and, for every combination, the core guarantees: one terminal notification, teardown before
 *   notification, the ledger, the pulled-ahead bound, never more than `concurrency` active, no
 *   work after the halt.
 *
 * Each scenario is run once and leaves one event log (in the order things happened); the
 * properties read that log against an oracle that does not depend on the engine's own counts.
 */
import fc from 'fast-check';
import { Observable, Subscription, TimeoutError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { BufferOverflowError, pool, poolFrom } from '../../src/index.js';
import type {
  HaltStrategy,
  OverflowStrategy,
  PoolOptions,
  PoolReport,
  WorkContext,
} from '../../src/index.js';

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

/**
 * One attempt of an item's work: it ends after `duration` frames, with a value or an error.
 * Durations are even and timeouts odd, so an attempt never ends in the frame its timeout expires.
 */
interface AttemptPlan {
  duration: number;
  fails: boolean;
}

interface ItemPlan {
  /** Frames since the previous item (push sources). */
  gap: number;
  /** Attempt n uses `attempts[min(n, length) - 1]`. */
  attempts: AttemptPlan[];
}

interface Scenario {
  kind: 'push' | 'pull';
  items: ItemPlan[];
  sourceFails: boolean;
  endGap: number;
  concurrency: number;
  bufferSize: number | undefined;
  overflow: OverflowStrategy;
  tolerate: number;
  retry: number | { count: number; delay: number } | undefined;
  timeout: number | undefined;
  ordered: boolean;
  halt: HaltStrategy;
  stopAt: number | undefined;
}

const arbAttempt: fc.Arbitrary<AttemptPlan> = fc.record({
  duration: fc.constantFrom(0, 2, 4, 6),
  fails: fc.integer({ min: 1, max: 100 }).map((x) => x <= 40),
});

const arbItem: fc.Arbitrary<ItemPlan> = fc.record({
  gap: fc.oneof(
    { weight: 2, arbitrary: fc.constant(0) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 2 }) },
  ),
  attempts: fc.array(arbAttempt, { minLength: 1, maxLength: 3 }),
});

const arbScenario: fc.Arbitrary<Scenario> = fc.record({
  kind: fc.constantFrom<'push' | 'pull'>('push', 'pull'),
  items: fc.array(arbItem, { maxLength: 8 }),
  sourceFails: fc.integer({ min: 1, max: 100 }).map((x) => x <= 15),
  endGap: fc.integer({ min: 0, max: 3 }),
  concurrency: fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: 1, max: 3 }) },
    { weight: 1, arbitrary: fc.constant(Infinity) },
  ),
  bufferSize: fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 2 }) },
    { weight: 1, arbitrary: fc.constant(Infinity) },
  ),
  overflow: fc.constantFrom<OverflowStrategy>('error', 'drop-newest', 'drop-oldest'),
  tolerate: fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) },
    { weight: 1, arbitrary: fc.constant(Infinity) },
  ),
  retry: fc.oneof(
    fc.constant(undefined),
    fc.integer({ min: 0, max: 2 }),
    fc.record({ count: fc.integer({ min: 0, max: 2 }), delay: fc.constantFrom(1, 3) }),
  ),
  timeout: fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom(3, 5, 7) },
  ),
  ordered: fc.boolean(),
  halt: fc.constantFrom<HaltStrategy>('abort', 'drain'),
  stopAt: fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 16 }) },
  ),
});

function retryCount(s: Scenario): number {
  if (s.retry === undefined) return 0;
  return typeof s.retry === 'number' ? s.retry : s.retry.count;
}

// ---------------------------------------------------------------------------------------------
// Running a scenario: one event log
// ---------------------------------------------------------------------------------------------

type EventType =
  | 'emit' // a push source emits item
  | 'pull' // a pull source is asked for item
  | 'source-complete'
  | 'source-error'
  | 'source-release' // the source's teardown, or the generator's finally
  | 'call' // work called for (item, attempt)
  | 'subscribe' // the attempt's inner subscribed
  | 'done' // the attempt emits its value and completes
  | 'fail' // the attempt errors
  | 'timeout' // the attempt's signal aborted with a TimeoutError
  | 'abort' // the attempt's signal aborted for another reason
  | 'release' // the attempt's inner unsubscribed
  | 'stop' // the stop notifier emits
  | 'next' // downstream receives item's value
  | 'error' // downstream receives an error
  | 'complete' // downstream completes
  | 'onFailure'
  | 'onDrop'
  | 'finalize';

interface LogEvent {
  type: EventType;
  frame: number;
  item?: number;
  attempt?: number;
  index?: number;
  error?: unknown;
}

interface Trace {
  scenario: Scenario;
  log: LogEvent[];
  reports: PoolReport<number>[];
}

const sourceError = new Error('the source failed');

function run(s: Scenario): Trace {
  const scheduler = new TestScheduler(() => undefined);
  const log: LogEvent[] = [];
  const reports: PoolReport<number>[] = [];
  const timeouts = new Set<unknown>();
  const at = (type: EventType, extra: Omit<LogEvent, 'type' | 'frame'> = {}) =>
    log.push({ type, frame: scheduler.now(), ...extra });

  scheduler.run(() => {
    const work = (item: number, context: WorkContext): Observable<number> => {
      const { attempt, index, signal } = context;
      at('call', { item, attempt, index });
      const plans = (s.items[item] as ItemPlan).attempts;
      const plan = plans[Math.min(attempt, plans.length) - 1] as AttemptPlan;
      signal.addEventListener('abort', () => {
        // A halt caused by a timeout aborts the other attempts with that same TimeoutError: only
        // a TimeoutError not seen before is this attempt's own timeout.
        const reason: unknown = signal.reason;
        const own = reason instanceof TimeoutError && !timeouts.has(reason);
        if (own) timeouts.add(reason);
        at(own ? 'timeout' : 'abort', { item, attempt, error: reason });
      });
      return new Observable<number>((subscriber) => {
        at('subscribe', { item, attempt });
        const action = scheduler.schedule(() => {
          if (plan.fails) {
            const error = new Error(`item ${item}, attempt ${attempt}`);
            at('fail', { item, attempt, error });
            subscriber.error(error);
          } else {
            at('done', { item, attempt });
            subscriber.next(item);
            subscriber.complete();
          }
        }, plan.duration);
        return () => {
          action.unsubscribe();
          at('release', { item, attempt });
        };
      });
    };

    const stop =
      s.stopAt === undefined
        ? undefined
        : new Observable<void>((subscriber) => {
            const action = scheduler.schedule(() => {
              at('stop');
              subscriber.next();
            }, s.stopAt);
            return () => action.unsubscribe();
          });

    const options: PoolOptions<number> = {
      concurrency: s.concurrency,
      overflow: s.overflow,
      tolerate: s.tolerate,
      halt: s.halt,
      ordered: s.ordered,
      onFailure: (error, item) => at('onFailure', { item, error }),
      onDrop: (item) => at('onDrop', { item }),
      onFinalize: (report) => {
        reports.push(report);
        at('finalize');
      },
    };
    if (s.bufferSize !== undefined) options.bufferSize = s.bufferSize;
    if (s.retry !== undefined) options.retry = s.retry;
    if (s.timeout !== undefined) options.timeout = s.timeout;
    if (stop !== undefined) options.stop = stop;

    const n = s.items.length;
    let result: Observable<number>;
    if (s.kind === 'push') {
      const source = new Observable<number>((subscriber) => {
        const actions = new Subscription();
        let t = 0;
        s.items.forEach((plan, item) => {
          t += plan.gap;
          actions.add(
            scheduler.schedule(() => {
              at('emit', { item });
              subscriber.next(item);
            }, t),
          );
        });
        actions.add(
          scheduler.schedule(() => {
            if (s.sourceFails) {
              at('source-error', { error: sourceError });
              subscriber.error(sourceError);
            } else {
              at('source-complete');
              subscriber.complete();
            }
          }, t + s.endGap),
        );
        return () => {
          actions.unsubscribe();
          at('source-release');
        };
      });
      result = source.pipe(pool(work, options));
    } else {
      const items = function* (): Generator<number> {
        try {
          for (let item = 0; item < n; item++) {
            at('pull', { item });
            yield item;
          }
          if (s.sourceFails) {
            at('source-error', { error: sourceError });
            throw sourceError;
          }
          at('source-complete');
        } finally {
          at('source-release');
        }
      };
      result = poolFrom(items(), work, options);
    }
    result.subscribe({
      next: (item) => at('next', { item }),
      error: (error: unknown) => at('error', { error }),
      complete: () => at('complete'),
    });
  });
  return { scenario: s, log, reports };
}

// ---------------------------------------------------------------------------------------------
// Reading a trace
// ---------------------------------------------------------------------------------------------

const ACTIVITY: ReadonlySet<EventType> = new Set<EventType>([
  'emit',
  'pull',
  'call',
  'subscribe',
  'done',
  'fail',
  'timeout',
  'next',
  'stop',
]);

function isTerminal(e: LogEvent): boolean {
  return e.type === 'error' || e.type === 'complete';
}

/** The attempt failures after which no retry may follow, in the order they happened. */
function finalFailures(t: Trace): number[] {
  const last = retryCount(t.scenario) + 1;
  const found: number[] = [];
  t.log.forEach((e, i) => {
    if ((e.type === 'fail' || e.type === 'timeout') && e.attempt === last) found.push(i);
  });
  return found;
}

/** Where the pool must halt, and with which error, as the oracle sees it. */
function expectedHalt(t: Trace): { at: number; error: unknown } | undefined {
  const candidates: { at: number; error: unknown }[] = [];
  const failures = finalFailures(t);
  const k = t.scenario.tolerate;
  if (Number.isFinite(k) && failures.length > k) {
    const i = failures[k] as number;
    candidates.push({ at: i, error: t.log[i]?.error });
  }
  const sourceErrorAt = t.log.findIndex((e) => e.type === 'source-error');
  if (sourceErrorAt >= 0) candidates.push({ at: sourceErrorAt, error: sourceError });
  const terminal = t.log.find(isTerminal);
  if (terminal?.type === 'error' && terminal.error instanceof BufferOverflowError) {
    const item = (terminal.error as BufferOverflowError<number>).item;
    const emitAt = t.log.findIndex((e) => e.type === 'emit' && e.item === item);
    candidates.push({ at: emitAt, error: terminal.error });
  }
  candidates.sort((a, b) => a.at - b.at);
  return candidates[0];
}

function terminalIndex(t: Trace): number {
  return t.log.findIndex(isTerminal);
}

function itemsWith(t: Trace, type: EventType, before = Infinity): Set<number> {
  const set = new Set<number>();
  t.log.forEach((e, i) => {
    if (e.type === type && i < before && e.item !== undefined) set.add(e.item);
  });
  return set;
}

function describeTrace(t: Trace): string {
  return t.log
    .map((e) => {
      const parts = [String(e.frame).padStart(3), e.type];
      if (e.item !== undefined) parts.push(`item ${e.item}`);
      if (e.attempt !== undefined) parts.push(`attempt ${e.attempt}`);
      if (e.error !== undefined) parts.push(String(e.error));
      return parts.join(' ');
    })
    .join('\n');
}

/** Runs `check` on the trace; on failure, the trace is printed with the assertion's message. */
function withTrace(t: Trace, check: () => void): void {
  try {
    check();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n\nscenario: ${JSON.stringify(t.scenario)}\n${describeTrace(t)}`);
  }
}

const params = { numRuns: 300 };

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('property: issue-3 policies', () => {
  it('with tolerate k, halts exactly when failure k+1 happens and never earlier', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const t = run(s);
        withTrace(t, () => {
          const terminal = t.log[terminalIndex(t)];
          const halt = expectedHalt(t);
          if (halt === undefined) {
            expect(terminal?.type).toBe('complete');
          } else {
            expect(terminal?.type).toBe('error');
            expect(terminal?.error).toBe(halt.error);
          }
          // Fewer than k+1 final failures before the terminal: no failure-caused error.
          const failuresBefore = finalFailures(t).filter((i) => i < terminalIndex(t)).length;
          if (terminal?.type === 'error' && failuresBefore <= s.tolerate) {
            expect(
              terminal.error === sourceError || terminal.error instanceof BufferOverflowError,
            ).toBe(true);
          }
        });
      }),
      params,
    );
  });

  it('with ordered, emits the in-order prefix of the results', () => {
    fc.assert(
      fc.property(arbScenario, (scenario) => {
        const t = run({ ...scenario, ordered: true });
        withTrace(t, () => {
          const finals = new Set(finalFailures(t));
          const failed = new Set<number>();
          const dropped = new Set<number>();
          const delivered: number[] = [];
          for (const [i, e] of t.log.entries()) {
            if (finals.has(i)) failed.add(e.item as number);
            if (e.type === 'onDrop') dropped.add(e.item as number);
            if (e.type !== 'next') continue;
            const item = e.item as number;
            // Every earlier item left the line first: delivered, failed or dropped.
            for (let earlier = 0; earlier < item; earlier++) {
              const settled =
                delivered.includes(earlier) || failed.has(earlier) || dropped.has(earlier);
              expect({ item, earlier, settled }).toEqual({ item, earlier, settled: true });
            }
            delivered.push(item);
          }
          expect(delivered).toEqual([...delivered].sort((a, b) => a - b));
        });
      }),
      params,
    );
  });

  it('with ordered and nothing halting, emits exactly the sorted unordered results', () => {
    const arbCalm = arbScenario.map((s) => ({
      ...s,
      tolerate: Infinity,
      sourceFails: false,
      stopAt: undefined,
      bufferSize: s.kind === 'push' ? Infinity : s.bufferSize,
    }));
    fc.assert(
      fc.property(arbCalm, (s) => {
        const unordered = run({ ...s, ordered: false });
        const ordered = run({ ...s, ordered: true });
        const values = (t: Trace) => t.log.filter((e) => e.type === 'next').map((e) => e.item);
        withTrace(ordered, () => {
          expect(ordered.log.find(isTerminal)?.type).toBe('complete');
          expect(unordered.log.find(isTerminal)?.type).toBe('complete');
          const sorted = [...values(unordered)].sort((a, b) => (a as number) - (b as number));
          expect(values(ordered)).toEqual(sorted);
        });
      }),
      params,
    );
  });

  it('with retry n, calls work at most n+1 times per item, attempt counting 1, 2, 3', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const t = run(s);
        withTrace(t, () => {
          const calls = t.log.filter((e) => e.type === 'call');
          const byItem = new Map<number, LogEvent[]>();
          for (const call of calls) {
            const list = byItem.get(call.item as number) ?? [];
            list.push(call);
            byItem.set(call.item as number, list);
          }
          for (const [item, list] of byItem) {
            expect(list.length).toBeLessThanOrEqual(retryCount(s) + 1);
            expect(list.map((c) => c.attempt)).toEqual(list.map((_c, i) => i + 1));
            expect(list.map((c) => c.index)).toEqual(list.map(() => item));
          }
          const retried = calls.filter((c) => (c.attempt as number) > 1).length;
          expect(t.reports[0]?.retried).toBe(retried);
        });
      }),
      params,
    );
  });

  it('with stop, never starts an item nor takes one from the source after it fires', () => {
    const arbStopping = arbScenario.chain((s) =>
      fc.integer({ min: 0, max: 16 }).map((stopAt) => ({ ...s, stopAt })),
    );
    fc.assert(
      fc.property(arbStopping, (s) => {
        const t = run(s);
        withTrace(t, () => {
          const stopAt = t.log.findIndex((e) => e.type === 'stop');
          const end = terminalIndex(t);
          if (stopAt < 0) return;
          expect(stopAt).toBeLessThan(end);
          const after = t.log.slice(stopAt + 1);
          expect(after.filter((e) => e.type === 'call' && e.attempt === 1)).toEqual([]);
          expect(after.filter((e) => e.type === 'emit' || e.type === 'pull')).toEqual([]);
          const terminal = t.log[end];
          if (terminal?.type === 'complete') expect(t.reports[0]?.reason).toBe('stopped');
        });
      }),
      params,
    );
  });

  it('for every combination, keeps the core guarantees', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const t = run(s);
        withTrace(t, () => {
          // One terminal notification, one report, nothing delivered after the end.
          const terminals = t.log.filter(isTerminal);
          expect(terminals).toHaveLength(1);
          expect(t.reports).toHaveLength(1);
          const end = terminalIndex(t);
          const afterEnd = t.log.slice(end + 1).filter((e) => ACTIVITY.has(e.type));
          expect(afterEnd).toEqual([]);
          const finalizeAt = t.log.findIndex((e) => e.type === 'finalize');
          expect(finalizeAt).toBeLessThan(end);

          // The report.
          const report = t.reports[0] as PoolReport<number>;
          const terminal = t.log[end] as LogEvent;
          if (terminal.type === 'error') {
            expect(report.reason).toBe('error');
            expect(report.error).toBe(terminal.error);
          } else {
            expect(['complete', 'stopped']).toContain(report.reason);
          }

          // The ledger, and each count against the log.
          expect(report.accepted).toBe(
            report.succeeded +
              report.failed +
              report.dropped +
              report.unstarted.length +
              report.unfinished.length,
          );
          const overflowed =
            terminal.type === 'error' && terminal.error instanceof BufferOverflowError ? 1 : 0;
          const taken = s.kind === 'pull' ? itemsWith(t, 'pull') : itemsWith(t, 'emit');
          expect(report.accepted).toBe(taken.size - overflowed);
          const delivered = itemsWith(t, 'next');
          const failed = new Set(finalFailures(t).map((i) => t.log[i]?.item as number));
          const called = itemsWith(t, 'call');
          expect(report.succeeded).toBe(delivered.size);
          expect(report.failed).toBe(failed.size);
          expect(report.dropped).toBe(itemsWith(t, 'onDrop').size);
          for (const item of report.unstarted) expect(called.has(item)).toBe(false);
          for (const item of report.unfinished) {
            expect(called.has(item)).toBe(true);
            expect(delivered.has(item) || failed.has(item)).toBe(false);
          }
          const ascending = (list: number[]) => [...list].sort((a, b) => a - b);
          expect(report.unstarted).toEqual(ascending(report.unstarted));
          expect(report.unfinished).toEqual(ascending(report.unfinished));

          // onFailure: once per final failure, in failure order.
          const onFailureItems = t.log.filter((e) => e.type === 'onFailure').map((e) => e.item);
          expect(onFailureItems).toEqual(finalFailures(t).map((i) => t.log[i]?.item));

          // Never more than `concurrency` items active when one starts.
          const ended = new Set<number>();
          const started = new Set<number>();
          const last = retryCount(s) + 1;
          for (const e of t.log) {
            if (e.type === 'done' || e.type === 'abort') ended.add(e.item as number);
            if ((e.type === 'fail' || e.type === 'timeout') && e.attempt === last) {
              ended.add(e.item as number);
            }
            if (e.type === 'call' && e.attempt === 1) {
              started.add(e.item as number);
              const active = [...started].filter((item) => !ended.has(item)).length;
              expect(active).toBeLessThanOrEqual(s.concurrency);
            }
          }

          // The pulled-ahead bound: pulled and not yet delivered or failed.
          if (s.kind === 'pull') {
            const bound = s.concurrency + (s.bufferSize ?? 0);
            const settled = new Set<number>();
            let pulled = 0;
            for (const e of t.log) {
              if (e.type === 'next') settled.add(e.item as number);
              if ((e.type === 'fail' || e.type === 'timeout') && e.attempt === last) {
                settled.add(e.item as number);
              }
              if (e.type === 'pull') {
                pulled++;
                expect(pulled - settled.size).toBeLessThanOrEqual(bound);
              }
            }
          }

          // A signal fires only for an attempt still running.
          const finishedAttempts = new Set<string>();
          for (const e of t.log) {
            const key = `${e.item}/${e.attempt}`;
            if (e.type === 'done' || e.type === 'fail') finishedAttempts.add(key);
            if (e.type === 'abort' || e.type === 'timeout') {
              expect(finishedAttempts.has(key)).toBe(false);
              finishedAttempts.add(key);
            }
          }
        });
      }),
      { numRuns: 400 },
    );
  });

  it('does no work after the halt, and tears down before it notifies', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const t = run(s);
        withTrace(t, () => {
          const halt = expectedHalt(t);
          if (halt === undefined) return;
          const end = terminalIndex(t);
          const between = t.log.slice(halt.at + 1, end);
          // (A stop may have released the source already.)
          const sourceEnded = t.log
            .slice(0, halt.at + 1)
            .some((e) => ['source-complete', 'source-error', 'source-release'].includes(e.type));
          // The source is released at once: in the frame of the halt, before the error.
          if (!sourceEnded) {
            const release = between.find((e) => e.type === 'source-release');
            expect(release?.frame).toBe(t.log[halt.at]?.frame);
          }
          expect(between.filter((e) => e.type === 'emit' || e.type === 'pull')).toEqual([]);
          expect(between.filter((e) => e.type === 'call' && e.attempt === 1)).toEqual([]);
          // Every attempt that started has ended before downstream hears the error.
          const open = new Set<string>();
          for (const e of t.log.slice(0, end)) {
            const key = `${e.item}/${e.attempt}`;
            if (e.type === 'subscribe') open.add(key);
            if (['done', 'fail', 'release'].includes(e.type)) open.delete(key);
          }
          expect([...open]).toEqual([]);
          if (s.halt === 'abort') {
            // Nothing runs between the halt and the error; each abandoned attempt's signal
            // aborts before its inner is released.
            expect(between.filter((e) => ACTIVITY.has(e.type))).toEqual([]);
            const endedOrAborted = new Set<string>();
            for (const e of t.log.slice(0, end)) {
              const key = `${e.item}/${e.attempt}`;
              if (['done', 'fail', 'timeout', 'abort'].includes(e.type)) endedOrAborted.add(key);
              if (e.type === 'release')
                expect({ key, aborted: endedOrAborted.has(key) }).toEqual({ key, aborted: true });
            }
          } else {
            // A drain aborts nothing.
            expect(between.filter((e) => e.type === 'abort')).toEqual([]);
          }
        });
      }),
      params,
    );
  });
});
