import {
  asyncScheduler,
  from,
  TimeoutError,
  type Observable,
  type ObservableInput,
  type Subscriber,
} from 'rxjs';
import { BufferOverflowError } from '../errors.js';
import type { PoolOutcome, PoolSource, PoolSourceTarget } from '../sources/poolSource.js';
import { PushSourceSubscriber, type PushTarget } from '../sources/pushSource.js';
import type { SourceConnector } from '../sources/toSource.js';
import type { PoolEndReason, PoolProgress, Work, WorkContext } from '../types.js';
import { abortContext, createWorkContext, type AbortableContext } from './attemptContext.js';
import { isPromiseLike } from './isPromiseLike.js';
import { Job, JobStatus, Starting } from './job.js';
import { JobLine, type FlushTarget } from './jobLine.js';
import { Ledger } from './ledger.js';
import type { ResolvedOptions } from '../policies/options.js';
import { emptyProgress, type ProgressSnapshot } from './progressView.js';
import { reportIfHandled, reportLost } from './reportLost.js';
import { RingQueue } from './ringQueue.js';
import { AttemptSubscriber, CallbackSubscriber, type AttemptTarget } from './subscribers.js';

/** Where the engine delivers results and its one terminal notification. @internal */
export interface Sink<R> {
  next(value: R): void;
  error(error: unknown): void;
  complete(): void;
  /**
   * A `for await` loop's sink: it may keep the result it is handed for later
   * ({@link PoolEngine.retainResult}), so the engine remembers whose result it is handing over.
   */
  readonly retainsResults?: boolean;
}

const enum State {
  /** Taking items and starting work. */
  Running,
  /** `stop` fired: the source is released, nothing new starts, in-flight items finish. */
  Stopping,
  /** A fatal error with `halt: 'drain'`: as Stopping, then the error is delivered. */
  Draining,
  /**
   * A fatal error with `halt: 'abort'` is decided and its callbacks run: nothing is accepted or
   * started, no other end can replace it, and the halt follows as soon as they return.
   */
  Halting,
  /**
   * The end is decided: the teardown runs (or waits for a synchronous pull to return), then the
   * end waits for a `for await` loop to take the results it was handed and for the source's
   * `close()`; nothing is accepted, started or counted but what that waiting settles.
   */
  Ending,
  /** Finalized: the report went out and downstream heard the end (or had gone). */
  Done,
}

/** An end that waits: for a synchronous pull to return, or for a `for await` loop's backlog. */
interface PendingEnd<R> {
  readonly reason: PoolEndReason;
  readonly error: unknown;
  readonly abortReason: unknown;
  /** Jobs abandoned by the teardown, oldest first; reported `unfinished` when the end finishes. */
  unfinished?: Job<unknown, R>[] | undefined;
}

/**
 * The engine's side of the {@link PoolSourceTarget} protocol: what a pull source may call. A
 * class of its own so that a source reaches nothing of the engine but these four methods.
 */
class SourceTarget<T> implements PoolSourceTarget<T> {
  constructor(private readonly engine: PoolEngine<T, unknown>) {}
  next(item: T): boolean {
    return this.engine.acceptPulled(item);
  }
  ready(): void {
    this.engine.sourceReady();
  }
  complete(): void {
    this.engine.sourceCompleted();
  }
  error(error: unknown): void {
    this.engine.sourceFailed(error);
  }
}

/**
 * The state machine behind {@link pool} and {@link poolFrom}: one instance per subscription.
 *
 * The rules it keeps:
 * - Work starts only where {@link canStart} allows it: from the `pump` loop, and from `accept` when
 *   an arriving item finds a free worker and nobody waiting. The pump is a loop, never a
 *   recursion, so a million synchronous inners cannot overflow the stack.
 * - Never more than `concurrency` items running or waiting for a retry (`active`).
 * - Never more than `concurrency + bufferSize` items taken and not yet settled: a pull source is
 *   pulled only while {@link roomToPull} is above 0 (results handed to a `for await` loop and not yet
 *   taken count too), and a push source's item beyond the bound overflows (results waiting for the
 *   loop do not count there: a push source cannot be paused, and they are not waiting for a worker).
 * - A halt tears down in this order, in the same call stack as its cause: the source is released,
 *   every in-flight attempt's signal is aborted and its inner unsubscribed, the queue becomes the
 *   report's `unstarted`, every item is settled and the source's `close()` is called; then, at
 *   once or once the promise `close()` returned settles, `onFinalize` runs, and only then does
 *   downstream hear the end.
 * - Every accepted item is settled exactly once (`succeeded`, `failed`, `dropped`, `unstarted` or
 *   `unfinished`); the report, `onSettle`, `onFailure`, `onDrop` and a source's `settle` all hear
 *   the same event. An item succeeds once its work completed and all its results reached the
 *   consumer: downstream, or the body of a `for await` loop.
 * - The first fatal error is the one delivered, exactly once; once it is decided nothing is
 *   accepted or started.
 *
 * Why the per-item methods are short, with what is rare (a timeout, a retry, `ordered`, an
 * overflow, progress) in functions of their own: V8 inlines at most about 900 bytes of bytecode
 * into one optimized function, and a settled promise runs the whole path from the value's
 * delivery to the next item's start. Kept small, that path is two or three optimized functions;
 * past the budget it was five or six calls, and W1 took about a quarter longer (`npm run bench`).
 *
 * @internal
 */
