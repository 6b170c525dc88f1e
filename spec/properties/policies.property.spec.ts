/**
 * Properties of the issue-3 policies over random option combinations and failure patterns, all in
 * virtual time (`TestScheduler.run`):
 *
 * - with `tolerate: k` the pool halts exactly when failure k+1 happens, never earlier;
 * - with `ordered` the emitted sequence is the in-order prefix of the unordered results;
 * - `retry: n` calls work at most n+1 times per item, `attempt` counting 1, 2, 3...;
 * - `stop` never starts an item, nor takes one from the source, after it fires;
 * - an outside `signal` (already aborted, or aborting at a random frame) halts at once with its
 *   reason (a drain in progress keeps its own error) and leaves no abort listener behind;
 * - `onProgress` always hands over the same view, whose counts stay consistent;
 * - `retry` with a delay function: notifiers that emit later (timer) or at once (of), complete
 *   without emitting (EMPTY: the item succeeds) or error (the item fails with that error);
 * - and, for every combination, the core guarantees: one terminal notification, teardown before
 *   notification, the ledger, the pulled-ahead bound, never more than `concurrency` active, no
 *   work after the halt, no retry notifier, stop notifier or abort listener left behind.
 *
 * A second family runs promise work, promise delay notifiers (resolving or rejecting), an outside
 * signal aborted after a random number of microtask hops, and a real `timeout`, under real
 * microtasks (controlled promises, no wall-clock): the same guarantees, plus no unhandled
 * rejection and no timer left behind (timers faked only to be counted).
 *
 * Each scenario is run once and leaves one event log (in the order things happened); the
 * properties read that log against an oracle that does not depend on the engine's own counts.
 */
import fc from 'fast-check';
import { getEventListeners } from 'node:events';
import {
  EMPTY,
  Observable,
  Subscription,
  TimeoutError,
  concatMap,
  ignoreElements,
  of,
  throwError,
  timer,
} from 'rxjs';
import type { ObservableInput } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { BufferOverflowError, pool, poolFrom } from '../../src/index.js';
import type {
  HaltStrategy,
  OverflowStrategy,
  PoolOptions,
  PoolOutcome,
  PoolProgress,
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
  /** With a delay function: the notifier returned for the retry after this attempt fails. */
  notifier: NotifierPlan;
}

/**
 * A retry delay notifier: `emit` starts the retry, `empty` completes without emitting (the item
 * succeeds, as with RxJS's `retry`), `error` fails the item with the notifier's error. `delay` 0
 * is synchronous (`of(0)`, `EMPTY`, `throwError`), otherwise it waits on `timer(delay)`.
 */
interface NotifierPlan {
  kind: 'emit' | 'empty' | 'error';
  delay: number;
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
  retry: number | { count: number; delay: number | 'function' } | undefined;
  timeout: number | undefined;
  ordered: boolean;
  halt: HaltStrategy;
  stopAt: number | undefined;
  /** The outside signal: none, already aborted, or aborted at that frame. */
  signal: 'aborted' | number | undefined;
  progress: boolean;
}

const arbNotifier: fc.Arbitrary<NotifierPlan> = fc.record({
  kind: fc.oneof(
    { weight: 3, arbitrary: fc.constant<'emit'>('emit') },
    { weight: 1, arbitrary: fc.constant<'empty'>('empty') },
    { weight: 1, arbitrary: fc.constant<'error'>('error') },
  ),
  delay: fc.constantFrom(0, 1, 3),
});

const arbAttempt: fc.Arbitrary<AttemptPlan> = fc.record({
  duration: fc.constantFrom(0, 2, 4, 6),
  fails: fc.integer({ min: 1, max: 100 }).map((x) => x <= 40),
  notifier: arbNotifier,
});

const arbItem: fc.Arbitrary<ItemPlan> = fc.record({
  gap: fc.oneof(
    { weight: 2, arbitrary: fc.constant(0) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 2 }) },
  ),
  attempts: fc.array(arbAttempt, { minLength: 1, maxLength: 3 }),
});

/** Option generators both families share: a source error now and then, concurrency, overflow, tolerate. */
const arbSourceFails = fc.integer({ min: 1, max: 100 }).map((x) => x <= 15);
const arbConcurrency = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 3 }) },
  { weight: 1, arbitrary: fc.constant(Infinity) },
);
const arbOverflow = fc.constantFrom<OverflowStrategy>('error', 'drop-newest', 'drop-oldest');
const arbTolerate = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 1, arbitrary: fc.constant(Infinity) },
);

const arbScenario: fc.Arbitrary<Scenario> = fc.record({
  kind: fc.constantFrom<'push' | 'pull'>('push', 'pull'),
  items: fc.array(arbItem, { maxLength: 8 }),
  sourceFails: arbSourceFails,
  endGap: fc.integer({ min: 0, max: 3 }),
  concurrency: arbConcurrency,
  bufferSize: fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 2 }) },
    { weight: 1, arbitrary: fc.constant(Infinity) },
  ),
  overflow: arbOverflow,
  tolerate: arbTolerate,
  retry: fc.oneof(
    fc.constant(undefined),
    fc.integer({ min: 0, max: 2 }),
    fc.record({ count: fc.integer({ min: 0, max: 2 }), delay: fc.constantFrom(1, 3) }),
    fc.record({
      count: fc.integer({ min: 1, max: 2 }),
      delay: fc.constant<'function'>('function'),
    }),
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
  signal: fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant<'aborted'>('aborted') },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 16 }) },
  ),
  progress: fc.boolean(),
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
  | 'stop-subscribe' // the pool subscribes to the stop notifier
  | 'stop-release' // the stop notifier's teardown
  | 'delay' // the retry delay function is called after (item, attempt) failed
  | 'wait' // the pool subscribes to the delay notifier of (item, attempt)
  | 'notify' // the delay notifier emits: the retry starts
  | 'notifier-complete' // the delay notifier completes without emitting: the item succeeds
  | 'notifier-error' // the delay notifier errors: the item fails with that error
  | 'wait-release' // the delay notifier's teardown
  | 'outside-abort' // the outside signal aborts
  | 'next' // downstream receives item's value
  | 'error' // downstream receives an error
  | 'complete' // downstream completes
  | 'onFailure'
  | 'onDrop'
  | 'onSettle' // the item settled with `outcome`
  | 'finalize';

