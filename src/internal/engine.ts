import {
  asyncScheduler,
  from,
  Subscriber,
  TimeoutError,
  type Observable,
  type ObservableInput,
} from 'rxjs';
import { BufferOverflowError } from '../errors.js';
import type { PoolEndReason, PoolProgress, PoolReport, Work, WorkContext } from '../types.js';
import { abortContext, AttemptContext } from './attemptContext.js';
import { isPromiseLike } from './isPromiseLike.js';
import { Job, JobStatus, Starting } from './job.js';
import type { ResolvedOptions } from './options.js';
import { ProgressView, type ProgressSource } from './progressView.js';
import type { PullSource, PullTarget } from './pullSource.js';
import { reportLost } from './reportLost.js';
import { RingQueue } from './ringQueue.js';
import { CallbackSubscriber } from './subscribers.js';

/** Where the engine delivers results and its one terminal notification. @internal */
export interface Sink<R> {
  next(value: R): void;
  error(error: unknown): void;
  complete(): void;
}

/** How the engine connects to its source when it starts. @internal */
export type SourceConnector<T> =
  | { readonly kind: 'push'; readonly observable: Observable<T> }
  | { readonly kind: 'pull'; readonly open: (target: PullTarget<T>) => PullSource };

const enum State {
  /** Taking items and starting work. */
  Running,
  /** `stop` fired: the source is released, nothing new starts, in-flight items finish. */
  Stopping,
  /** A fatal error with `halt: 'drain'`: as Stopping, then the error is delivered. */
  Draining,
  /** Finalized: the report went out and downstream heard the end (or had gone). */
  Done,
}

/**
 * The inner subscriber of one attempt whose work returned something other than a promise. It
 * closes itself before telling the engine that the attempt ended, so an inner is always
 * unsubscribed before the next item starts in its slot (as in `mergeMap`).
 *
 * @internal
 */
class AttemptSubscriber<T, R> extends Subscriber<R> {
  constructor(
    private readonly engine: PoolEngine<T, R>,
    private readonly job: Job<T, R>,
    private readonly attempt: number,
  ) {
    super();
  }

  protected override _next(value: R): void {
    this.engine.attemptValue(this.job, value);
  }

  protected override _error(error: unknown): void {
    this.unsubscribe();
    this.engine.attemptFailed(this.job, this.attempt, error);
  }

  protected override _complete(): void {
    this.unsubscribe();
    this.engine.attemptCompleted(this.job, this.attempt);
  }
}

/**
 * The subscriber to a push source. A class of its own, not a {@link CallbackSubscriber}, so that
 * the call for each pushed item goes straight to the engine (a call site shared with other
 * callbacks would be polymorphic). As every Subscriber, it closes itself before passing on the
 * source's end.
 *
 * @internal
 */
class PushSourceSubscriber<T, R> extends Subscriber<T> {
  constructor(private readonly engine: PoolEngine<T, R>) {
    super();
  }

  protected override _next(item: T): void {
    this.engine.acceptPushed(item);
  }

  protected override _error(error: unknown): void {
    this.unsubscribe();
    this.engine.sourceFailed(error);
  }

  protected override _complete(): void {
    this.unsubscribe();
    this.engine.sourceCompleted();
  }
}

/**
 * The state machine behind {@link pool} and {@link poolFrom}: one instance per subscription.
 *
 * The rules it keeps:
 * - Never more than `concurrency` items running or waiting for a retry (`active`).
 * - Never more than `concurrency + bufferSize` items taken from the source and not yet delivered
 *   (`active + queue.length + held + backlog`); a pull source is pulled only below that bound.
 * - A halt tears down in this order, in the same call stack as its cause: the source is released,
 *   every in-flight attempt's signal is aborted and its inner unsubscribed, the queue becomes the
 *   report's `unstarted`, `onFinalize` runs, and only then does downstream hear the error.
 * - Every accepted item ends up in exactly one of the report's counts or lists.
 * - Work is started from one loop (`pump`), never by recursion, so a million synchronous inners
 *   cannot overflow the stack.
 *
 * @internal
 */