export class PoolEngine<T, R> implements PushTarget<T>, AttemptTarget<T, R>, FlushTarget<T, R> {
  private state = State.Running;
  /**
   * Accepted items waiting for a worker, oldest first. Items enter in acceptance order and leave
   * only from the head (a start, a 'drop-oldest' drop) or all at once (a stop, a drain, the end),
   * so the queue holds consecutive indexes, `accepted - queue.length` up to `accepted - 1`. The
   * one exception is 'drop-newest': a dropped item takes an index without being queued, which
   * leaves a gap; with it, `queueIndexes` keeps each queued item's index, in step with `queue`.
   */
  private readonly queue = new RingQueue<T>();
  private readonly queueIndexes: RingQueue<number> | undefined;
  /** Started jobs not yet settled, in acceptance order (see {@link JobLine}). */
  private readonly line = new JobLine<T, R>();
  /** Completed jobs some of whose results wait in a `for await` loop's backlog. */
  private readonly handedOver = new JobLine<T, R>();
  private readonly ledger = new Ledger<T>();
  private readonly bound: number;
  /** Whether anyone hears each item's outcome (`onSettle`, a source's `settle`). */
  private isSettleHeard: boolean;
  /** Whether anyone hears the progress (`onProgress`). */
  private readonly isProgressHeard: boolean;
  /**
   * Work whose `length` is under 2 does not name the context as its second parameter: it gets the
   * plain one.
   */
  private readonly isContextCopySafe: boolean;
  private isPumping = false;
  private isFlushing = false;
  private mustFlushAgain = false;
  /** A pull is under way: the source is inside its `pull`; the end's teardown waits for it. */
  private isPulling = false;
  private isSourceDone = false;
  private pushSubscriber: Subscriber<T> | undefined = undefined;
  private pullSource: PoolSource<T> | undefined = undefined;
  private stopSubscriber: Subscriber<unknown> | undefined = undefined;
  private haltError: unknown = undefined;
  private pendingEnd: PendingEnd<R> | undefined = undefined;
  /** The end was decided inside a pull: the teardown waits for the pull to return. */
  private isTearDownDeferred = false;
  private readonly onOutsideAbort: (() => void) | undefined;
  private progress: ProgressSnapshot | undefined = undefined;
  /** While the end waits for the source's `close()`: settled once the end is delivered. */
  private closing: Promise<void> | undefined = undefined;
  /** The job whose result is being handed downstream (what a `for await` backlog retains). */
  private deliveringJob: Job<T, R> | undefined = undefined;

  /** Items taken from the source, dropped ones included; the next item's index. */
  private accepted = 0;
  private active = 0;
  private retried = 0;
  /** Completed items whose results `ordered` holds back. */
  private held = 0;
  /** Results handed to a `for await` loop and not yet taken by it. */
  private backlog = 0;

  constructor(
    private readonly work: Work<T, R>,
    private readonly options: ResolvedOptions<T>,
    private readonly sink: Sink<R>,
    private readonly source: SourceConnector<T>,
  ) {
    this.bound = options.concurrency + options.bufferSize;
    this.isContextCopySafe = work.length >= 2;
    this.isSettleHeard = options.onSettle !== undefined;
    this.isProgressHeard = options.onProgress !== undefined;
    this.queueIndexes = options.overflow === 'drop-newest' ? new RingQueue<number>() : undefined;
    this.onOutsideAbort = options.signal === undefined ? undefined : () => this.abortFromOutside();
  }

  /** Opens the source, then connects the outside signal, the stop notifier and the source. */
  start(): void {
    if (this.source.kind === 'pull') {
      // Opened before anything can end the run, so that even a pool that ends before it takes
      // anything releases its source: a channel's pending puts reject, a Readable is destroyed.
      try {
        this.pullSource = this.source.open(new SourceTarget<T>(this as PoolEngine<T, unknown>));
        if (this.pullSource.settle !== undefined) this.isSettleHeard = true;
      } catch (error) {
        this.isSourceDone = true;
        return this.fatal(error);
      }
    }
    const { signal, stop } = this.options;
    if (signal !== undefined) {
      // An already-aborted signal halts before anything is taken or started.
      if (signal.aborted) return this.haltNow(signal.reason);
      signal.addEventListener('abort', this.onOutsideAbort!);
    }
    if (stop !== undefined) {
      this.stopSubscriber = new CallbackSubscriber(
        () => this.stopGracefully(),
        (error) => this.fatal(error),
        () => undefined,
      );
      stop.subscribe(this.stopSubscriber);
      // A notifier that emits at subscription stops the pool before it takes anything.
      if (this.state !== State.Running) return;
    }
    if (this.source.kind === 'push') {
      this.pushSubscriber = new PushSourceSubscriber<T>(this);
      this.source.observable.subscribe(this.pushSubscriber);
    } else {
      this.pump();
    }
  }