interface LogEvent {
  type: EventType;
  frame: number;
  item?: number;
  attempt?: number;
  index?: number;
  /** The retryCount the delay function received. */
  count?: number;
  error?: unknown;
  outcome?: PoolOutcome;
}

/** What `onProgress` saw: the distinct views, a copy of each, and the invariants it broke. */
interface ProgressLog {
  views: Set<unknown>;
  snapshots: PoolProgress[];
  violations: string[];
}

interface Trace {
  scenario: Scenario;
  log: LogEvent[];
  reports: PoolReport<number>[];
  progress: ProgressLog;
  /** Abort listeners on the outside signal when downstream heard the end, and after the run. */
  listeners: { atTerminal: number | undefined; atEnd: number | undefined };
}

const sourceError = new Error('the source failed');
const outsideReason = new Error('aborted from outside');

const COUNTS = [
  'accepted',
  'queued',
  'active',
  'succeeded',
  'failed',
  'retried',
  'dropped',
] as const;

/**
 * An `onProgress` that copies each view and records every invariant it breaks (it never throws:
 * an error thrown by onProgress would halt the pool).
 */
function progressRecorder(concurrency: number): {
  log: ProgressLog;
  onProgress: (progress: Readonly<PoolProgress>) => void;
} {
  const log: ProgressLog = { views: new Set(), snapshots: [], violations: [] };
  const onProgress = (progress: Readonly<PoolProgress>) => {
    log.views.add(progress);
    const p = Object.fromEntries(COUNTS.map((k) => [k, progress[k]])) as unknown as PoolProgress;
    const previous = log.snapshots.at(-1);
    log.snapshots.push(p);
    const broken = (what: string) => log.violations.push(`${what}: ${JSON.stringify(p)}`);
    if (p.accepted < p.succeeded + p.failed + p.dropped) {
      broken('accepted < succeeded + failed + dropped');
    }
    if (p.active > concurrency) broken('active > concurrency');
    for (const k of COUNTS) if (!(p[k] >= 0)) broken(`${k} is negative`);
    if (previous !== undefined) {
      for (const k of ['accepted', 'succeeded', 'failed', 'retried', 'dropped'] as const) {
        if (p[k] < previous[k]) broken(`${k} went down from ${previous[k]}`);
      }
    }
  };
  return { log, onProgress };
}

/** The notifier a delay function returns, as its plan says. */
function notifierFor(plan: NotifierPlan, error: Error): Observable<unknown> {
  const later = timer(plan.delay);
  switch (plan.kind) {
    case 'emit':
      return plan.delay === 0 ? of(0) : later;
    case 'empty':
      return plan.delay === 0 ? EMPTY : later.pipe(ignoreElements());
    case 'error':
      return plan.delay === 0
        ? throwError(() => error)
        : later.pipe(concatMap(() => throwError(() => error)));
  }
}

/**
 * The options both families share, with the callbacks that write the event log; each family adds
 * its own retry, timeout, stop, signal and progress options.
 */
function loggedOptions(
  s: Pick<Scenario, 'concurrency' | 'overflow' | 'tolerate' | 'halt' | 'ordered' | 'bufferSize'>,
  at: (type: EventType, extra?: Omit<LogEvent, 'type' | 'frame'>) => void,
  reports: PoolReport<number>[],
): PoolOptions<number> {
  const options: PoolOptions<number> = {
    concurrency: s.concurrency,
    overflow: s.overflow,
    tolerate: s.tolerate,
    halt: s.halt,
    ordered: s.ordered,
    onFailure: (error, item) => at('onFailure', { item, error }),
    onDrop: (item) => at('onDrop', { item }),
    onSettle: (item, outcome, error) => at('onSettle', { item, outcome, error }),
    onFinalize: (report) => {
      reports.push(report);
      at('finalize');
    },
  };
  if (s.bufferSize !== undefined) options.bufferSize = s.bufferSize;
  return options;
}

