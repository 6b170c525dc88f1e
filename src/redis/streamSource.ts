import type { PoolOutcome, PoolSource, PoolSourceTarget } from '../sources/poolSource.js';
import type { RedisCommand, RedisLink } from './connection.js';
import type { ResolvedStreamOptions } from './options.js';
import { messageOf, RedisStreamError } from './redisError.js';
import {
  autoClaimOf,
  deliveriesOf,
  newEntriesOf,
  pendingCountOf,
  readGroupEntries,
  type RawEntry,
} from './replies.js';
import { HeldEntries, SourceEntry } from './heldEntries.js';
import type { StreamEntry } from './types.js';

/**
 * The idle time a released entry is given (about three years): past any consumer's `claimIdle`,
 * so the next `XAUTOCLAIM` of any consumer takes it, and below the server's clock (Redis resets an
 * idle time that would put the delivery before 1970 to zero).
 */
const RELEASED_IDLE = '100000000000';

/** What a microtask is queued on (Node's `queueMicrotask` makes an async resource per call). */
const RESOLVED = Promise.resolve();

/** The most entries one read asks for, whatever room the pool has. */
const MAX_COUNT = 1000;

/**
 * A dead letter and its ack, in that order, in one script: a failing `redis.call` aborts the
 * script, so an entry whose dead letter was not written (say the key holds a string) is not acked
 * and stays pending. (A `MULTI` would not do: Redis runs the `XACK` after a failed `XADD`.)
 * KEYS: stream, dead-letter stream; ARGV: group, id, fields as JSON, error, consumer, deliveries.
 */
const DEAD_LETTER_SCRIPT = `redis.call('XADD', KEYS[2], '*', 'id', ARGV[2], 'fields', ARGV[3], 'error', ARGV[4], 'consumer', ARGV[5], 'deliveries', ARGV[6])
return redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])`;

/**
 * The refresh of the entries this consumer works on: each one's idle time is reset (`XCLAIM ... 0
 * JUSTID`) only while it is still in this consumer's own pending list, so an entry another
 * consumer claimed (this process stalled past `claimIdle`) stays with that consumer.
 * KEYS: stream; ARGV: group, consumer, ids.
 */
const REFRESH_SCRIPT = `local refreshed = 0
for i = 3, #ARGV do
  if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2]) == 1 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    refreshed = refreshed + 1
  end
end
return refreshed`;

/** The writes that settle entries, pipelined so that one round trip carries them. */
interface WriteBatch {
  commands: RedisCommand[];
  /** `names[i]` is the command `commands[i]` is reported as (a dead letter's script: `XADD`). */
  names: string[];
  /** `ids[i]` are the entries `commands[i]` settles. */
  ids: string[][];
}

/**
 * A write in flight: the commands it is reported as, and the entries each settles (as in its
 * batch: nothing is joined or flattened per write, only if `closeTimeout` passes).
 */
interface WriteInFlight {
  readonly names: readonly string[];
  readonly ids: readonly (readonly string[])[];
}

/** Adds one command to a batch, with the name it is reported as and the entries it settles. */
function addWrite(batch: WriteBatch, name: string, command: RedisCommand, ids: string[]): void {
  batch.commands.push(command);
  batch.names.push(name);
  batch.ids.push(ids);
}

/** What a dead letter's `fields` says when the entry's fields cannot be written as JSON. */
const UNWRITABLE_FIELDS = 'fields that could not be written as JSON';

/**
 * An entry's fields as JSON, for its dead letter. It never throws (no settling write may fail to
 * be made): fields that work changed into something JSON cannot write (a BigInt, a cycle, a
 * `toJSON` that gives nothing) are described as {@link UNWRITABLE_FIELDS}; the entry's `id` still
 * finds the original in the stream.
 */
function fieldsAsJson(entry: StreamEntry): string {
  try {
    // `undefined` for a value JSON has no text for (the types say a string, the runtime may not).
    const json = JSON.stringify(entry.fields) as string | undefined;
    return json ?? UNWRITABLE_FIELDS;
  } catch {
    return UNWRITABLE_FIELDS;
  }
}

/** The reply of a pipeline's last command, the read; it rejects with that command's error. */
function lastReplyOf(replies: readonly unknown[]): unknown {
  const reply = replies[replies.length - 1];
  if (reply instanceof Error) throw reply;
  return reply;
}