export class PoolEngine<T, R> implements PullTarget<T>, ProgressSource {
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
  /** Items cleared from the queue by a stop or a drain; reported as `unstarted`. */
  private unstarted: T[] = [];
  /** Started jobs not yet delivered, oldest first (see {@link Job}). */
  private first: Job<T, R> | undefined = undefined;
  private last: Job<T, R> | undefined = undefined;
  private readonly bound: number;
  private isPumping = false;
  private isSourceDone = false;
  private pushSubscriber: Subscriber<T> | undefined = undefined;
  private pullSource: PullSource | undefined = undefined;
  private stopSubscriber: Subscriber<unknown> | undefined = undefined;
  private haltError: unknown = undefined;
  private readonly onOutsideAbort: (() => void) | undefined;
  private progressView: ProgressView | undefined = undefined;

  /** Items taken from the source, dropped ones included; the next item's index. */
  accepted = 0;
  active = 0;
  succeeded = 0;
  failed = 0;
  retried = 0;
  dropped = 0;
  /** Completed items whose results `ordered` holds back. */
  held = 0;
  /** Results delivered to a for-await consumer and not yet taken by its loop. */
  backlog = 0;

  constructor(
    private readonly work: Work<T, R>,
    private readonly options: ResolvedOptions<T>,
    private readonly sink: Sink<R>,
    private readonly source: SourceConnector<T>,
  ) {
    this.bound = options.concurrency + options.bufferSize;
    this.queueIndexes = options.overflow === 'drop-newest' ? new RingQueue<number>() : undefined;
    this.onOutsideAbort = options.signal === undefined ? undefined : () => this.abortFromOutside();
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  /** Connects the outside signal, the stop notifier and the source, in that order. */
  start(): void {
    if (this.source.kind === 'pull') {
      // Opened before anything can end the run, so that even a pool that ends before it takes
      // anything releases its iterator: a channel's pending puts reject, a Readable is destroyed.
      try {
        this.pullSource = this.source.open(this);
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
      this.pushSubscriber = new PushSourceSubscriber(this);
      this.source.observable.subscribe(this.pushSubscriber);
    } else {
      this.pump();
    }
  }

  /** Downstream unsubscribed (or a for-await loop ended): tear down at once. */
  unsubscribe(): void {
    if (this.state === State.Done) return;
    this.finalize('unsubscribed', undefined, undefined);
  }

  /** Starts queued items and pulls while there is room. The only place work starts from. */
  pump(): void {
    if (this.isPumping) return;
    this.isPumping = true;
    try {
      while (this.state === State.Running) {
        if (this.active < this.options.concurrency && this.queue.length > 0) {
          const index =
            this.queueIndexes === undefined
              ? this.accepted - this.queue.length
              : this.queueIndexes.shift();
          this.startJob(this.queue.shift(), index);
          this.progressed();
        } else if (
          this.pullSource !== undefined &&
          !this.isSourceDone &&
          !this.pullSource.isPending &&
          this.active + this.queue.length + this.held + this.backlog < this.bound
        ) {
          this.pullSource.pull();
        } else {
          break;
        }
      }
    } finally {
      this.isPumping = false;
    }
    this.completeIfDone();
  }

  // ---- the source -------------------------------------------------------------------------

  /** An item the pull source answered with; it was pulled only below the bound. */
  acceptPulled(item: T): void {
    if (this.state !== State.Running) return;
    this.accept(item);
    this.pump();
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
    if (this.active + this.queue.length + this.held + this.backlog < this.bound) {
      return this.accept(item);
    }
    // A push source cannot be paused: a full buffer overflows.
    const { overflow, onDrop } = this.options;
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
    this.dropped++;
    if (onDrop !== undefined) this.callUser(onDrop, droppedItem);
    this.progressed();
  }

  /** Takes an item within the bound: it gets the next index, and starts now or waits in line. */
  private accept(item: T): void {
    const index = this.accepted++;
    if (this.active < this.options.concurrency && this.queue.length === 0) {
      this.startJob(item, index);
    } else {
      this.queue.push(item);
      this.queueIndexes?.push(index);
    }
    this.progressed();
  }

  // ---- attempts ---------------------------------------------------------------------------

  private startJob(item: T, index: number): void {
    const job = new Job<T, R>(item, index);
    if (this.last === undefined) this.first = job;
    else {
      this.last.next = job;
      job.prev = this.last;
    }
    this.last = job;
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
        // A retry is counted when its attempt runs, not when it is asked for.
        const isRetry = job.attempts > 0;
        if (isRetry) this.retried++;
        this.runAttempt(job);
        if (isRetry) this.progressed();
        // A halt while the retry was pending has abandoned the job: nothing more starts.
      } while ((job.starting as Starting) === Starting.Again && job.status === JobStatus.Waiting);
    } finally {
      job.starting = Starting.No;
    }
  }