  /**
   * Downstream unsubscribed (or a `for await` loop ended): tear down at once. Returns a promise
   * when the end waits for the source's `close()`, settled once the end is delivered, so that a
   * `for await` loop's `break` resumes only after the source has settled every item.
   */
  unsubscribe(): PromiseLike<void> | undefined {
    if (this.state === State.Done || this.state === State.Halting) return this.closing;
    if (this.state === State.Ending) {
      // A loop that ends while the end waits for its backlog leaves those results untaken.
      if (this.pendingEnd?.unfinished !== undefined) this.finishEnd();
      return this.closing;
    }
    this.finalize('unsubscribed', undefined, undefined);
    return this.closing;
  }

  // ---- admission --------------------------------------------------------------------------

  /** Whether a worker is free to start an item now. */
  private canStart(): boolean {
    return this.state === State.Running && this.active < this.options.concurrency;
  }

  /** Whether a pushed item fits: results waiting for a `for await` loop do not count. */
  private hasRoomForPushed(): boolean {
    return this.active + this.queue.length + this.held < this.bound;
  }

  /**
   * How many items a pull may ask for now (`concurrency + bufferSize` minus what the pool holds,
   * results waiting in a `for await` loop's backlog included): 0 when the pool must not pull.
   */
  private roomToPull(): number {
    const source = this.pullSource;
    if (this.state !== State.Running || source === undefined || this.isSourceDone) return 0;
    if (source.isPending) return 0;
    return this.bound - (this.active + this.queue.length + this.held + this.backlog);
  }

  /** Starts queued items and pulls while there is room; then ends the run if it is over. */
  private pump(): void {
    if (this.isPumping) return;
    this.isPumping = true;
    try {
      for (;;) {
        if (this.queue.length > 0 && this.canStart()) this.startQueued();
        else {
          const room = this.roomToPull();
          if (room <= 0) break;
          this.pullOnce(room);
        }
      }
    } finally {
      this.isPumping = false;
    }
    if (this.isTearDownDeferred) return this.tearDownDeferred();
    // Only a source that is done, or a pool that stopped taking, can end the run.
    if (this.isSourceDone || this.state !== State.Running) this.completeIfDone();
  }

  /** Starts the item at the head of the queue. */
  private startQueued(): void {
    const index =
      this.queueIndexes === undefined
        ? this.accepted - this.queue.length
        : this.queueIndexes.shift();
    this.startJob(this.queue.shift(), index);
    this.progressed();
  }

  /** The end decided inside a pull tears down now that the pull has returned. */
  private tearDownDeferred(): void {
    this.isTearDownDeferred = false;
    this.tearDown();
  }

  private pullOnce(room: number): void {
    this.isPulling = true;
    try {
      this.pullSource!.pull(room);
    } catch (error) {
      // A source's pull that throws is that source's failure.
      this.isPulling = false;
      return this.sourceFailed(error);
    }
    this.isPulling = false;
  }

  // ---- the source -------------------------------------------------------------------------

  /** An item a pull source answered with: `true` when the pool took it (see the protocol). */
  acceptPulled(item: T): boolean {
    if (this.state !== State.Running) return this.acceptPulledAfterEnd(item);
    this.accept(item);
    // Inside the pump's own pull, the pump goes on by itself.
    if (!this.isPumping) this.pump();
    return true;
  }

  /** An item a pull source answered with once the pool had stopped running. */
  private acceptPulledAfterEnd(item: T): boolean {
    // The answer to a pull asked while the pool was running, given while the source's own code
    // stopped or ended the pool: taken, and counted as never started.
    if (this.isPulling && this.state !== State.Done) {
      this.accepted++;
      this.settle(item, 'unstarted');
      return true;
    }
    return false;
  }

  /** A pull source finished answering later: the pool may pull again. */
  sourceReady(): void {
    if (this.state === State.Running) this.pump();
  }

  /** The source (pulled or pushed) has no more items. */
  sourceCompleted(): void {
    this.isSourceDone = true;
    this.pump();
  }

  /** The source (pulled or pushed) failed. */
  sourceFailed(error: unknown): void {
    this.isSourceDone = true;
    this.fatal(error);
  }

  /** An item from a push source: accepted within the bound, else the `overflow` strategy decides. */
  acceptPushed(item: T): void {
    if (this.state !== State.Running) return;
    if (this.hasRoomForPushed()) return this.accept(item);
    this.overflow(item);
  }

  /** A push source cannot be paused: an item beyond the bound overflows. */
  private overflow(item: T): void {
    const { overflow } = this.options;
    if (overflow === 'error') {
      return this.fatal(new BufferOverflowError(item, this.options.bufferSize));
    }
    this.accepted++;
    let droppedItem = item;
    if (overflow === 'drop-oldest' && this.queue.length > 0) {
      // The arriving item is queued before `onDrop` runs, so a throwing `onDrop` loses nothing.
      droppedItem = this.queue.shift();
      this.queue.push(item);
    }
    this.settle(droppedItem, 'dropped');
    this.progressed();
  }

  /** Takes an item within the bound: it gets the next index, and starts now or waits in line. */
  private accept(item: T): void {
    const index = this.accepted++;
    if (this.queue.length === 0 && this.canStart()) this.startJob(item, index);
    else this.enqueue(item, index);
    this.progressed();
  }