/** What the refresh of held entries is reported as. */
const REFRESH_NAMES: readonly string[] = ['XCLAIM'];

/**
 * One run of {@link redisStream} over a consumer group: the Redis side of the pool's pull protocol.
 *
 * Rules it keeps:
 * - Order of taking, each read asking for at most the pool's room: first this consumer's own
 *   pending entries (`XREADGROUP ... 0`), then entries idle past `claimIdle` (`XAUTOCLAIM`), then
 *   new ones (`>`), first without blocking on the user's client, then blocking on a duplicate.
 * - untilEmpty: the source completes only once nothing is new, the pool holds nothing and no
 *   entry of the group is pending; while entries it cannot take yet are pending (another
 *   consumer's), it reads as a running consumer does (blocking), and claims them once they are
 *   idle past `claimIdle`.
 * - Nothing new: before a blocking read (or untilEmpty's end), what was released since the last
 *   claim scan from the start of the pending list is claimed first.
 * - A pull that comes while the pool still holds entries waits for the end of the current turn of
 *   the event loop before it reads, so that the entries settling in the same turn (quick work)
 *   free their room first and one read asks for all of it (`isPending` stays true meanwhile); once
 *   the pool holds nothing, the pool is asked to pull again at once (nothing more can free room).
 * - Every write that settles an entry (ack, dead letter, release) goes out ahead of the next read,
 *   on the same connection and in the same pipeline (a blocking read, on its own connection, only
 *   once they are written), so this consumer's pending list never holds more than
 *   `concurrency + bufferSize` entries it read and has not settled. A write waits for a read only
 *   while a gathering pull is about to make one; otherwise a timer sends it within its turn.
 * - An entry is acked only once Redis did what settles it: a dead letter's `XACK` runs in the
 *   same script as its `XADD`, after it.
 * - An entry the pool accepted is recorded as held before the pool hears of it (its work may
 *   settle it synchronously), and is refreshed (`XCLAIM ... JUSTID` to itself, while it is still
 *   this consumer's) every `claimIdle / 3` until it settles, so no other consumer claims it.
 * - An entry that arrives after the pool let go, or that the pool hands back (`unstarted`,
 *   `unfinished`), is released at once: idle time past any `claimIdle`, delivery count unchanged.
 * - `close()` resolves once every write of the run is done. If one failed, the entries it would
 *   have settled stay pending in Redis and are named: in this source's own error when the run
 *   ends with it (then `close()` resolves: that error is delivered once), else in the rejection.
 * - `close()` waits at most `closeTimeout` for Redis (the blocking read's end, `CLIENT UNBLOCK`,
 *   the writes). Past it, the source's own connection is closed, nothing more is sent, and the
 *   entries whose writes got no reply are named as above, with the commands that got none.
 *
 * @internal
 */
export class RedisStreamSource implements PoolSource<StreamEntry> {
  isPending = false;

  /** The pool let go of the source (`release`) or the run closes: take nothing more. */
  private isReleased = false;
  /** The source completed or failed: it says nothing more to the pool. */
  private hasEnded = false;
  private readonly opened: Promise<void>;
  /** `opened` has resolved: an answer need not wait for it. */
  private isOpen = false;
  private answering: Promise<void> | undefined;
  /** untilEmpty: an answer parked until something may become claimable, with its room. */
  private parkedRoom: number | undefined;
  /** A pull waits for held entries to settle, until the end of this turn at most (see `gather`). */
  private isGathering = false;
  /** The end of the turn a gathering waits for, once it waits for it (see `gather`). */
  private gatherTimer: ReturnType<typeof setImmediate> | undefined;
  /** The next pull reads at once: it comes after a gathering. */
  private isGathered = false;
  /** A gathering has ended and the pool pulls again from a microtask (see `endGathering`). */
  private isGatheredSoon = false;
  /** A settle's look at whether a read will carry its write is queued (see `writeWaits`). */
  private isWriteCheckQueued = false;

  /** The last read of new entries made, and the room it asks for (see `freshRead`). */
  private freshReadRoom = 0;
  private freshReadCommand: RedisCommand | undefined;
  private readsOwnPending = true;
  private ownCursor = '0';
  private isClaimDue = true;
  private claimCursor = '0-0';
  /** An entry was released since the last claim scan began at the start of the pending list. */
  private hasReleasedSinceScan = false;