  /**
   * Runs one attempt. Its callbacks carry the attempt's number, and are stale, so ignored, once
   * that is not `job.attempts` any more (a later attempt started) or the job is not running (the
   * attempt timed out or ended, or the pool let go of the job).
   */
  private runAttempt(job: Job<T, R>): void {
    const attempt = ++job.attempts;
    // The first attempt's context is the job itself; a retry gets its own.
    let context: WorkContext = job;
    if (attempt > 1) context = job.retryContext = new AttemptContext(job.index, attempt);
    job.status = JobStatus.Running;
    const { timeout } = this.options;
    if (timeout !== undefined) {
      job.timer = asyncScheduler.schedule(() => this.attemptTimedOut(job, attempt), timeout);
    }
    let input: ObservableInput<R>;
    let isPromise: boolean;
    try {
      input = this.work(job.item, context);
      // Inside the try: reading `then` of what work returned may throw, and that is its failure.
      isPromise = isPromiseLike<R>(input);
    } catch (error) {
      return this.attemptFailed(job, attempt, error);
    }
    if (!isCurrent(job, attempt)) {
      // The pool let go of this attempt while its work ran (work that aborted the outside signal
      // or unsubscribed downstream): nothing is subscribed, and a promise's rejection is handled.
      if (isPromise) ignoreRejection(input as PromiseLike<R>);
      return;
    }
    if (isPromise) {
      // Promises skip the Observable machinery: one `then` and two callbacks per attempt.
      try {
        (input as PromiseLike<R>).then(
          (value) => this.promiseSettled(job, attempt, value),
          (error: unknown) => this.attemptFailed(job, attempt, error),
        );
      } catch (error) {
        this.attemptFailed(job, attempt, error);
      }
      return;
    }
    let inner: Observable<R>;
    try {
      inner = from(input);
    } catch (error) {
      // Not an ObservableInput: that item's failure, like a synchronous throw.
      return this.attemptFailed(job, attempt, error);
    }
    const subscriber = new AttemptSubscriber(this, job, attempt);
    job.inner = subscriber;
    inner.subscribe(subscriber);
  }

  private promiseSettled(job: Job<T, R>, attempt: number, value: R): void {
    if (!isCurrent(job, attempt)) return;
    this.endAttempt(job);
    if (this.options.ordered && job !== this.first) {
      (job.held ??= []).push(value);
      return this.jobSucceeded(job);
    }
    // A settled promise has nothing more to give: the item counts as succeeded before its value
    // goes downstream, so a downstream that unsubscribes on hearing it (take(1)) neither aborts
    // its signal nor reports it unfinished.
    this.markSucceeded(job);
    this.sink.next(value);
    if (this.options.ordered) this.flushOrdered();
    this.progressed();
    this.pump();
  }

  /** @internal */
  attemptValue(job: Job<T, R>, value: R): void {
    // Nothing reaches downstream from an attempt the pool has let go of.
    if (job.status !== JobStatus.Running) return;
    if (this.options.ordered && job !== this.first) {
      (job.held ??= []).push(value);
    } else {
      this.sink.next(value);
    }
  }