function run(s: Scenario): Trace {
  const scheduler = new TestScheduler(() => undefined);
  const log: LogEvent[] = [];
  const reports: PoolReport<number>[] = [];
  const timeouts = new Set<unknown>();
  /** Which attempt failed with which error (a TimeoutError included). */
  const owners = new Map<unknown, { item: number; attempt: number }>();
  const at = (type: EventType, extra: Omit<LogEvent, 'type' | 'frame'> = {}) =>
    log.push({ type, frame: scheduler.now(), ...extra });
  const progress = progressRecorder(s.concurrency);
  const listeners: Trace['listeners'] = { atTerminal: undefined, atEnd: undefined };
  const controller = s.signal === undefined ? undefined : new AbortController();
  const countListeners = () =>
    controller === undefined ? undefined : getEventListeners(controller.signal, 'abort').length;

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
        if (own) {
          timeouts.add(reason);
          owners.set(reason, { item, attempt });
        }
        at(own ? 'timeout' : 'abort', { item, attempt, error: reason });
      });
      return new Observable<number>((subscriber) => {
        at('subscribe', { item, attempt });
        const action = scheduler.schedule(() => {
          if (plan.fails) {
            const error = new Error(`item ${item}, attempt ${attempt}`);
            owners.set(error, { item, attempt });
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

    const delay = (error: unknown, count: number): ObservableInput<unknown> => {
      const owner = owners.get(error);
      at('delay', { item: owner?.item, attempt: owner?.attempt, count, error });
      if (owner === undefined) return throwError(() => new Error('delay: an unknown error'));
      const { item, attempt } = owner;
      const plans = (s.items[item] as ItemPlan).attempts;
      const plan = (plans[Math.min(attempt, plans.length) - 1] as AttemptPlan).notifier;
      const notifier = notifierFor(plan, new Error(`notifier of item ${item}, retry ${count}`));
      return new Observable<unknown>((subscriber) => {
        at('wait', { item, attempt });
        let emitted = false;
        const subscription = notifier.subscribe({
          next: (value) => {
            if (subscriber.closed) return;
            emitted = true;
            at('notify', { item, attempt });
            subscriber.next(value);
          },
          error: (e: unknown) => {
            at('notifier-error', { item, attempt, error: e });
            subscriber.error(e);
          },
          complete: () => {
            if (!emitted) at('notifier-complete', { item, attempt });
            subscriber.complete();
          },
        });
        return () => {
          subscription.unsubscribe();
          at('wait-release', { item, attempt });
        };
      });
    };

    const stop =
      s.stopAt === undefined
        ? undefined
        : new Observable<void>((subscriber) => {
            at('stop-subscribe');
            const action = scheduler.schedule(() => {
              at('stop');
              subscriber.next();
            }, s.stopAt);
            return () => {
              action.unsubscribe();
              at('stop-release');
            };
          });

    const options = loggedOptions(s, at, reports);
    if (s.retry !== undefined) {
      options.retry =
        typeof s.retry === 'number' || s.retry.delay !== 'function'
          ? (s.retry as number | { count: number; delay: number })
          : { count: s.retry.count, delay };
    }
    if (s.timeout !== undefined) options.timeout = s.timeout;
    if (stop !== undefined) options.stop = stop;
    if (s.progress) options.onProgress = progress.onProgress;
    if (controller !== undefined) {
      options.signal = controller.signal;
      const abort = () => {
        at('outside-abort', { error: outsideReason });
        controller.abort(outsideReason);
      };
      if (s.signal === 'aborted') abort();
      else scheduler.schedule(abort, s.signal as number);
    }

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
      error: (error: unknown) => {
        listeners.atTerminal = countListeners();
        at('error', { error });
      },
      complete: () => {
        listeners.atTerminal = countListeners();
        at('complete');
      },
    });
  });
  listeners.atEnd = countListeners();
  return { scenario: s, log, reports, progress: progress.log, listeners };
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
  'delay',
  'wait',
  'notify',
  'notifier-complete',
  'notifier-error',
]);

function isTerminal(e: LogEvent): boolean {
  return e.type === 'error' || e.type === 'complete';
}

/**
 * An item's failure after which no retry may follow: its last attempt failing or timing out, or
 * a delay notifier erroring.
 */
function isFinalFailure(e: LogEvent, last: number): boolean {
  return (
    ((e.type === 'fail' || e.type === 'timeout') && e.attempt === last) ||
    e.type === 'notifier-error'
  );
}

/** An item's end without failure: its attempt done, or its retries ended by a silent notifier. */
function isSuccess(e: LogEvent): boolean {
  return e.type === 'done' || e.type === 'notifier-complete';
}

/** The final failures (see {@link isFinalFailure}), in the order they happened. */
function finalFailures(t: Trace): number[] {
  const last = retryCount(t.scenario) + 1;
  const found: number[] = [];
  t.log.forEach((e, i) => {
    if (isFinalFailure(e, last)) found.push(i);
  });
  return found;
}

interface Halt {
  at: number;
  error: unknown;
  cause: 'failure' | 'source' | 'overflow' | 'signal';
}