  /** The entries the pool accepted and has not settled, each in the slot it carries. */
  private readonly held = new HeldEntries();
  private acks: string[] = [];
  private releases: { id: string; deliveries: number }[] = [];
  private deadLetters: { entry: StreamEntry; error: unknown }[] = [];
  private readonly writes = new Map<Promise<void>, WriteInFlight>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly refreshTimer: ReturnType<typeof setInterval>;
  private isRefreshing = false;

  /** Aborted when the run closes: a wait for a connection ends. */
  private readonly closing = new AbortController();
  /** close() is done with Redis (or gave up past `closeTimeout`): nothing more is sent. */
  private isClosed = false;
  /** The commands the run awaits now, by name, with how many of each. */
  private readonly awaiting = new Map<string, number>();
  /** The commands that had no reply within `closeTimeout`, once it passed. */
  private expiredCommands: string | undefined;

  /** Entries whose settling write failed: they stay pending in Redis. */
  private readonly unsettled = new Set<string>();
  private failedCommand: string | undefined;
  private reportedError: RedisStreamError | undefined;

  private blocking: Promise<{ link: RedisLink; clientId: string }> | undefined;
  /** The duplicate once it is connected (before its `CLIENT ID` is known), to close it. */
  private blockingLink: RedisLink | undefined;
  private isBlockingRead = false;
  private unblocking: Promise<unknown> | undefined;

  constructor(
    private readonly main: RedisLink,
    private readonly options: ResolvedStreamOptions,
    private readonly target: PoolSourceTarget<StreamEntry>,
  ) {
    this.opened = this.open();
    this.opened.catch(() => undefined); // reported by the first pull
    this.refreshTimer = setInterval(() => this.tick(), this.refreshEvery);
  }

  /** How often live entries are refreshed and a claim is due. */
  private get refreshEvery(): number {
    return Math.max(1, Math.floor(this.options.claimIdle / 3));
  }

  pull(room: number): void {
    if (this.hasEnded || this.isReleased) return;
    if (this.held.size > 0 && !this.isGathered) return this.gather();
    this.isGathered = false;
    this.startAnswer(Math.min(room, MAX_COUNT));
  }

  /**
   * A pull while entries are still held waits for the end of the current turn of the event loop
   * (`setImmediate`): the entries that settle in the same turn (a burst of quick work) free their
   * room first, then `ready()` has the pool pull again with all of it, and one read asks for it.
   * The end of the turn is asked for only from a microtask: quick work has usually settled every
   * held entry by then, and {@link endGathering} has already had the pool pull again without it.
   */
  private gather(): void {
    this.isPending = true;
    this.isGathering = true;
    void RESOLVED.then(() => this.waitForEndOfTurn());
  }

  private waitForEndOfTurn(): void {
    if (!this.isGathering) return;
    this.gatherTimer = setImmediate(() => this.gathered());
  }

  /**
   * Every entry the pool held has settled while a pull waits: nothing more can free room, so the
   * wait ends now (in a microtask, once the pool is done settling), not at the end of the turn.
   */
  private endGathering(): void {
    this.cancelEndOfTurn();
    this.isGatheredSoon = true;
    void RESOLVED.then(() => this.gathered());
  }

  private gathered(): void {
    this.isGatheredSoon = false;
    this.cancelEndOfTurn();
    this.isPending = false;
    if (!this.isReleased && !this.hasEnded) {
      this.isGathered = true;
      this.target.ready();
    }
    // The read of the pull the pool made has taken the writes that waited for it; any left (no
    // pull came) go out on their own.
    if (this.hasWaitingWrites()) this.scheduleFlush();
  }

  private stopGathering(): void {
    if (!this.isGathering) return;
    this.cancelEndOfTurn();
    this.isPending = false;
    if (this.hasWaitingWrites()) this.scheduleFlush();
  }

  /** A gathering pull will read: at the end of this turn at the latest. */
  private isReadComing(): boolean {
    return this.isGathering || this.isGatheredSoon;
  }

  /**
   * A settle's write waits for the read a gathering pull is about to make; when no read is coming,
   * a timer sends it on its own. Which it is shows from a microtask on: the pool pulls again
   * within the call that settles, once this settle has returned.
   */
  private writeWaits(): void {
    if (this.isWriteCheckQueued || this.flushTimer !== undefined) return;
    this.isWriteCheckQueued = true;
    void RESOLVED.then(() => {
      this.isWriteCheckQueued = false;
      if (!this.isReadComing() && this.hasWaitingWrites()) this.scheduleFlush();
    });
  }