  private enqueue(item: T, index: number): void {
    this.queue.push(item);
    this.queueIndexes?.push(index);
  }

  // ---- a for-await loop's backlog ---------------------------------------------------------

  /**
   * A `for await` loop keeps the result being delivered for later: the item it came from is not
   * settled until the loop takes it. Returns the token to hand back to {@link resultTaken}.
   */
  retainResult(): Job<T, R> | undefined {
    const job = this.deliveringJob;
    this.backlog++;
    if (job !== undefined) job.unconsumed++;
    return job;
  }

  /** The loop took a retained result: its item may now succeed, and there is room to pull. */
  resultTaken(job: Job<T, R> | undefined): void {
    this.backlog--;
    if (job !== undefined && --job.unconsumed === 0 && job.status === JobStatus.Consuming) {
      this.handedOver.remove(job);
      job.status = JobStatus.Done;
      this.settle(job.item, 'succeeded');
    }
    if (this.state === State.Ending) {
      if (this.pendingEnd?.unfinished !== undefined && this.handedOver.isEmpty) this.finishEnd();
      return;
    }
    if (this.state !== State.Done) this.pump();
  }

  // ---- attempts ---------------------------------------------------------------------------

  private startJob(item: T, index: number): void {
    const job = new Job<T, R>(item, index);
    this.line.append(job);
    this.active++;
    this.startAttempt(job);
  }

  /**
   * Starts the job's next attempt. A retry asked for while an attempt of the same job is still
   * starting (work that fails synchronously, a delay notifier that emits at once) is run by this
   * loop, not by recursion, so any number of synchronous retries keeps the stack flat.
   */
  private startAttempt(job: Job<T, R>): void {
    if (job.starting !== Starting.No) {
      job.starting = Starting.Again;
      return;
    }
    try {
      do {
        job.starting = Starting.Yes;
        if (job.attempts === 0) this.runAttempt(job);
        else this.runRetry(job);
        // A halt while the retry was pending has abandoned the job: nothing more starts.
      } while ((job.starting as Starting) === Starting.Again && job.status === JobStatus.Waiting);
    } finally {
      job.starting = Starting.No;
    }
  }

  /** A retry is counted when its attempt runs, not when it is asked for. */
  private runRetry(job: Job<T, R>): void {
    this.retried++;
    this.runAttempt(job);
    this.progressed();
  }

  /**
   * Runs one attempt. Its callbacks carry the attempt's number, and are stale, so ignored, once
   * that is not `job.attempts` any more (a later attempt started) or the job is not running (the
   * attempt timed out or ended, or the pool let go of the job).
   */
  private runAttempt(job: Job<T, R>): void {
    const attempt = ++job.attempts;
    // The first attempt's signal is the job's own; each retry gets a holder of its own.
    const context = attempt === 1 ? this.firstContext(job) : this.retryContext(job, attempt);
    job.status = JobStatus.Running;
    if (this.options.timeout !== undefined) this.scheduleTimeout(job, attempt);
    let input: ObservableInput<R>;
    let isPromise: boolean;
    try {
      input = this.work(job.item, context);
      // Inside the try: reading `then` of what work returned may throw, and that is its failure.
      isPromise = isPromiseLike<R>(input);
    } catch (error) {
      return this.attemptFailed(job, attempt, error);
    }
    // The pool may have let go of this attempt while its work ran (work that aborted the outside
    // signal or unsubscribed downstream).
    if (!isCurrent(job, attempt)) return letGo(input, isPromise);
    if (isPromise) this.awaitPromise(job, attempt, input as PromiseLike<R>);
    else this.subscribeInner(job, attempt, input);
  }

  /** Work whose `length` is under 2 gets the job itself as its first attempt's context. */
  private firstContext(job: Job<T, R>): WorkContext {
    return this.isContextCopySafe ? createWorkContext(job, job.index, 1, true) : job;
  }

  private retryContext(job: Job<T, R>, attempt: number): WorkContext {
    const holder: AbortableContext = (job.retryHolder = { controller: undefined });
    return createWorkContext(holder, job.index, attempt, this.isContextCopySafe);
  }

  private scheduleTimeout(job: Job<T, R>, attempt: number): void {
    job.timer = asyncScheduler.schedule(
      () => this.attemptTimedOut(job, attempt),
      this.options.timeout,
    );
  }

  /** Promises skip the Observable machinery: one `then` and two callbacks per attempt. */
  private awaitPromise(job: Job<T, R>, attempt: number, promise: PromiseLike<R>): void {
    try {
      promise.then(
        (value) => this.promiseSettled(job, attempt, value),
        (error: unknown) => this.attemptFailed(job, attempt, error),
      );
    } catch (error) {
      this.attemptFailed(job, attempt, error);
    }
  }

  /** Work that returned something other than a promise: its Observable is the attempt's inner. */
  private subscribeInner(job: Job<T, R>, attempt: number, input: ObservableInput<R>): void {
    let inner: Observable<R>;
    try {
      inner = from(input);
    } catch (error) {
      // Not an ObservableInput: that item's failure, like a synchronous throw.
      return this.attemptFailed(job, attempt, error);
    }
    const subscriber = new AttemptSubscriber<T, R>(this, job, attempt);
    job.inner = subscriber;
    inner.subscribe(subscriber);
  }