/** Where the pool must halt, and with which error, as the oracle sees it. */
function expectedHalt(t: Trace): Halt | undefined {
  const candidates: Halt[] = [];
  const failures = finalFailures(t);
  const k = t.scenario.tolerate;
  if (Number.isFinite(k) && failures.length > k) {
    const i = failures[k] as number;
    candidates.push({ at: i, error: t.log[i]?.error, cause: 'failure' });
  }
  const sourceErrorAt = t.log.findIndex((e) => e.type === 'source-error');
  if (sourceErrorAt >= 0)
    candidates.push({ at: sourceErrorAt, error: sourceError, cause: 'source' });
  // The outside signal counts when it aborted before the end (an abort after it is ignored).
  const abortAt = t.log.findIndex((e) => e.type === 'outside-abort');
  const end = terminalIndex(t);
  if (abortAt >= 0 && (end < 0 || abortAt < end)) {
    candidates.push({ at: abortAt, error: outsideReason, cause: 'signal' });
  }
  const terminal = t.log.find(isTerminal);
  if (terminal?.type === 'error' && terminal.error instanceof BufferOverflowError) {
    const item = (terminal.error as BufferOverflowError<number>).item;
    const emitAt = t.log.findIndex((e) => e.type === 'emit' && e.item === item);
    candidates.push({ at: emitAt, error: terminal.error, cause: 'overflow' });
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
      if (e.count !== undefined) parts.push(`retryCount ${e.count}`);
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

/**
 * Every subscription of the given kind ends before downstream hears the end: released, or ended by
 * one of `ends` (a synchronous notifier ends inside its own subscribe call, before its teardown is
 * registered: its release is logged only once that call returns).
 */
function expectReleasedBeforeEnd(t: Trace, open: EventType, ends: EventType[]): void {
  const end = terminalIndex(t);
  const held = new Set<string>();
  for (const e of t.log.slice(0, end)) {
    const key = `${e.item}/${e.attempt}`;
    if (e.type === open) held.add(key);
    if (ends.includes(e.type)) held.delete(key);
  }
  expect([...held].map((key) => `${open} ${key}`)).toEqual([]);
}

/** What ends a retry wait. */
const WAIT_ENDS: EventType[] = ['wait-release', 'notify', 'notifier-complete', 'notifier-error'];

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('property: policies', () => {
  it('settles every accepted item exactly once, and the report is made of the same events, in the same order', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const t = run(s);
        withTrace(t, () => {
          const report = t.reports[0]!;
          const settles = t.log.filter((e) => e.type === 'onSettle');
          const finalize = t.log.findIndex((e) => e.type === 'finalize');
          // Every settle comes before onFinalize.
          expect(t.log.slice(finalize).some((e) => e.type === 'onSettle')).toBe(false);
          expect(settles).toHaveLength(report.accepted);
          const of = (outcome: PoolOutcome) =>
            settles.filter((e) => e.outcome === outcome).map((e) => e.item);
          expect(of('succeeded')).toHaveLength(report.succeeded);
          expect(of('failed')).toHaveLength(report.failed);
          expect(of('dropped')).toHaveLength(report.dropped);
          expect(of('unstarted')).toEqual(report.unstarted);
          expect(of('unfinished')).toEqual(report.unfinished);
          // onFailure and onDrop are the same events: each follows its item's settle.
          expect(t.log.filter((e) => e.type === 'onFailure').map((e) => e.item)).toEqual(
            of('failed'),
          );
          expect(t.log.filter((e) => e.type === 'onDrop').map((e) => e.item)).toEqual(
            of('dropped'),
          );
          for (const e of settles) {
            if (e.outcome === 'failed') expect(e.error).toBeDefined();
          }
        });
      }),
      params,
    );
  });

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
              terminal.error === sourceError ||
                terminal.error === outsideReason ||
                terminal.error instanceof BufferOverflowError,
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
          const emptied = new Set<number>();
          const delivered: number[] = [];
          for (const [i, e] of t.log.entries()) {
            if (finals.has(i)) failed.add(e.item as number);
            if (e.type === 'onDrop') dropped.add(e.item as number);
            if (e.type === 'notifier-complete') emptied.add(e.item as number);
            if (e.type !== 'next') continue;
            const item = e.item as number;
            // Every earlier item left the line first: delivered, failed, dropped, or ended with
            // no result by a silent retry notifier.
            for (let earlier = 0; earlier < item; earlier++) {
              const settled =
                delivered.includes(earlier) ||
                failed.has(earlier) ||
                dropped.has(earlier) ||
                emptied.has(earlier);
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
      signal: undefined,
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

  it('with a delay function, retries only when its notifier emits, with the error and retryCount', () => {
    const arbDelayed = arbScenario.chain((s) =>
      fc
        .integer({ min: 1, max: 2 })
        .map((count) => ({ ...s, retry: { count, delay: 'function' as const } })),
    );
    fc.assert(
      fc.property(arbDelayed, (s) => {
        const t = run(s);
        withTrace(t, () => {
          const last = retryCount(s) + 1;
          // Called once per failed attempt that may still be retried, with that attempt's own
          // error and retryCount = the attempt that failed.
          const retriable = t.log.filter(
            (e) => (e.type === 'fail' || e.type === 'timeout') && (e.attempt as number) < last,
          );
          const delays = t.log.filter((e) => e.type === 'delay');
          expect(delays.map((e) => [e.item, e.attempt, e.count])).toEqual(
            delays.map((e) => [e.item, e.count, e.count]),
          );
          const key = (e: LogEvent) => `${e.item}/${e.attempt}`;
          expect(delays.map(key)).toEqual(
            retriable.filter((e) => delays.some((d) => key(d) === key(e))).map(key),
          );
          // A retry starts in the same call stack as its notifier's first value, and only then.
          t.log.forEach((e, i) => {
            if (e.type !== 'call' || (e.attempt as number) === 1) return;
            const previous = t.log
              .slice(0, i)
              .filter((p) => p.item === e.item && ['notify', 'wait'].includes(p.type))
              .at(-1);
            expect(previous).toMatchObject({ type: 'notify', attempt: (e.attempt as number) - 1 });
          });
          const notified = t.log.filter((e) => e.type === 'notify').map(key);
          const retriedAttempts = t.log
            .filter((e) => e.type === 'call' && (e.attempt as number) > 1)
            .map((e) => `${e.item}/${(e.attempt as number) - 1}`);
          expect(retriedAttempts).toEqual(notified);
          // A notifier that completes or errors ends the item: no further attempt.
          for (const end of t.log.filter(
            (e) => e.type === 'notifier-complete' || e.type === 'notifier-error',
          )) {
            const later = t.log.filter(
              (e) => e.type === 'call' && e.item === end.item && e.attempt! > end.attempt!,
            );
            expect(later).toEqual([]);
          }
          // onFailure hears a notifier's error itself.
          const notifierErrors = t.log.filter((e) => e.type === 'notifier-error');
          const onFailures = t.log.filter((e) => e.type === 'onFailure');
          for (const e of notifierErrors) {
            expect(onFailures.some((f) => f.item === e.item && f.error === e.error)).toBe(true);
          }
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

  it('with an outside signal, halts at once with its reason and leaves no listener behind', () => {
    const arbSignalled = arbScenario.chain((s) =>
      fc
        .oneof(
          { weight: 1, arbitrary: fc.constant<'aborted'>('aborted') },
          { weight: 3, arbitrary: fc.integer({ min: 0, max: 16 }) },
        )
        .map((signal) => ({ ...s, signal })),
    );
    fc.assert(
      fc.property(arbSignalled, (s) => {
        const t = run(s);
        withTrace(t, () => {
          expect(t.listeners).toEqual({ atTerminal: 0, atEnd: 0 });
          const end = terminalIndex(t);
          const abortAt = t.log.findIndex((e) => e.type === 'outside-abort');
          if (abortAt > end) return;
          const halt = expectedHalt(t) as Halt;
          const terminal = t.log[end] as LogEvent;
          expect(terminal.type).toBe('error');
          expect(t.reports[0]).toMatchObject({ reason: 'error', error: terminal.error });
          // The signal aborted the run before anything else halted it: downstream hears its reason
          // in the same call stack. Otherwise (a drain) the first error stays the one delivered.
          expect(terminal.error).toBe(halt.error);
          if (halt.cause === 'signal') expect(terminal.frame).toBe(t.log[abortAt]?.frame);
          expect(t.log.slice(abortAt + 1, end).filter((e) => ACTIVITY.has(e.type))).toEqual([]);
          if (s.signal === 'aborted') {
            // Nothing taken, nothing started, an empty ledger.
            expect(t.log.filter((e) => ['emit', 'pull', 'call'].includes(e.type))).toEqual([]);
            expect(t.reports[0]).toMatchObject({
              accepted: 0,
              unstarted: [],
              unfinished: [],
              succeeded: 0,
            });
          }
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

          // No timer, notifier or listener left behind: every retry wait and the stop notifier
          // are released before downstream hears the end, the outside signal has no listener.
          expectReleasedBeforeEnd(t, 'wait', WAIT_ENDS);
          expectReleasedBeforeEnd(t, 'stop-subscribe', ['stop-release']);
          if (s.signal !== undefined) expect(t.listeners).toEqual({ atTerminal: 0, atEnd: 0 });

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
          // Items whose retries a silent notifier ended: succeeded, with no result (ordered may
          // still hold them back behind an earlier item at a halt).
          const emptied = itemsWith(t, 'notifier-complete');
          const failed = new Set(finalFailures(t).map((i) => t.log[i]?.item as number));
          const called = itemsWith(t, 'call');
          const unfinished = new Set(report.unfinished);
          const emptiedDone = [...emptied].filter((item) => !unfinished.has(item));
          expect(report.succeeded).toBe(delivered.size + emptiedDone.length);
          expect(report.failed).toBe(failed.size);
          expect(report.dropped).toBe(itemsWith(t, 'onDrop').size);
          for (const item of report.unstarted) expect(called.has(item)).toBe(false);
          for (const item of report.unfinished) {
            expect(called.has(item)).toBe(true);
            const ended = delivered.has(item) || failed.has(item);
            expect({ item, ended }).toEqual({ item, ended: false });
            if (!s.ordered)
              expect({ item, emptied: emptied.has(item) }).toMatchObject({ emptied: false });
          }
          const ascending = (list: number[]) => [...list].sort((a, b) => a - b);
          expect(report.unstarted).toEqual(ascending(report.unstarted));
          expect(report.unfinished).toEqual(ascending(report.unfinished));

          // onFailure: once per final failure, in failure order, with the final error.
          const onFailures = t.log.filter((e) => e.type === 'onFailure');
          expect(onFailures.map((e) => [e.item, e.error])).toEqual(
            finalFailures(t).map((i) => [t.log[i]?.item, t.log[i]?.error]),
          );

          // Never more than `concurrency` items active when one starts.
          const ended = new Set<number>();
          const started = new Set<number>();
          const last = retryCount(s) + 1;
          for (const e of t.log) {
            if (isSuccess(e) || e.type === 'abort' || isFinalFailure(e, last)) {
              ended.add(e.item as number);
            }
            if (e.type === 'call' && e.attempt === 1) {
              started.add(e.item as number);
              const active = [...started].filter((item) => !ended.has(item)).length;
              expect(active).toBeLessThanOrEqual(s.concurrency);
            }
          }

          // The pulled-ahead bound: pulled and not yet delivered, failed or ended with no result.
          if (s.kind === 'pull') {
            const bound = s.concurrency + (s.bufferSize ?? 0);
            const settled = new Set<number>();
            let pulled = 0;
            for (const e of t.log) {
              if (e.type === 'next' || e.type === 'notifier-complete' || isFinalFailure(e, last)) {
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

          // onProgress: the same view every call, and its invariants kept.
          if (s.progress) {
            expect(t.progress.violations).toEqual([]);
            expect(t.progress.views.size).toBeLessThanOrEqual(1);
          }
        });
      }),
      { numRuns: 400 },
    );
  });

  it("with onProgress, its last view shows the report's counts", () => {
    fc.assert(
      fc.property(
        arbScenario.map((s) => ({ ...s, progress: true })),
        (s) => {
          const t = run(s);
          withTrace(t, () => {
            // Called after each change of the counts: the last call saw the final counts.
            const report = t.reports[0] as PoolReport<number>;
            const { accepted, succeeded, failed, retried, dropped } = report;
            const lastView = t.progress.snapshots.at(-1) ?? {
              accepted: 0,
              succeeded: 0,
              failed: 0,
              retried: 0,
              dropped: 0,
            };
            expect(lastView).toMatchObject({ accepted, succeeded, failed, retried, dropped });
          });
        },
      ),
      params,
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
          // (A stop may have released the source already; an already-aborted signal may keep
          // the pool from subscribing to it at all.)
          const sourceEnded = t.log
            .slice(0, halt.at + 1)
            .some((e) => ['source-complete', 'source-error', 'source-release'].includes(e.type));
          // The source is released at once: in the frame of the halt, before the error.
          if (!sourceEnded && s.signal !== 'aborted') {
            const release = between.find((e) => e.type === 'source-release');
            expect(release?.frame).toBe(t.log[halt.at]?.frame);
          }
          expect(between.filter((e) => e.type === 'emit' || e.type === 'pull')).toEqual([]);
          expect(between.filter((e) => e.type === 'call' && e.attempt === 1)).toEqual([]);
          // Every attempt that started, and every retry wait, has ended before downstream hears
          // the error.
          const open = new Set<string>();
          for (const e of t.log.slice(0, end)) {
            const key = `${e.item}/${e.attempt}`;
            if (e.type === 'subscribe') open.add(key);
            if (['done', 'fail', 'release'].includes(e.type)) open.delete(key);
          }
          expect([...open]).toEqual([]);
          expectReleasedBeforeEnd(t, 'wait', WAIT_ENDS);
          // The outside signal aborts like halt: 'abort', even during a drain.
          const abortAt = t.log.findIndex((e) => e.type === 'outside-abort');
          const aborting = s.halt === 'abort' || halt.cause === 'signal';
          if (aborting) {
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
            // A drain aborts nothing, until the outside signal cuts it short.
            const drained =
              abortAt > halt.at && abortAt < end ? t.log.slice(halt.at + 1, abortAt) : between;
            expect(drained.filter((e) => e.type === 'abort')).toEqual([]);
          }
        });
      }),
      params,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Promises and async work under real microtasks
// ---------------------------------------------------------------------------------------------

/** `n` microtask hops. */
async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

/** Lets pending promise reactions and immediates run. */
async function settle(rounds = 1): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A promise that records whether anyone handles its rejection: a rejected `Watched` with
 * `handled === false` at the end would be an unhandled rejection.
 */
class Watched<T> extends Promise<T> {
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  handled = false;

  override then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    if (typeof onRejected === 'function') this.handled = true;
    return super.then(onFulfilled, onRejected);
  }
}

interface AsyncAttempt {
  /** Microtask hops until the attempt settles. */
  ticks: number;
  fails: boolean;
  /** The delay notifier after this attempt fails: a promise, or a synchronous observable. */
  notifier: { kind: 'resolve' | 'reject' | 'of' | 'empty' | 'error'; ticks: number };
}

interface AsyncItem {
  gap: number;
  /** What work returns: a controlled promise, or an observable that settles synchronously. */
  work: 'promise' | 'sync';
  attempts: AsyncAttempt[];
}

interface AsyncScenario {
  kind: 'push' | 'pull';
  items: AsyncItem[];
  sourceFails: boolean;
  concurrency: number;
  bufferSize: number | undefined;
  overflow: OverflowStrategy;
  tolerate: number;
  retry: number | { count: number; delay: 'function' } | undefined;
  /** A timeout far beyond the run: it never expires, but each attempt's timer must go. */
  timeout: boolean;
  ordered: boolean;
  halt: HaltStrategy;
  /** The outside signal: none, already aborted, or aborted after that many microtask hops. */
  signal: 'aborted' | number | undefined;
  progress: boolean;
}

const arbAsyncScenario: fc.Arbitrary<AsyncScenario> = fc.record({
  kind: fc.constantFrom<'push' | 'pull'>('push', 'pull'),
  items: fc.array(
    fc.record({
      gap: fc.integer({ min: 0, max: 3 }),
      work: fc.oneof(
        { weight: 3, arbitrary: fc.constant<'promise'>('promise') },
        { weight: 1, arbitrary: fc.constant<'sync'>('sync') },
      ),
      attempts: fc.array(
        fc.record({
          ticks: fc.integer({ min: 0, max: 8 }),
          fails: fc.integer({ min: 1, max: 100 }).map((x) => x <= 40),
          notifier: fc.record({
            kind: fc.constantFrom<AsyncAttempt['notifier']['kind']>(
              'resolve',
              'resolve',
              'reject',
              'of',
              'empty',
              'error',
            ),
            ticks: fc.integer({ min: 0, max: 6 }),
          }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
    { maxLength: 8 },
  ),
  sourceFails: arbSourceFails,
  concurrency: arbConcurrency,
  bufferSize: fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 2 }) },
  ),
  overflow: arbOverflow,
  tolerate: arbTolerate,
  retry: fc.oneof(
    fc.constant(undefined),
    fc.integer({ min: 0, max: 2 }),
    fc.record({
      count: fc.integer({ min: 1, max: 2 }),
      delay: fc.constant<'function'>('function'),
    }),
  ),
  timeout: fc.boolean(),
  ordered: fc.boolean(),
  halt: fc.constantFrom<HaltStrategy>('abort', 'drain'),
  signal: fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant<'aborted'>('aborted') },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 30 }) },
  ),
  progress: fc.boolean(),
});

interface AsyncTrace {
  scenario: AsyncScenario;
  log: LogEvent[];
  reports: PoolReport<number>[];
  progress: ProgressLog;
  /** Promises that rejected (work or notifier), each to be handled by the pool. */
  rejected: Watched<unknown>[];
  listeners: number | undefined;
  timersBefore: number;
  timersAfter: number;
  /** The most next() calls the pool had pending at once on the async iterator. */
  maxPendingNext: number;
}

async function runAsync(s: AsyncScenario): Promise<AsyncTrace> {
  const log: LogEvent[] = [];
  const reports: PoolReport<number>[] = [];
  const rejected: Watched<unknown>[] = [];
  let step = 0;
  const at = (type: EventType, extra: Omit<LogEvent, 'type' | 'frame'> = {}) =>
    log.push({ type, frame: step++, ...extra });
  const owners = new Map<unknown, { item: number; attempt: number }>();
  const progress = progressRecorder(s.concurrency);
  const timersBefore = jest.getTimerCount();

  /** A promise that settles after `n` hops: `settleIt` returns its value or throws. */
  const controlled = <V>(n: number, settleIt: () => V): Watched<V> => {
    const promise = new Watched<V>((resolve, reject) => {
      void ticks(n).then(() => {
        try {
          resolve(settleIt());
        } catch (error) {
          rejected.push(promise as Watched<unknown>);
          reject(error);
        }
      });
    });
    return promise;
  };

  const planOf = (item: number, attempt: number): AsyncAttempt => {
    const plans = (s.items[item] as AsyncItem).attempts;
    return plans[Math.min(attempt, plans.length) - 1] as AsyncAttempt;
  };

  const work = (item: number, context: WorkContext): ObservableInput<number> => {
    const { attempt, index, signal } = context;
    at('call', { item, attempt, index });
    const plan = planOf(item, attempt);
    signal.addEventListener('abort', () => at('abort', { item, attempt, error: signal.reason }));
    const error = new Error(`item ${item}, attempt ${attempt}`);
    owners.set(error, { item, attempt });
    if ((s.items[item] as AsyncItem).work === 'sync') {
      if (plan.fails) {
        at('fail', { item, attempt, error });
        throw error;
      }
      at('done', { item, attempt });
      return of(item);
    }
    return controlled(plan.ticks, () => {
      if (plan.fails) {
        at('fail', { item, attempt, error });
        throw error;
      }
      at('done', { item, attempt });
      return item;
    });
  };

  const delay = (error: unknown, count: number): ObservableInput<unknown> => {
    const owner = owners.get(error);
    at('delay', { item: owner?.item, attempt: owner?.attempt, count, error });
    if (owner === undefined) return throwError(() => new Error('delay: an unknown error'));
    const { item, attempt } = owner;
    const { kind, ticks: n } = planOf(item, attempt).notifier;
    const notifierError = new Error(`notifier of item ${item}, retry ${count}`);
    switch (kind) {
      case 'resolve':
        return controlled(n, () => 0);
      case 'reject':
        return controlled(n, () => {
          throw notifierError;
        });
      case 'of':
        return of(0);
      case 'empty':
        // Logged as it completes: the pool learns of it in the same call stack.
        return new Observable<never>((subscriber) => {
          at('notifier-complete', { item, attempt });
          subscriber.complete();
        });
      case 'error':
        return throwError(() => notifierError);
    }
  };

  const options = loggedOptions(s, at, reports);
  if (s.retry !== undefined) {
    options.retry = typeof s.retry === 'number' ? s.retry : { count: s.retry.count, delay };
  }
  if (s.timeout) options.timeout = 600_000;
  if (s.progress) options.onProgress = progress.onProgress;
  const controller = s.signal === undefined ? undefined : new AbortController();
  if (controller !== undefined) {
    options.signal = controller.signal;
    const abort = () => {
      at('outside-abort', { error: outsideReason });
      controller.abort(outsideReason);
    };
    if (s.signal === 'aborted') abort();
    else void ticks(s.signal as number).then(abort);
  }

  let pendingNext = 0;
  let maxPendingNext = 0;
  let result: Observable<number>;
  if (s.kind === 'push') {
    const source = new Observable<number>((subscriber) => {
      let released = false;
      void (async () => {
        for (let item = 0; item < s.items.length; item++) {
          await ticks((s.items[item] as AsyncItem).gap);
          if (released) return;
          at('emit', { item });
          subscriber.next(item);
        }
        await ticks(1);
        if (released) return;
        if (s.sourceFails) {
          at('source-error', { error: sourceError });
          subscriber.error(sourceError);
        } else {
          at('source-complete');
          subscriber.complete();
        }
      })();
      return () => {
        released = true;
        at('source-release');
      };
    });
    result = source.pipe(pool(work, options));
  } else {
    const generator = (async function* (): AsyncGenerator<number> {
      try {
        for (let item = 0; item < s.items.length; item++) {
          await ticks((s.items[item] as AsyncItem).gap);
          at('pull', { item });
          yield item;
        }
        await ticks(1);
        if (s.sourceFails) {
          at('source-error', { error: sourceError });
          throw sourceError;
        }
        at('source-complete');
      } finally {
        at('source-release');
      }
    })();
    const counted: AsyncIterableIterator<number> = {
      [Symbol.asyncIterator]() {
        return this;
      },
      next: () => {
        pendingNext++;
        maxPendingNext = Math.max(maxPendingNext, pendingNext);
        return generator.next().finally(() => pendingNext--);
      },
      return: (value?: unknown) => generator.return(value as number),
    };
    result = poolFrom(counted, work, options);
  }
  let ended = false;
  result.subscribe({
    next: (item) => at('next', { item }),
    error: (error: unknown) => {
      ended = true;
      at('error', { error });
    },
    complete: () => {
      ended = true;
      at('complete');
    },
  });
  for (let i = 0; i < 200 && !ended; i++) await settle();
  // Late settlements, abandoned promises, generator `finally` blocks.
  await settle(3);
  return {
    scenario: s,
    log,
    reports,
    progress: progress.log,
    rejected,
    listeners:
      controller === undefined ? undefined : getEventListeners(controller.signal, 'abort').length,
    timersBefore,
    timersAfter: jest.getTimerCount(),
    maxPendingNext,
  };
}

function asyncRetryCount(s: AsyncScenario): number {
  if (s.retry === undefined) return 0;
  return typeof s.retry === 'number' ? s.retry : s.retry.count;
}

/** Runs `check` on the trace; on failure, the trace is printed with the assertion's message. */
function withAsyncTrace(t: AsyncTrace, check: () => void): void {
  withTrace(t as unknown as Trace, check);
}

/** The core guarantees, read from the log of a run under real microtasks. */
function checkAsync(t: AsyncTrace): void {
  const s = t.scenario;
  const log = t.log;
  // One terminal notification, one report handed over before it, nothing done after it.
  const terminals = log.filter(isTerminal);
  expect(terminals).toHaveLength(1);
  expect(t.reports).toHaveLength(1);
  const end = log.findIndex(isTerminal);
  const terminal = log[end] as LogEvent;
  expect(log.findIndex((e) => e.type === 'finalize')).toBeLessThan(end);
  const afterEnd = log
    .slice(end + 1)
    .filter((e) => ['call', 'next', 'delay', 'emit', 'onFailure', 'onDrop'].includes(e.type));
  expect(afterEnd).toEqual([]);
  const report = t.reports[0] as PoolReport<number>;
  if (terminal.type === 'error') {
    expect(report).toMatchObject({ reason: 'error' });
    expect(report.error).toBe(terminal.error);
  } else {
    expect(['complete', 'stopped']).toContain(report.reason);
  }

  // No unhandled rejection, no timer, no listener left behind.
  expect(t.rejected.filter((promise) => !promise.handled)).toEqual([]);
  expect(t.timersAfter).toBe(t.timersBefore);
  if (s.signal !== undefined) expect(t.listeners).toBe(0);

  // The ledger, and each count against the log.
  expect(report.accepted).toBe(
    report.succeeded +
      report.failed +
      report.dropped +
      report.unstarted.length +
      report.unfinished.length,
  );
  const items = (type: EventType, before = log.length) =>
    new Set(
      log
        .slice(0, before)
        .filter((e) => e.type === type)
        .map((e) => e.item as number),
    );
  const overflowed = terminal.error instanceof BufferOverflowError ? 1 : 0;
  if (s.kind === 'push') {
    expect(report.accepted).toBe(items('emit').size - overflowed);
  } else {
    const pulled = items('pull').size;
    expect(report.accepted).toBeLessThanOrEqual(pulled);
    expect(pulled).toBeLessThanOrEqual(report.accepted + 1);
    expect(t.maxPendingNext).toBeLessThanOrEqual(1);
  }
  const delivered = items('next');
  const called = items('call');
  const emptied = items('notifier-complete');
  const onFailures = log.filter((e) => e.type === 'onFailure');
  const failed = new Set(onFailures.map((e) => e.item as number));
  expect(failed.size).toBe(onFailures.length);
  expect(report.failed).toBe(failed.size);
  const unfinished = new Set(report.unfinished);
  const emptiedDone = [...emptied].filter((item) => !unfinished.has(item));
  expect(report.succeeded).toBe(delivered.size + emptiedDone.length);
  expect(report.dropped).toBe(items('onDrop').size);
  for (const item of report.unstarted) expect(called.has(item)).toBe(false);
  for (const item of report.unfinished) {
    expect(called.has(item)).toBe(true);
    expect(delivered.has(item) || failed.has(item)).toBe(false);
  }

  // Retries: at most n+1 calls per item, attempt counting, report.retried.
  const calls = log.filter((e) => e.type === 'call');
  const last = asyncRetryCount(s) + 1;
  for (const item of called) {
    const attempts = calls.filter((c) => c.item === item).map((c) => c.attempt);
    expect(attempts.length).toBeLessThanOrEqual(last);
    expect(attempts).toEqual(attempts.map((_a, i) => i + 1));
  }
  expect(report.retried).toBe(calls.filter((c) => (c.attempt as number) > 1).length);

  // The halt: its error is the (k+1)-th failure's, the source's, the outside signal's or an
  // overflow; and k+1 failures always halt.
  const k = s.tolerate;
  if (terminal.type === 'error') {
    const known =
      terminal.error === sourceError ||
      terminal.error === outsideReason ||
      terminal.error instanceof BufferOverflowError ||
      (onFailures.length > k && terminal.error === onFailures[k]?.error);
    expect(known).toBe(true);
  }
  if (onFailures.length > k) expect(terminal.type).toBe('error');
  if (s.signal === 'aborted') {
    expect(terminal.error).toBe(outsideReason);
    expect(log.filter((e) => ['emit', 'pull', 'call'].includes(e.type))).toEqual([]);
  }
  const abortAt = log.findIndex((e) => e.type === 'outside-abort');
  if (abortAt >= 0 && abortAt < end) {
    expect(terminal.type).toBe('error');
    // Nothing new starts once the outside signal aborted.
    expect(log.slice(abortAt, end).filter((e) => e.type === 'call')).toEqual([]);
  }

  // Never more than `concurrency` active (the log sees an item end no later than the pool does).
  const ended = new Set<number>();
  const started = new Set<number>();
  for (const e of log) {
    const final = (e.type === 'fail' && e.attempt === last) || e.type === 'onFailure';
    if (e.type === 'done' || e.type === 'notifier-complete' || e.type === 'abort' || final) {
      ended.add(e.item as number);
    }
    if (e.type === 'call' && e.attempt === 1) {
      started.add(e.item as number);
      expect([...started].filter((item) => !ended.has(item)).length).toBeLessThanOrEqual(
        s.concurrency,
      );
    }
  }

  // The pulled-ahead bound: pulled and not yet delivered, failed or ended with no result.
  if (s.kind === 'pull') {
    const bound = s.concurrency + (s.bufferSize ?? 0);
    const settled = new Set<number>();
    let pulled = 0;
    for (const e of log) {
      if (['next', 'onFailure', 'notifier-complete'].includes(e.type)) {
        settled.add(e.item as number);
      }
      if (e.type === 'pull') {
        pulled++;
        expect(pulled - settled.size).toBeLessThanOrEqual(bound);
      }
    }
  }

  // onProgress: the same view every call, and its invariants kept.
  if (s.progress) {
    expect(t.progress.violations).toEqual([]);
    expect(t.progress.views.size).toBeLessThanOrEqual(1);
  }
}

describe('property: issue-3 policies with promises under real microtasks', () => {
  // Timers are faked only to be counted (none is ever advanced): microtasks and the immediates
  // that let them run stay real.
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('keeps the core guarantees with promise work, promise notifiers, an outside signal and onProgress', async () => {
    await fc.assert(
      fc.asyncProperty(arbAsyncScenario, async (s) => {
        const t = await runAsync(s);
        withAsyncTrace(t, () => checkAsync(t));
      }),
      { numRuns: 300 },
    );
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// The property above, shrunk: an item failure that halts the pool (halt: 'abort') changes
// `failed` and `active`, but onProgress is not called after it.
// ---------------------------------------------------------------------------------------------

describe('onProgress at a fatal failure (minimal case of the property above)', () => {
  it('hands onProgress the failure that halts the pool before downstream hears it', () => {
    const failure = new Error('a failed');
    const views: PoolProgress[] = [];
    const reports: PoolReport<string>[] = [];
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(
      ({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-a|');
        const inner = cold('-#', undefined, failure);
        const result = source.pipe(
          pool(() => inner, {
            concurrency: 1,
            onProgress: (p) =>
              views.push(
                Object.fromEntries(COUNTS.map((k) => [k, p[k]])) as unknown as PoolProgress,
              ),
            onFinalize: (report) => reports.push(report),
          }),
        );
        expectObservable(result).toBe('--#', undefined, failure);
        expectSubscriptions(source.subscriptions).toBe('^-!');
        expectSubscriptions(inner.subscriptions).toBe('-^!');
      },
    );
    expect(reports[0]).toMatchObject({ reason: 'error', accepted: 1, failed: 1 });
    // Got: { accepted: 1, queued: 0, active: 1, succeeded: 0, failed: 0, ... } (the view at 1).
    expect(views.at(-1)).toMatchObject({ accepted: 1, queued: 0, active: 0, failed: 1 });
  });
});