  private cancelEndOfTurn(): void {
    this.isGathering = false;
    if (this.gatherTimer === undefined) return;
    clearImmediate(this.gatherTimer);
    this.gatherTimer = undefined;
  }

  settle(entry: StreamEntry, outcome: PoolOutcome, error?: unknown): void {
    this.held.delete(entry);
    let releases = false;
    if (outcome === 'succeeded') {
      this.acks.push(entry.id);
    } else if (outcome === 'failed' && entry.deliveries >= this.options.maxDeliveries) {
      this.deadLetters.push({ entry, error });
    } else {
      // A failure before the last delivery keeps its count (this delivery counted); an entry the
      // pool never finished gives its delivery back.
      const deliveries = outcome === 'failed' ? entry.deliveries : entry.deliveries - 1;
      this.releases.push({ id: entry.id, deliveries: Math.max(0, deliveries) });
      this.hasReleasedSinceScan = true;
      releases = true;
    }
    this.writeWaits();
    if (this.held.size === 0 && this.isGathering) this.endGathering();
    if (this.parkedRoom !== undefined && (releases || this.held.size === 0)) this.unpark();
  }

  release(_reason: unknown): void {
    this.isReleased = true;
    this.stopGathering();
    if (this.parkedRoom !== undefined) {
      this.parkedRoom = undefined;
      this.isPending = false;
    }
    this.unblock();
  }

  async close(): Promise<void> {
    clearInterval(this.refreshTimer);
    this.isReleased = true;
    this.stopGathering();
    this.parkedRoom = undefined;
    this.closing.abort();
    this.unblock();
    let deadline: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<true>((resolve) => {
      deadline = setTimeout(() => resolve(true), this.options.closeTimeout);
    });
    const isExpired = await Promise.race([this.finishWrites().then(() => false), expired]);
    clearTimeout(deadline);
    if (isExpired) this.expire();
    this.isClosed = true;
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.blockingLink?.detach();
    await this.main.detach();
    if (this.unsettled.size === 0 && this.expiredCommands === undefined) return;
    const ids = [...this.unsettled];
    if (this.reportedError) {
      // The run ends with this source's own error, which the pool delivers once close() settles:
      // it names every entry left pending, and is not reported a second time.
      this.reportedError.addUnsettled(ids);
      return;
    }
    if (this.expiredCommands !== undefined) {
      throw new RedisStreamError(
        this.expiredCommands,
        `no reply within \`closeTimeout\` (${this.options.closeTimeout} ms); the source's own connection was closed`,
        ids,
      );
    }
    throw new RedisStreamError(this.failedCommand ?? 'write', 'a write did not complete', ids);
  }

  /** Waits for the answer under way, then sends what is left to write, until all is written. */
  private async finishWrites(): Promise<void> {
    await this.answering;
    await this.opened.catch(() => undefined);
    while (!this.isClosed) {
      this.flush();
      if (this.writes.size === 0) break;
      await Promise.all(this.writes.keys());
    }
    await this.unblocking;
  }

  /** `closeTimeout` passed: what had no reply is named, and its entries are unsettled. */
  private expire(): void {
    const names = new Set<string>();
    for (const write of this.writes.values()) {
      for (const name of write.names) names.add(name);
      for (const ids of write.ids) for (const id of ids) this.unsettled.add(id);
    }
    for (const name of this.awaiting.keys()) names.add(name);
    const waiting = [
      ...this.acks,
      ...this.releases.map((release) => release.id),
      ...this.deadLetters.map((dead) => dead.entry.id),
    ];
    for (const id of waiting) this.unsettled.add(id);
    this.expiredCommands = names.size > 0 ? [...names].join(', ') : 'write';
  }

  // ---- opening ----------------------------------------------------------------------------

  private async open(): Promise<void> {
    this.main.onLost((error) => {
      // A command in flight reports the loss itself, with its name; this is for the idle moments.
      // (a timer, so that it comes after the rejection of any command in flight).
      setTimeout(() => this.fail('connection', error), 0);
    });
    await this.command('connection', () => this.main.whenReady(this.closing.signal));
    const { stream, group } = this.options;
    await this.command('XGROUP CREATE', () =>
      this.main.send(['XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM']).then(
        () => undefined,
        (error: unknown) => {
          if (!messageOf(error).startsWith('BUSYGROUP')) throw error;
        },
      ),
    );
    this.isOpen = true;
  }