  private promiseSettled(job: Job<T, R>, attempt: number, value: R): void {
    if (!isCurrent(job, attempt)) return;
    this.endAttempt(job);
    if (this.options.ordered && job !== this.line.first) return this.holdLastResult(job, value);
    // A settled promise has nothing more to give: its slot is free before its value goes
    // downstream, and once the value is handed over the item has succeeded, even if downstream
    // ends the run while it hears it (take(1)): its signal is not aborted, it is not unfinished.
    this.active--;
    this.beginHandOver(job);
    this.deliver(job, value);
    if (this.state >= State.Ending) return;
    this.endHandOver(job);
    if (this.state >= State.Ending) return;
    if (this.options.ordered) this.flushOrdered();
    this.progressed();
    this.pump();
  }

  /** `ordered` holds a completed promise's value back for an earlier item. */
  private holdLastResult(job: Job<T, R>, value: R): void {
    (job.held ??= []).push(value);
    this.jobCompleted(job);
  }

  /** @internal */
  attemptValue(job: Job<T, R>, value: R): void {
    // Nothing reaches downstream from an attempt the pool has let go of.
    if (job.status !== JobStatus.Running) return;
    if (this.options.ordered && job !== this.line.first) {
      (job.held ??= []).push(value);
    } else {
      this.deliver(job, value);
    }
  }

  /** @internal */
  attemptCompleted(job: Job<T, R>, attempt: number): void {
    if (!isCurrent(job, attempt)) return;
    this.endAttempt(job);
    this.jobCompleted(job);
  }

  /** @internal */
  attemptFailed(job: Job<T, R>, attempt: number, error: unknown): void {
    if (!isCurrent(job, attempt)) return;
    this.endAttempt(job);
    this.attemptEndedInFailure(job, attempt, error);
  }

  /** A failed attempt, already let go of: retried while retries are left, else the item failed. */
  private attemptEndedInFailure(job: Job<T, R>, attempt: number, error: unknown): void {
    if (attempt <= this.options.retryCount) return this.retryLater(job, error);
    this.jobFailed(job, error);
  }

  private attemptTimedOut(job: Job<T, R>, attempt: number): void {
    if (!isCurrent(job, attempt)) return;
    job.timer = undefined;
    const error = new TimeoutError();
    const inner = job.inner;
    job.inner = undefined;
    // The attempt is let go of before its signal fires, as in a halt: whatever its work does from
    // an abort listener (emit, complete, fail) is stale, and cannot start a retry whose inner the
    // unsubscribe below would then tear down.
    job.status = JobStatus.Waiting;
    abortContext(job.attemptContext, error);
    inner?.unsubscribe();
    // An abort listener may have ended the pool, which let go of the job.
    if (job.status !== JobStatus.Waiting) return;
    this.attemptEndedInFailure(job, attempt, error);
  }

  private endAttempt(job: Job<T, R>): void {
    job.inner = undefined;
    if (job.timer !== undefined) clearTimer(job);
  }

  /** The item keeps its worker slot while it waits; the wait runs on RxJS's async scheduler. */
  private retryLater(job: Job<T, R>, error: unknown): void {
    job.status = JobStatus.Waiting;
    const { retryDelay } = this.options;
    if (retryDelay === undefined) return this.retryNow(job);
    if (typeof retryDelay === 'number') {
      job.timer = asyncScheduler.schedule(() => this.retryNow(job), retryDelay);
      return;
    }
    let notifier: Observable<unknown>;
    try {
      notifier = from(retryDelay(error, job.attempts) as ObservableInput<unknown>);
    } catch (thrown) {
      return this.jobFailed(job, thrown);
    }
    // A delay function that ended the pool has let go of the job: its notifier is never
    // subscribed, so nothing it would start (a timer) outlives the pool.
    if (job.status !== JobStatus.Waiting) return;
    const subscriber = new CallbackSubscriber<unknown>(
      () => {
        subscriber.unsubscribe();
        this.retryNow(job);
      },
      (notifierError) => {
        if (this.waitEnded(job)) this.jobFailed(job, notifierError);
      },
      () => {
        // As with RxJS's `retry`: a notifier that completes without emitting completes the item.
        if (this.waitEnded(job)) this.jobCompleted(job);
      },
    );
    job.timer = subscriber;
    notifier.subscribe(subscriber);
  }

  private waitEnded(job: Job<T, R>): boolean {
    if (job.status !== JobStatus.Waiting) return false;
    job.timer = undefined;
    return true;
  }

  private retryNow(job: Job<T, R>): void {
    if (!this.waitEnded(job)) return;
    this.startAttempt(job);
  }

  // ---- outcomes ---------------------------------------------------------------------------

  /** @internal Hands one result to downstream, remembering whose it is for a `for await` backlog. */
  deliver(job: Job<T, R>, value: R): void {
    // Only a sink that retains results needs to know whose a result is: remembering it stores a
    // young job into the long-lived engine, a write barrier per item that others need not pay.
    if (this.sink.retainsResults !== true) return this.sink.next(value);
    this.deliveringJob = job;
    this.sink.next(value);
    this.deliveringJob = undefined;
  }