  /** @internal */
  attemptCompleted(job: Job<T, R>, attempt: number): void {
    if (!isCurrent(job, attempt)) return;
    this.endAttempt(job);
    this.jobSucceeded(job);
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
    if (job.timer !== undefined) {
      job.timer.unsubscribe();
      job.timer = undefined;
    }
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
        if (this.waitEnded(job)) this.jobSucceeded(job);
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

  private jobSucceeded(job: Job<T, R>): void {
    if (this.options.ordered && job !== this.first) {
      this.active--;
      job.status = JobStatus.Held;
      this.held++;
    } else {
      this.markSucceeded(job);
      if (this.options.ordered) this.flushOrdered();
    }
    this.progressed();
    this.pump();
  }

  /** A running item whose results have all gone downstream: it frees its slot and leaves the line. */
  private markSucceeded(job: Job<T, R>): void {
    this.active--;
    this.succeeded++;
    job.status = JobStatus.Done;
    this.unlink(job);
  }

  private jobFailed(job: Job<T, R>, error: unknown): void {
    this.active--;
    this.failed++;
    job.status = JobStatus.Failed;
    const { onFailure, tolerate, halt } = this.options;
    const canHalt = this.state === State.Running || this.state === State.Stopping;
    const isFatal = canHalt && this.failed > tolerate;
    // onFailure hears of the failure before anything is flushed, so before downstream can end
    // the run (onFinalize is always the last callback); if it throws, the pool halts with that.
    if (onFailure !== undefined) this.callUser(onFailure, error, job.item);
    if (this.state === State.Done) return;
    // A failure that aborts the pool is decided before anything held back is flushed: no result
    // reaches downstream past a fatal failure. Otherwise (tolerated, or a drain) a failed item
    // waits in line, with `ordered`, to flush the results it emitted before failing.
    if (!(isFatal && halt === 'abort') && (!this.options.ordered || job === this.first)) {
      this.unlink(job);
      if (this.options.ordered) this.flushOrdered();
    }
    // The progress view shows the failure even when it is the one that halts the pool.
    this.progressed();
    if (isFatal) return this.fatal(error);
    this.pump();
  }

  /** Delivers what `ordered` held back, from the head of the line up to the first unfinished item. */
  private flushOrdered(): void {
    let job = this.first;
    while (job !== undefined) {
      const results = job.held;
      if (results !== undefined) {
        job.held = undefined;
        // Downstream may unsubscribe while hearing any of these: the run is then over.
        for (let i = 0; i < results.length && this.state !== State.Done; i++) {
          this.sink.next(results[i]!);
        }
        if (this.state === State.Done) return;
      }
      if (job.status === JobStatus.Held) {
        this.held--;
        this.succeeded++;
        job.status = JobStatus.Done;
      } else if (job.status !== JobStatus.Failed) {
        return; // still running: from now on it emits directly
      }
      this.unlink(job);
      job = this.first;
    }
  }

  private unlink(job: Job<T, R>): void {
    if (job.prev === undefined) this.first = job.next;
    else job.prev.next = job.next;
    if (job.next === undefined) this.last = job.prev;
    else job.next.prev = job.prev;
    job.prev = job.next = undefined;
  }

  // ---- ends -------------------------------------------------------------------------------

  /** A failure past `tolerate`, a source error, an overflow, a throwing callback. */
  private fatal(error: unknown): void {
    if (this.state === State.Running || this.state === State.Stopping) {
      if (this.options.halt === 'drain') return this.beginDrain(error);
      return this.haltNow(error);
    }
    // Draining already: the first fatal error is the one delivered. Done: nothing to do.
  }

  private haltNow(error: unknown): void {
    if (this.state === State.Done) return;
    // While draining, the first fatal error stays the one delivered.
    if (this.state !== State.Draining) this.haltError = error;
    this.finalize('error', this.haltError, error);
  }

  private abortFromOutside(): void {
    this.haltNow(this.options.signal!.reason);
  }

  /** Stops taking and starting; in-flight items finish, then `finishDrained` ends the run. */
  private beginDrain(error: unknown): void {
    this.haltError = error;
    this.state = State.Draining;
    this.windDown(error);
  }

  private stopGracefully(): void {
    if (this.state !== State.Running) return;
    this.state = State.Stopping;
    this.windDown(undefined);
  }

  private windDown(error: unknown): void {
    this.releaseSource(error);
    this.stopSubscriber?.unsubscribe();
    this.unstarted = this.unstarted.concat(this.queue.drain());
    this.queueIndexes?.drain();
    this.progressed();
    this.pump();
  }

  /** Ends the run once the source is done (or released) and nothing is queued, running or held. */
  private completeIfDone(): void {
    if (this.state === State.Done) return;
    if (this.state === State.Running && !this.isSourceDone) return;
    if (this.active > 0 || this.queue.length > 0 || this.held > 0) return;
    if (this.state === State.Draining) this.finalize('error', this.haltError, undefined);
    else
      this.finalize(this.state === State.Stopping ? 'stopped' : 'complete', undefined, undefined);
  }

  private releaseSource(error: unknown): void {
    if (this.pushSubscriber !== undefined) this.pushSubscriber.unsubscribe();
    else this.pullSource?.release(error);
  }

  /**
   * The one way a run ends. The order is the contract: the source is released, in-flight work is
   * aborted, the report is built and handed to `onFinalize`, and only then does downstream hear.
   *
   * @param abortReason - the `reason` in-flight signals are aborted with (`undefined`: AbortError).
   */
  private finalize(reason: PoolEndReason, error: unknown, abortReason: unknown): void {
    this.state = State.Done;
    this.releaseSource(reason === 'error' ? error : undefined);
    this.stopSubscriber?.unsubscribe();
    if (this.onOutsideAbort !== undefined) {
      this.options.signal!.removeEventListener('abort', this.onOutsideAbort);
    }
    // Every job is let go of before any signal fires, so an abort listener that ends some work
    // synchronously cannot emit, count or unlink anything.
    const abandoned: Job<T, R>[] = [];
    const wasRunning: boolean[] = [];
    for (let job = this.first, next; job !== undefined; job = next) {
      next = job.next;
      // Out of the list: nothing that still holds a job (a flush under way) can relink it.
      job.prev = job.next = undefined;
      if (job.status === JobStatus.Failed) continue;
      wasRunning.push(job.status === JobStatus.Running);
      job.status = JobStatus.Abandoned;
      abandoned.push(job);
    }
    this.first = this.last = undefined;
    const unfinished: T[] = [];
    for (let i = 0; i < abandoned.length; i++) {
      const job = abandoned[i]!;
      if (wasRunning[i]) abortContext(job.attemptContext, abortReason);
      job.inner?.unsubscribe();
      job.timer?.unsubscribe();
      job.inner = job.timer = undefined;
      job.held = undefined;
      unfinished.push(job.item);
    }
    const report: PoolReport<T> = {
      reason,
      ...(reason === 'error' ? { error } : {}),
      accepted: this.accepted,
      succeeded: this.succeeded,
      failed: this.failed,
      dropped: this.dropped,
      retried: this.retried,
      unstarted: this.unstarted.concat(this.queue.drain()),
      unfinished,
    };
    this.queueIndexes?.drain();
    this.unstarted = [];
    let endError = error;
    const { onFinalize } = this.options;
    if (onFinalize !== undefined) {
      try {
        onFinalize(report);
      } catch (thrown) {
        // A throwing onFinalize turns a clean end into an error; during an error the original wins.
        if (reason === 'complete' || reason === 'stopped') {
          reason = 'error';
          endError = thrown;
        } else reportLost(thrown);
      }
    }
    if (reason === 'error') this.sink.error(endError);
    else if (reason !== 'unsubscribed') this.sink.complete();
  }

  // ---- user callbacks ---------------------------------------------------------------------

  /** Runs an option's callback; if it throws, the pool halts with that error. */
  private callUser<A, B>(callback: (a: A, b: B) => void, a: A, b?: B): void {
    try {
      callback(a, b as B);
    } catch (error) {
      this.fatal(error);
    }
  }

  private progressed(): void {
    const { onProgress } = this.options;
    if (onProgress === undefined || this.state === State.Done) return;
    this.progressView ??= new ProgressView(this);
    this.callUser<Readonly<PoolProgress>, undefined>(onProgress, this.progressView);
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

/** Handles a promise's rejection that nobody waits for any more: never an unhandled rejection. */
function ignoreRejection(promise: PromiseLike<unknown>): void {
  try {
    promise.then(undefined, () => undefined);
  } catch {
    // A `then` that throws has nothing left to reject.
  }
}