  private openBlocking(): Promise<{ link: RedisLink; clientId: string }> {
    this.blocking ??= (async () => {
      const link = await this.command('duplicate', () => this.main.duplicate(this.closing.signal));
      this.blockingLink = link;
      if (this.isClosed) await link.detach();
      link.onLost((error) => setTimeout(() => this.fail('XREADGROUP', error), 0));
      const clientId = String(await this.command('CLIENT ID', () => link.send(['CLIENT', 'ID'])));
      return { link, clientId };
    })();
    return this.blocking;
  }

  // ---- answering a pull -------------------------------------------------------------------

  private startAnswer(room: number): void {
    this.isPending = true;
    const answering = this.readsNewFirst() ? this.answerWithNew(room) : this.answer(room, false);
    const answer: Promise<void> = answering.then(
      () => this.answerEnded(answer),
      (error: unknown) => {
        this.answerEnded(answer);
        this.isPending = false;
        this.fail(undefined, error);
      },
    );
    this.answering = answer;
  }

  private answerEnded(answer: Promise<void>): void {
    if (this.answering === answer) this.answering = undefined;
  }

  /**
   * The next answer starts with the read of new entries: the source still takes, and nothing of
   * its own or to claim comes first.
   */
  private readsNewFirst(): boolean {
    return (
      this.isOpen && !this.isReleased && !this.hasEnded && !this.readsOwnPending && !this.isClaimDue
    );
  }

  /**
   * The answer to most pulls, a read of new entries, as one promise chain (not the state machine
   * of {@link answer}); when nothing is new, {@link answer} goes on from there.
   */
  private answerWithNew(room: number): Promise<void> {
    return this.readWithWrites(this.freshRead(room)).then((reply) => {
      const fresh = newEntriesOf(reply);
      return fresh.length > 0 ? this.hand(fresh) : this.answer(room, true);
    });
  }

  /**
   * Answers a pull, in the order of taking (see the class); `afterNothingNew`: the read of new
   * entries that begins it has already found nothing.
   */
  private async answer(room: number, afterNothingNew: boolean): Promise<void> {
    if (!this.isOpen) await this.opened;
    let scannedFromStart = false;
    for (let foundNothingNew = afterNothingNew; ; foundNothingNew = false) {
      if (!foundNothingNew) {
        if (this.isReleased || this.hasEnded) return this.hand([]);
        if (this.readsOwnPending) {
          const own = await this.readOwnPending(room);
          if (own === undefined) this.readsOwnPending = false;
          else if (own.length > 0) return this.hand(own);
          continue;
        }
        if (this.isClaimDue) {
          if (this.claimCursor === '0-0') {
            scannedFromStart = true;
            this.hasReleasedSinceScan = false;
          }
          const claimed = await this.claim(room);
          if (claimed.length > 0) return this.hand(claimed);
          if (this.isClaimDue) continue; // the scan goes on
        }
        const fresh = newEntriesOf(await this.readWithWrites(this.freshRead(room)));
        if (fresh.length > 0) return this.hand(fresh);
      }
      // Nothing new: before it waits, the source scans the pending list from its start once more
      // if an entry was released since the last such scan began (a failure to retry is taken at
      // once, not after a blocking read), and with untilEmpty at least once in every answer.
      if (this.hasReleasedSinceScan || (this.options.untilEmpty && !scannedFromStart)) {
        this.isClaimDue = true;
        this.claimCursor = '0-0';
        continue;
      }
      if (this.options.untilEmpty) {
        if (this.held.size > 0) {
          // What the pool still holds may be released and become claimable: wait for it. This
          // answer is over (a settle from now on may resume it).
          this.parkedRoom = room;
          this.answering = undefined;
          return;
        }
        if ((await this.groupPendingCount()) === 0) return this.complete();
        // Another consumer holds entries: it acks them, or they become claimable once idle past
        // claimIdle. Meanwhile read as a running consumer does, then scan for claims again; the
        // end is noticed within one blocking read of the last ack.
      }
      const blocked = await this.readBlocking(room);
      this.isClaimDue = true;
      return this.hand(blocked);
    }
  }