  /** A job's work completed: it is held back by `ordered`, or its results have all gone out. */
  private jobCompleted(job: Job<T, R>): void {
    this.active--;
    if (this.options.ordered && job !== this.line.first) {
      job.status = JobStatus.Held;
      this.held++;
    } else {
      this.beginHandOver(job);
      this.endHandOver(job);
      if (this.state >= State.Ending) return;
      if (this.options.ordered) this.flushOrdered();
    }
    this.progressed();
    this.pump();
  }

  /**
   * A completed job's last result, if any, is being handed over: it stays in the line (so that a
   * run that ends meanwhile finds it, and counts it as succeeded) until {@link endHandOver}.
   */
  private beginHandOver(job: Job<T, R>): void {
    job.status = JobStatus.Delivering;
  }

  /** @internal Every result of a completed job was handed over: it succeeded, or waits for the loop. */
  endHandOver(job: Job<T, R>): void {
    this.line.remove(job);
    if (job.unconsumed > 0) return this.waitForLoop(job);
    job.status = JobStatus.Done;
    // The common case, nobody listening per item, is one count.
    if (this.isSettleHeard) this.settle(job.item, 'succeeded');
    else this.ledger.succeeded++;
  }

  /** A completed job some of whose results a `for await` loop has not taken yet waits for it. */
  private waitForLoop(job: Job<T, R>): void {
    job.status = JobStatus.Consuming;
    this.handedOver.append(job);
  }

  private jobFailed(job: Job<T, R>, error: unknown): void {
    this.active--;
    job.status = JobStatus.Failed;
    const { tolerate, halt, ordered } = this.options;
    const canHalt = this.state === State.Running || this.state === State.Stopping;
    const isFatal = canHalt && this.ledger.failed + 1 > tolerate;
    if (isFatal) {
      // The halt is decided before any callback runs: from here nothing is accepted or started,
      // and no failure that a callback causes can replace this error.
      this.haltError = error;
      this.state = halt === 'drain' ? State.Draining : State.Halting;
    }
    // onFailure hears of the failure before anything is flushed, so before downstream can end
    // the run (onFinalize is always the last callback).
    this.settle(job.item, 'failed', error);
    if (this.state >= State.Ending) return;
    if (isFatal && halt === 'abort') {
      // The progress view shows the failure even when it is the one that halts the pool. No
      // result reaches downstream past a fatal failure: nothing held back is flushed.
      this.progressed();
      return this.finalize('error', error, error);
    }
    // A drain releases the source and clears the queue before anything is flushed downstream.
    if (isFatal) this.windDown(error);
    // Otherwise a failed item waits in line, with `ordered`, to flush what it emitted before.
    if (!ordered || job === this.line.first) {
      this.line.remove(job);
      if (ordered) this.flushOrdered();
      if (this.state >= State.Ending) return;
    }
    this.progressed();
    this.pump();
  }

  /** Delivers what `ordered` held back, from the head of the line up to the first unfinished item. */
  private flushOrdered(): void {
    // A flush that downstream causes while hearing a flushed result runs after this one.
    if (this.isFlushing) {
      this.mustFlushAgain = true;
      return;
    }
    this.isFlushing = true;
    try {
      do {
        this.mustFlushAgain = false;
        this.line.flushReady(this);
      } while (this.mustFlushAgain && this.state < State.Ending);
    } finally {
      this.isFlushing = false;
    }
  }

  /** @internal A completed job that `ordered` held back starts handing over its results. */
  heldHandOver(job: Job<T, R>): void {
    this.held--;
    this.beginHandOver(job);
  }

  /** @internal Whether the run's end is decided: a flush under way stops. */
  get isEnding(): boolean {
    return this.state >= State.Ending;
  }

  /**
   * Settles one item: the ledger, then the source's `settle`, `onSettle`, and `onFailure` or
   * `onDrop`. The one place an item's outcome is told, exactly once per accepted item.
   */
  private settle(item: T, outcome: PoolOutcome, error?: unknown): void {
    this.ledger.record(item, outcome);
    const source = this.pullSource;
    if (source !== undefined && source.settle !== undefined) {
      try {
        source.settle(item, outcome, error);
      } catch (thrown) {
        this.callbackFailed(thrown);
      }
    }
    const { onSettle } = this.options;
    if (onSettle !== undefined) this.callUser(onSettle, item, outcome, error);
    if (outcome === 'failed') {
      const { onFailure } = this.options;
      if (onFailure !== undefined) this.callUser(onFailure, error, item);
    } else if (outcome === 'dropped') {
      const { onDrop } = this.options;
      if (onDrop !== undefined) this.callUser(onDrop, item);
    }
  }

  // ---- ends -------------------------------------------------------------------------------

  /** A failure past `tolerate`, a source error, an overflow, a throwing callback. */
  private fatal(error: unknown): void {
    if (this.state === State.Running || this.state === State.Stopping) {
      if (this.options.halt === 'drain') return this.beginDrain(error);
      return this.haltNow(error);
    }
    // Draining or halting already: the first fatal error is the one delivered. Ending: too late.
  }

  private haltNow(error: unknown): void {
    if (this.state >= State.Halting) return;
    // While draining, the first fatal error stays the one delivered.
    if (this.state !== State.Draining) this.haltError = error;
    this.finalize('error', this.haltError, error);
  }

  private abortFromOutside(): void {
    this.haltNow(this.options.signal!.reason);
  }

  /** Stops taking and starting; in-flight items finish, then `completeIfDone` ends the run. */
  private beginDrain(error: unknown): void {
    this.haltError = error;
    this.state = State.Draining;
    this.windDown(error);
    this.progressed();
    this.pump();
  }

  private stopGracefully(): void {
    if (this.state !== State.Running) return;
    this.state = State.Stopping;
    this.windDown(undefined);
    this.progressed();
    this.pump();
  }

  /** The source is released and what waits in the queue is settled as never started. */
  private windDown(error: unknown): void {
    this.releaseSource(error);
    this.stopSubscriber?.unsubscribe();
    this.settleUnstarted();
  }

  private settleUnstarted(): void {
    const unstarted = this.queue.drain();
    this.queueIndexes?.drain();
    for (let i = 0; i < unstarted.length; i++) this.settle(unstarted[i]!, 'unstarted');
  }

  /**
   * Ends the run once the source is done (or released) and nothing is queued, running, held, or
   * waiting in a `for await` loop's backlog (the loop takes it first, so that its items succeed).
   */
  private completeIfDone(): void {
    if (this.state >= State.Halting) return;
    if (this.state === State.Running && !this.isSourceDone) return;
    if (this.active > 0 || this.queue.length > 0 || this.held > 0 || this.backlog > 0) return;
    if (this.state === State.Draining) this.finalize('error', this.haltError, undefined);
    else
      this.finalize(this.state === State.Stopping ? 'stopped' : 'complete', undefined, undefined);
  }

  private releaseSource(error: unknown): void {
    if (this.pushSubscriber !== undefined) return this.pushSubscriber.unsubscribe();
    const source = this.pullSource;
    if (source === undefined || this.isSourceDone) return;
    this.isSourceDone = true;
    try {
      source.release(error);
    } catch (thrown) {
      reportLost(thrown);
    }
  }

  /**
   * The one way a run ends. The order is the contract: the source is released, in-flight work is
   * aborted, every item is settled, the source's `close()` settles, the report is handed to
   * `onFinalize`, and only then does downstream hear.
   *
   * @param abortReason - the `reason` in-flight signals are aborted with (`undefined`: AbortError).
   */
  private finalize(reason: PoolEndReason, error: unknown, abortReason: unknown): void {
    if (this.state >= State.Ending) return;
    this.state = State.Ending;
    this.pendingEnd = { reason, error, abortReason };
    // The end never tears down from inside a pull (a generator's body that ends the pool): the
    // teardown runs as soon as that pull returns, still in the same call stack, so that what the
    // pull answers is counted. (A stop or a drain does release the source from inside its pull;
    // an iterator source then waits for its `next()` to return before it calls `return()`.)
    if (this.isPulling) this.isTearDownDeferred = true;
    else this.tearDown();
  }

  private tearDown(): void {
    const end = this.pendingEnd!;
    this.releaseSource(end.reason === 'error' ? end.error : undefined);
    this.stopSubscriber?.unsubscribe();
    if (this.onOutsideAbort !== undefined) {
      this.options.signal!.removeEventListener('abort', this.onOutsideAbort);
    }
    // Every job is let go of before any signal fires, so an abort listener that ends some work
    // synchronously cannot emit, count or unlink anything.
    const jobs = this.line.takeAll();
    const unfinished: Job<unknown, R>[] = [];
    const wasRunning: boolean[] = [];
    const handedOverNow: Job<T, R>[] = [];
    for (const job of jobs) {
      if (job.status === JobStatus.Failed) continue;
      if (job.status === JobStatus.Delivering) {
        handedOverNow.push(job);
        continue;
      }
      wasRunning.push(job.status === JobStatus.Running);
      job.status = JobStatus.Abandoned;
      unfinished.push(job);
    }
    for (let i = 0; i < unfinished.length; i++) {
      const job = unfinished[i]!;
      if (wasRunning[i]) abortContext(job.attemptContext, end.abortReason);
      job.inner?.unsubscribe();
      job.timer?.unsubscribe();
      job.inner = job.timer = undefined;
      job.held = undefined;
    }
    // A job whose last result was being handed over when downstream ended the run succeeded
    // (or, if a `for await` loop keeps some of its results, waits for the loop like any other).
    for (const job of handedOverNow) {
      if (job.unconsumed > 0) this.waitForLoop(job);
      else {
        job.status = JobStatus.Done;
        this.settle(job.item, 'succeeded');
      }
    }
    this.settleUnstarted();
    end.unfinished = unfinished;
    // Results handed to a `for await` loop are still the loop's to take (it hears the end after
    // them): the end waits for it, unless the loop itself has gone.
    if (end.reason === 'unsubscribed' || this.handedOver.isEmpty) this.finishEnd();
  }