  /**
   * Hands entries to the pool; what it no longer takes goes back to Redis at once. An entry is
   * held from before `next()`: its work may settle it within the call.
   */
  private hand(entries: SourceEntry[]): void {
    for (const entry of entries) {
      if (!this.isReleased && !this.hasEnded) {
        this.held.add(entry);
        if (this.target.next(entry)) continue;
        this.held.delete(entry);
      }
      this.releases.push({ id: entry.id, deliveries: Math.max(0, entry.deliveries - 1) });
      this.scheduleFlush();
    }
    this.isPending = false;
    if (!this.isReleased && !this.hasEnded) this.target.ready();
  }

  private complete(): void {
    this.isPending = false;
    if (this.hasEnded || this.isReleased) return;
    this.hasEnded = true;
    this.target.complete();
  }

  /**
   * A parked answer goes on from a microtask: the settle that frees it may be the failure that
   * halts the pool, which releases the source only once that settle has returned.
   */
  private unpark(): void {
    void RESOLVED.then(() => this.resumeParked());
  }

  private resumeParked(): void {
    const room = this.parkedRoom;
    if (room === undefined || this.answering !== undefined || this.isReleased || this.hasEnded) {
      return;
    }
    this.parkedRoom = undefined;
    this.startAnswer(room);
  }

  private tick(): void {
    this.isClaimDue = true;
    this.refresh();
    this.unpark();
  }

  // ---- reads ------------------------------------------------------------------------------

  /** `XREADGROUP` of up to `room` entries after `from` (`>`: new ones), blocking or not. */
  private readCommand(room: number, from: string, block?: number): RedisCommand {
    const { stream, group, consumer } = this.options;
    const blocking = block === undefined ? [] : ['BLOCK', String(block)];
    return [
      'XREADGROUP',
      'GROUP',
      group,
      consumer,
      'COUNT',
      String(room),
      ...blocking,
      'STREAMS',
      stream,
      from,
    ];
  }

  /** The read of up to `room` new entries without blocking, made once for each room asked for. */
  private freshRead(room: number): RedisCommand {
    if (this.freshReadRoom !== room) {
      this.freshReadCommand = this.readCommand(room, '>');
      this.freshReadRoom = room;
    }
    return this.freshReadCommand!;
  }

  /**
   * The next of this consumer's own pending entries (a restarted consumer's, or ones it released),
   * or `undefined` once there are none left.
   */
  private async readOwnPending(room: number): Promise<SourceEntry[] | undefined> {
    const reply = await this.readWithWrites(this.readCommand(room, this.ownCursor));
    const raws = readGroupEntries(reply);
    if (raws.length === 0) return undefined;
    this.ownCursor = raws[raws.length - 1]!.id;
    const gone = raws.filter((raw) => raw.fields === undefined);
    if (gone.length > 0) {
      // Deleted from the stream (XDEL, trimming) while pending: nothing is left to work on.
      this.acks.push(...gone.map((raw) => raw.id));
      this.scheduleFlush();
    }
    return this.withDeliveries(raws.filter((raw) => raw.fields !== undefined));
  }

  /** One step of the `XAUTOCLAIM` scan; `isClaimDue` stays true while the scan goes on. */
  private async claim(room: number): Promise<SourceEntry[]> {
    const { stream, group, consumer, claimIdle } = this.options;
    const reply = await this.readWithWrites([
      'XAUTOCLAIM',
      stream,
      group,
      consumer,
      String(claimIdle),
      this.claimCursor,
      'COUNT',
      String(room),
    ]);
    const { cursor, entries } = autoClaimOf(reply);
    this.claimCursor = cursor;
    if (cursor === '0-0') this.isClaimDue = false;
    return this.withDeliveries(entries.filter((raw) => raw.fields !== undefined));
  }

  /** How many entries of the group, held by any consumer, are read and not yet acked. */
  private async groupPendingCount(): Promise<number> {
    const { stream, group } = this.options;
    return pendingCountOf(await this.readWithWrites(['XPENDING', stream, group]));
  }

  /** The delivery counts that a reply lacks, from the pending list; entries no longer ours drop out. */
  private async withDeliveries(raws: RawEntry[]): Promise<SourceEntry[]> {
    if (raws.length === 0) return [];
    const { stream, group, consumer } = this.options;
    const replies = await this.command('XPENDING', () =>
      this.main.pipeline(
        raws.map((raw) => ['XPENDING', stream, group, raw.id, raw.id, '1', consumer]),
      ),
    );
    const entries: SourceEntry[] = [];
    raws.forEach((raw, i) => {
      const reply = replies[i];
      if (reply instanceof Error) throw reply;
      const deliveries = deliveriesOf(reply).get(raw.id);
      if (deliveries !== undefined) entries.push(this.toEntry(raw, deliveries));
    });
    return entries;
  }