  /** Settles what the end left unfinished, then closes the source and delivers the end. */
  private finishEnd(): void {
    const end = this.pendingEnd!;
    const unfinished = end.unfinished!;
    end.unfinished = undefined;
    // Jobs still waiting for the loop to take their results did not reach the consumer.
    const untaken = this.handedOver.takeAll();
    for (const job of untaken) job.status = JobStatus.Abandoned;
    const all = untaken.length === 0 ? unfinished : mergeByIndex(unfinished, untaken);
    for (const job of all) this.settle(job.item as T, 'unfinished');
    const source = this.pullSource;
    let closing: void | PromiseLike<void> = undefined;
    if (source?.close !== undefined) {
      try {
        closing = source.close();
      } catch (error) {
        return this.deliverEnd(end, true, error);
      }
    }
    if (closing !== undefined && closing !== null && typeof closing.then === 'function') {
      // The end is heard only once the source has settled every item (an ack, a release).
      this.closing = Promise.resolve(closing).then(
        () => this.deliverEnd(end, false, undefined),
        (error: unknown) => this.deliverEnd(end, true, error),
      );
      return;
    }
    this.deliverEnd(end, false, undefined);
  }

  private deliverEnd(end: PendingEnd<R>, closeFailed: boolean, closeError: unknown): void {
    this.pendingEnd = undefined;
    this.state = State.Done;
    let { reason, error } = end;
    if (closeFailed) {
      // A source that could not settle its items turns a clean end into that error. During an
      // error the original wins, and the source's error (its items stay with the broker) goes
      // only to `config.onUnhandledError`: a broker that fails must never end the process.
      if (reason === 'complete' || reason === 'stopped') {
        reason = 'error';
        error = closeError;
      } else reportIfHandled(closeError);
    }
    const report = this.ledger.report(reason, error, this.accepted, this.retried);
    const { onFinalize } = this.options;
    if (onFinalize !== undefined) {
      try {
        onFinalize(report);
      } catch (thrown) {
        // A throwing onFinalize turns a clean end into an error; during an error the original
        // wins, and the thrown one is reported as RxJS reports an unhandled error.
        if (reason === 'complete' || reason === 'stopped') {
          reason = 'error';
          error = thrown;
        } else reportLost(thrown);
      }
    }
    if (reason === 'error') this.sink.error(error);
    else if (reason !== 'unsubscribed') this.sink.complete();
  }

  // ---- user callbacks ---------------------------------------------------------------------

  /** Runs an option's callback; if it throws, the pool halts with that error. */
  private callUser<A, B, C>(callback: (a: A, b: B, c: C) => void, a: A, b?: B, c?: C): void {
    try {
      callback(a, b as B, c as C);
    } catch (error) {
      this.callbackFailed(error);
    }
  }

  /** A callback threw: the pool halts with it, unless a fatal error was decided already. */
  private callbackFailed(error: unknown): void {
    if (this.state === State.Running || this.state === State.Stopping) this.fatal(error);
    else if (this.state >= State.Halting) reportLost(error);
  }

  private progressed(): void {
    // Small enough to cost nothing where nobody listens: the hot paths call it for every item.
    if (this.isProgressHeard) this.reportProgress();
  }

  private reportProgress(): void {
    if (this.state >= State.Ending) return;
    const view = (this.progress ??= emptyProgress());
    view.accepted = this.accepted;
    view.queued = this.queue.length;
    view.active = this.active;
    view.succeeded = this.ledger.succeeded;
    view.failed = this.ledger.failed;
    view.retried = this.retried;
    view.dropped = this.ledger.dropped;
    this.callUser<Readonly<PoolProgress>, undefined, undefined>(this.options.onProgress!, view);
  }
}

/**
 * Whether a callback of this attempt still counts: the attempt is the job's latest and is running.
 * Callbacks of an earlier attempt, or of one the pool let go of (it timed out, ended, or the pool
 * halted), are stale and ignored.
 */
function isCurrent(job: Job<unknown, unknown>, attempt: number): boolean {
  return job.attempts === attempt && job.status === JobStatus.Running;
}

/** Cancels the running attempt's timeout, or its wait before a retry. */
function clearTimer(job: Job<unknown, unknown>): void {
  job.timer!.unsubscribe();
  job.timer = undefined;
}

/**
 * What work returned for an attempt the pool has already let go of: nothing is subscribed, and a
 * promise's rejection is handled.
 */
function letGo(input: unknown, isPromise: boolean): void {
  if (isPromise) ignoreRejection(input as PromiseLike<unknown>);
}

/** Two lists of jobs, each in acceptance order, as one list in acceptance order. */
function mergeByIndex<R>(a: Job<unknown, R>[], b: Job<unknown, R>[]): Job<unknown, R>[] {
  const merged: Job<unknown, R>[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.index < b[j]!.index)) merged.push(a[i++]!);
    else merged.push(b[j++]!);
  }
  return merged;
}

/** Handles a promise's rejection that nobody waits for any more: never an unhandled rejection. */
function ignoreRejection(promise: PromiseLike<unknown>): void {
  try {
    promise.then(undefined, () => undefined);
  } catch {
    // A `then` that throws has nothing left to reject.
  }
}