  private async readBlocking(room: number): Promise<SourceEntry[]> {
    await this.flushNow();
    const { link } = await this.openBlocking();
    if (this.isReleased || this.hasEnded) return [];
    const block = Math.min(this.options.block, this.refreshEvery);
    this.isBlockingRead = true;
    try {
      const reply = await this.command('XREADGROUP', () =>
        link.send(this.readCommand(room, '>', block)),
      );
      return newEntriesOf(reply);
    } finally {
      this.isBlockingRead = false;
    }
  }

  /** Ends a blocking read in progress (its reply is then empty). */
  private unblock(): void {
    if (!this.isBlockingRead || this.unblocking !== undefined || this.blocking === undefined) {
      return;
    }
    this.unblocking = this.blocking
      .then(({ link, clientId }) => this.unblockClient(link, clientId, 0))
      .catch(() => undefined);
  }

  /**
   * `CLIENT UNBLOCK` from the user's client. The read may not have reached the server yet (it
   * travels on the other connection): then try again shortly; if that does not do, or the user's
   * client cannot send it, closing our own connection ends the read as well.
   */
  private async unblockClient(link: RedisLink, clientId: string, tries: number): Promise<void> {
    let unblocked: unknown;
    try {
      unblocked = await this.command('CLIENT UNBLOCK', () =>
        this.main.send(['CLIENT', 'UNBLOCK', clientId]),
      );
    } catch {
      return link.detach();
    }
    if (Number(unblocked) === 1 || !this.isBlockingRead) return;
    if (tries >= 20) return link.detach();
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.isBlockingRead) return this.unblockClient(link, clientId, tries + 1);
  }

  private toEntry(raw: RawEntry, deliveries: number): SourceEntry {
    return new SourceEntry(raw.id, raw.fields ?? {}, deliveries);
  }

  // ---- writes -----------------------------------------------------------------------------

  /** Sends the waiting writes, then one read, in the same pipeline; the read's reply. */
  private readWithWrites(read: RedisCommand): Promise<unknown> {
    const batch = this.takeWrites();
    const name = read[0]!;
    if (batch === undefined) return this.command(name, () => this.main.send(read));
    // The writes' replies are checked before the read's reply is used: a write that failed halts
    // the run before the entries read with it are handed to the pool.
    return this.command(name, () => {
      const sent = this.main.pipeline([...batch.commands, read]);
      this.trackWrites(batch, sent);
      return sent;
    }).then(lastReplyOf);
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined || this.isClosed) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, 0);
  }

  /** Acks, releases or dead letters wait to be written. */
  private hasWaitingWrites(): boolean {
    return this.acks.length + this.releases.length + this.deadLetters.length > 0;
  }

  /** Sends the waiting writes now (the next read would carry them otherwise). */
  private flush(): void {
    if (this.isClosed) return;
    const batch = this.takeWrites();
    if (batch) this.trackWrites(batch, this.main.pipeline(batch.commands));
  }

  private async flushNow(): Promise<void> {
    this.flush();
    await Promise.all(this.writes.keys());
  }

  /** Checks each reply of a batch's pipeline (the replies after the batch's are not its own). */
  private trackWrites(batch: WriteBatch, sent: Promise<readonly unknown[]>): void {
    const checked = sent.then(
      (replies) => this.checkWrites(batch, replies),
      (error: unknown) => this.writeFailed(batch.names, batch.ids, error),
    );
    this.track(checked, batch.names, batch.ids);
  }

  private track(
    write: Promise<void>,
    names: readonly string[],
    ids: readonly (readonly string[])[],
  ): void {
    this.writes.set(write, { names, ids });
    const done = () => this.writes.delete(write);
    void write.then(done, done);
  }

  /**
   * The writes waiting to go out, as one batch (`undefined`: none). It never throws, whatever the
   * work threw or did to an entry (see {@link fieldsAsJson} and `messageOf`): it runs inside a pull
   * and from a timer, where a throw would lose the batch or end the process.
   */
  private takeWrites(): WriteBatch | undefined {
    if (!this.hasWaitingWrites()) return undefined;
    const batch: WriteBatch = { commands: [], names: [], ids: [] };
    if (this.acks.length > 0) {
      const { stream, group } = this.options;
      addWrite(batch, 'XACK', ['XACK', stream, group, ...this.acks], this.acks);
      this.acks = [];
    }
    if (this.releases.length > 0) this.takeReleases(batch);
    if (this.deadLetters.length > 0) this.takeDeadLetters(batch);
    return batch;
  }

  /** One XCLAIM per delivery count: idle past any claimIdle, the count as it must read. */
  private takeReleases(batch: WriteBatch): void {
    const { stream, group, consumer } = this.options;
    const byCount = new Map<number, string[]>();
    for (const { id, deliveries } of this.releases) {
      byCount.set(deliveries, [...(byCount.get(deliveries) ?? []), id]);
    }
    this.releases = [];
    for (const [deliveries, ids] of byCount) {
      addWrite(
        batch,
        'XCLAIM',
        [
          'XCLAIM',
          stream,
          group,
          consumer,
          '0',
          ...ids,
          'IDLE',
          RELEASED_IDLE,
          'RETRYCOUNT',
          String(deliveries),
          'JUSTID',
        ],
        ids,
      );
    }
  }

  /** One script per dead letter, so that a failing one names its own entry. */
  private takeDeadLetters(batch: WriteBatch): void {
    const { stream, group, consumer, deadLetter } = this.options;
    for (const { entry, error } of this.deadLetters) {
      addWrite(
        batch,
        'XADD',
        [
          'EVAL',
          DEAD_LETTER_SCRIPT,
          '2',
          stream,
          deadLetter,
          group,
          entry.id,
          fieldsAsJson(entry),
          messageOf(error),
          consumer,
          String(entry.deliveries),
        ],
        [entry.id],
      );
    }
    this.deadLetters = [];
  }

  private checkWrites(batch: WriteBatch, replies: readonly unknown[]): void {
    batch.commands.forEach((_command, i) => {
      const reply = replies[i];
      if (reply instanceof Error) this.writeFailed([batch.names[i]!], [batch.ids[i]!], reply);
    });
  }

  private writeFailed(names: readonly string[], ids: string[][], error: unknown): void {
    const name = [...new Set(names)].join(', ');
    for (const id of ids.flat()) this.unsettled.add(id);
    this.failedCommand ??= name;
    this.fail(name, error);
  }

  /** Refreshes the idle time of every entry the pool holds, so no other consumer claims it. */
  private refresh(): void {
    if (this.held.size === 0 || this.isRefreshing) return;
    const { stream, group, consumer } = this.options;
    this.isRefreshing = true;
    const ids = this.held.ids();
    const refreshed = this.main
      .send(['EVAL', REFRESH_SCRIPT, '1', stream, group, consumer, ...ids])
      .then(
        () => undefined,
        (error: unknown) => this.fail('XCLAIM', error),
      )
      .finally(() => (this.isRefreshing = false));
    this.track(refreshed, REFRESH_NAMES, []);
  }

  // ---- failing ----------------------------------------------------------------------------

  /** Runs one step, naming the command in the error it may fail with. */
  private command<R>(name: string, step: () => Promise<R>): Promise<R> {
    this.awaiting.set(name, (this.awaiting.get(name) ?? 0) + 1);
    let reply: Promise<R>;
    try {
      reply = step();
    } catch (error) {
      reply = Promise.reject(error);
    }
    return reply.then(
      (value) => {
        this.replied(name);
        return value;
      },
      (error: unknown) => {
        this.replied(name);
        throw error instanceof RedisStreamError ? error : this.errorFor(name, error);
      },
    );
  }

  /** One command of that name has its reply (or failed): it is awaited no more. */
  private replied(name: string): void {
    const left = this.awaiting.get(name)! - 1;
    if (left === 0) this.awaiting.delete(name);
    else this.awaiting.set(name, left);
  }

  private errorFor(name: string, error: unknown): RedisStreamError {
    return new RedisStreamError(name, messageOf(error), [...this.unsettled], error);
  }

  /** The run cannot go on: the pool halts with an error naming Redis and the command. */
  private fail(name: string | undefined, error: unknown): void {
    if (this.hasEnded) return;
    const failure =
      error instanceof RedisStreamError ? error : this.errorFor(name ?? 'command', error);
    if (this.isReleased) return; // the pool let go: close() reports what was left unsettled
    this.hasEnded = true;
    this.isPending = false;
    this.parkedRoom = undefined;
    this.reportedError = failure;
    this.target.error(failure);
  }
}
