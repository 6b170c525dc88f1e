import type { PoolOutcome, PoolSource, PoolSourceTarget } from '../sources/poolSource.js';
import type { RedisCommand, RedisLink } from './connection.js';
import type { ResolvedStreamOptions } from './options.js';
import { messageOf, RedisStreamError } from './redisError.js';
import { autoClaimOf, deliveriesOf, readGroupEntries, type RawEntry } from './replies.js';
import type { StreamEntry } from './types.js';

/**
 * The idle time a released entry is given (about three years): past any consumer's `claimIdle`,
 * so the next `XAUTOCLAIM` of any consumer takes it, and below the server's clock (Redis resets an
 * idle time that would put the delivery before 1970 to zero).
 */
const RELEASED_IDLE = '100000000000';

/** The most entries one read asks for, whatever room the pool has. */
const MAX_COUNT = 1000;

/** The writes that settle entries, taken together so one round trip carries them. */
interface WriteBatch {
  /** Acks and releases, pipelined; `ids[i]` are the entries `commands[i]` settles. */
  commands: RedisCommand[];
  ids: string[][];
  /** Dead letters and their acks, in one MULTI. */
  deadLetters: RedisCommand[];
  deadIds: string[];
}

/**
 * One run of {@link redisStream} over a consumer group: the Redis side of the pool's pull protocol.
 *
 * Rules it keeps:
 * - Order of taking, each read asking for at most the pool's room: first this consumer's own
 *   pending entries (`XREADGROUP ... 0`), then entries idle past `claimIdle` (`XAUTOCLAIM`), then
 *   new ones (`>`), first without blocking on the user's client, then blocking on a duplicate.
 * - Every write that settles an entry (ack, dead letter, release) goes out before the next read,
 *   on the same connection and in the same round trip, so this consumer's pending list never holds
 *   more than `concurrency + bufferSize` entries it read and has not settled.
 * - An entry the pool accepted is refreshed (`XCLAIM ... JUSTID` to itself) every `claimIdle / 3`
 *   until it settles, so no other consumer claims a live entry.
 * - An entry that arrives after the pool let go, or that the pool hands back (`unstarted`,
 *   `unfinished`), is released at once: idle time past any `claimIdle`, delivery count unchanged.
 * - `close()` resolves once every write of the run is done. If one failed, the entries it would
 *   have settled stay pending in Redis and are named: in this source's own error when the run
 *   ends with it (then `close()` resolves: that error is delivered once), else in the rejection.
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
  private answering: Promise<void> | undefined;
  /** untilEmpty: an answer parked until something may become claimable, with its room. */
  private parkedRoom: number | undefined;

  private readsOwnPending = true;
  private ownCursor = '0';
  private isClaimDue = true;
  private claimCursor = '0-0';

  private readonly held = new Map<string, StreamEntry>();
  private acks: string[] = [];
  private releases: { id: string; deliveries: number }[] = [];
  private deadLetters: { entry: StreamEntry; error: unknown }[] = [];
  private readonly writes = new Set<Promise<void>>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly refreshTimer: ReturnType<typeof setInterval>;
  private isRefreshing = false;

  /** Entries whose settling write failed: they stay pending in Redis. */
  private readonly unsettled = new Set<string>();
  private failedCommand: string | undefined;
  private reportedError: RedisStreamError | undefined;

  private blocking: Promise<{ link: RedisLink; clientId: string }> | undefined;
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
    this.startAnswer(Math.min(room, MAX_COUNT));
  }

  settle(entry: StreamEntry, outcome: PoolOutcome, error?: unknown): void {
    this.held.delete(entry.id);
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
      releases = true;
    }
    this.scheduleFlush();
    if (this.parkedRoom !== undefined && (releases || this.held.size === 0)) this.unpark();
  }

  release(_reason: unknown): void {
    this.isReleased = true;
    if (this.parkedRoom !== undefined) {
      this.parkedRoom = undefined;
      this.isPending = false;
    }
    this.unblock();
  }

  async close(): Promise<void> {
    clearInterval(this.refreshTimer);
    this.isReleased = true;
    this.parkedRoom = undefined;
    this.unblock();
    await this.answering;
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.opened.catch(() => undefined);
    for (;;) {
      this.flush();
      if (this.writes.size === 0) break;
      await Promise.all(this.writes);
    }
    await this.unblocking;
    const blocking = await this.blocking?.catch(() => undefined);
    await blocking?.link.detach();
    await this.main.detach();
    if (this.unsettled.size === 0) return;
    const ids = [...this.unsettled];
    if (this.reportedError) {
      // The run ends with this source's own error, which the pool delivers once close() settles:
      // it names every entry left pending, and is not reported a second time.
      this.reportedError.addUnsettled(ids);
      return;
    }
    throw new RedisStreamError(this.failedCommand ?? 'write', 'a write did not complete', ids);
  }

  // ---- opening ----------------------------------------------------------------------------

  private async open(): Promise<void> {
    this.main.onLost((error) => {
      // A command in flight reports the loss itself, with its name; this is for the idle moments.
      // (a timer, so that it comes after the rejection of any command in flight).
      setTimeout(() => this.fail('connection', error), 0);
    });
    await this.command('connection', () => this.main.whenReady());
    const { stream, group } = this.options;
    await this.command('XGROUP CREATE', () =>
      this.main.send(['XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM']).then(
        () => undefined,
        (error: unknown) => {
          if (!messageOf(error).startsWith('BUSYGROUP')) throw error;
        },
      ),
    );
  }

  private openBlocking(): Promise<{ link: RedisLink; clientId: string }> {
    this.blocking ??= (async () => {
      const link = await this.command('duplicate', () => this.main.duplicate());
      link.onLost((error) => setTimeout(() => this.fail('XREADGROUP', error), 0));
      const clientId = String(await this.command('CLIENT ID', () => link.send(['CLIENT', 'ID'])));
      return { link, clientId };
    })();
    return this.blocking;
  }

  // ---- answering a pull -------------------------------------------------------------------

  private startAnswer(room: number): void {
    this.isPending = true;
    const answer = this.answer(room).then(undefined, (error: unknown) => {
      this.isPending = false;
      this.fail(undefined, error);
    });
    this.answering = answer;
    void answer.finally(() => {
      if (this.answering === answer) this.answering = undefined;
    });
  }

  private async answer(room: number): Promise<void> {
    await this.opened;
    let scannedFromStart = false;
    for (;;) {
      if (this.isReleased || this.hasEnded) return this.hand([]);
      if (this.readsOwnPending) {
        const own = await this.readOwnPending(room);
        if (own === undefined) this.readsOwnPending = false;
        else if (own.length > 0) return this.hand(own);
        continue;
      }
      if (this.isClaimDue) {
        scannedFromStart ||= this.claimCursor === '0-0';
        const claimed = await this.claim(room);
        if (claimed.length > 0) return this.hand(claimed);
        if (this.isClaimDue) continue; // the scan goes on
      }
      const fresh = readGroupEntries(await this.readWithWrites(this.readCommand(room, '>')));
      if (fresh.length > 0) return this.hand(fresh.map((raw) => this.toEntry(raw, 1)));
      if (this.options.untilEmpty) {
        if (!scannedFromStart) {
          this.isClaimDue = true;
          this.claimCursor = '0-0';
          continue;
        }
        if (this.held.size === 0) return this.complete();
        // What the pool still holds may be released and become claimable: wait for it.
        this.parkedRoom = room;
        return;
      }
      const blocked = await this.readBlocking(room);
      this.isClaimDue = true;
      return this.hand(blocked.map((raw) => this.toEntry(raw, 1)));
    }
  }

  /** Hands entries to the pool; what it no longer takes goes back to Redis at once. */
  private hand(entries: StreamEntry[]): void {
    for (const entry of entries) {
      if (!this.isReleased && !this.hasEnded && this.target.next(entry)) {
        this.held.set(entry.id, entry);
      } else {
        this.releases.push({ id: entry.id, deliveries: Math.max(0, entry.deliveries - 1) });
        this.scheduleFlush();
      }
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

  private unpark(): void {
    const room = this.parkedRoom;
    if (room === undefined || this.answering !== undefined) return;
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

  /**
   * The next of this consumer's own pending entries (a restarted consumer's, or ones it released),
   * or `undefined` once there are none left.
   */
  private async readOwnPending(room: number): Promise<StreamEntry[] | undefined> {
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
  private async claim(room: number): Promise<StreamEntry[]> {
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

  /** The delivery counts that a reply lacks, from the pending list; entries no longer ours drop out. */
  private async withDeliveries(raws: RawEntry[]): Promise<StreamEntry[]> {
    if (raws.length === 0) return [];
    const { stream, group, consumer } = this.options;
    const replies = await this.command('XPENDING', () =>
      this.main.pipeline(
        raws.map((raw) => ['XPENDING', stream, group, raw.id, raw.id, '1', consumer]),
      ),
    );
    const entries: StreamEntry[] = [];
    raws.forEach((raw, i) => {
      const reply = replies[i];
      if (reply instanceof Error) throw reply;
      const deliveries = deliveriesOf(reply).get(raw.id);
      if (deliveries !== undefined) entries.push(this.toEntry(raw, deliveries));
    });
    return entries;
  }

  private async readBlocking(room: number): Promise<RawEntry[]> {
    await this.flushNow();
    const { link } = await this.openBlocking();
    if (this.isReleased || this.hasEnded) return [];
    const block = Math.min(this.options.block, this.refreshEvery);
    this.isBlockingRead = true;
    try {
      const reply = await this.command('XREADGROUP', () =>
        link.send(this.readCommand(room, '>', block)),
      );
      return readGroupEntries(reply);
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
      unblocked = await this.main.send(['CLIENT', 'UNBLOCK', clientId]);
    } catch {
      return link.detach();
    }
    if (Number(unblocked) === 1 || !this.isBlockingRead) return;
    if (tries >= 20) return link.detach();
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.isBlockingRead) return this.unblockClient(link, clientId, tries + 1);
  }

  private toEntry(raw: RawEntry, deliveries: number): StreamEntry {
    return { id: raw.id, fields: raw.fields ?? {}, deliveries };
  }

  // ---- writes -----------------------------------------------------------------------------

  /** Sends the waiting writes and one read in the same round trip; the read's reply. */
  private async readWithWrites(read: RedisCommand): Promise<unknown> {
    const batch = this.takeWrites();
    const name = read[0]!;
    const replies = await this.command(name, () => {
      const sent = this.main.pipeline([...(batch?.commands ?? []), read]);
      if (batch) {
        this.track(
          this.writeDeadLetters(batch),
          sent.then(
            (replies) => this.checkWrites(batch, replies),
            (error: unknown) => this.writeFailed(batch.commands, batch.ids, error),
          ),
        );
      }
      return sent;
    });
    const reply = replies[replies.length - 1];
    if (reply instanceof Error) throw reply;
    return reply;
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, 0);
  }

  /** Sends the waiting writes now (the next read would carry them otherwise). */
  private flush(): void {
    const batch = this.takeWrites();
    if (!batch) return;
    const sent =
      batch.commands.length === 0
        ? Promise.resolve<unknown[]>([])
        : this.main.pipeline(batch.commands);
    this.track(
      this.writeDeadLetters(batch),
      sent.then(
        (replies) => this.checkWrites(batch, replies),
        (error: unknown) => this.writeFailed(batch.commands, batch.ids, error),
      ),
    );
  }

  private async flushNow(): Promise<void> {
    this.flush();
    await Promise.all(this.writes);
  }

  private track(...writes: Promise<void>[]): void {
    for (const write of writes) {
      this.writes.add(write);
      void write.finally(() => this.writes.delete(write));
    }
  }

  private takeWrites(): WriteBatch | undefined {
    if (this.acks.length + this.releases.length + this.deadLetters.length === 0) return undefined;
    const { stream, group, consumer, deadLetter } = this.options;
    const batch: WriteBatch = { commands: [], ids: [], deadLetters: [], deadIds: [] };
    if (this.acks.length > 0) {
      batch.commands.push(['XACK', stream, group, ...this.acks]);
      batch.ids.push(this.acks);
      this.acks = [];
    }
    // One XCLAIM per delivery count: idle past any claimIdle, the count as it must read.
    const byCount = new Map<number, string[]>();
    for (const { id, deliveries } of this.releases) {
      byCount.set(deliveries, [...(byCount.get(deliveries) ?? []), id]);
    }
    this.releases = [];
    for (const [deliveries, ids] of byCount) {
      batch.commands.push([
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
      ]);
      batch.ids.push(ids);
    }
    for (const { entry, error } of this.deadLetters) {
      batch.deadLetters.push([
        'XADD',
        deadLetter,
        '*',
        'id',
        entry.id,
        'fields',
        JSON.stringify(entry.fields),
        'error',
        messageOf(error),
        'consumer',
        consumer,
        'deliveries',
        String(entry.deliveries),
      ]);
      batch.deadIds.push(entry.id);
    }
    if (batch.deadIds.length > 0) batch.deadLetters.push(['XACK', stream, group, ...batch.deadIds]);
    this.deadLetters = [];
    return batch;
  }

  private writeDeadLetters(batch: WriteBatch): Promise<void> {
    if (batch.deadIds.length === 0) return Promise.resolve();
    return this.main.transaction(batch.deadLetters).then(
      () => undefined,
      (error: unknown) => this.writeFailed([['MULTI']], [batch.deadIds], error),
    );
  }

  private checkWrites(batch: WriteBatch, replies: readonly unknown[]): void {
    batch.commands.forEach((command, i) => {
      const reply = replies[i];
      if (reply instanceof Error) this.writeFailed([command], [batch.ids[i]!], reply);
    });
  }

  private writeFailed(commands: RedisCommand[], ids: string[][], error: unknown): void {
    const names = [...new Set(commands.map((command) => command[0]!))].join(', ');
    for (const id of ids.flat()) this.unsettled.add(id);
    this.failedCommand ??= names;
    this.fail(names, error);
  }

  /** Refreshes the idle time of every entry the pool holds, so no other consumer claims it. */
  private refresh(): void {
    if (this.held.size === 0 || this.isRefreshing) return;
    const { stream, group, consumer } = this.options;
    this.isRefreshing = true;
    const ids = [...this.held.keys()];
    const refreshed = this.main
      .send(['XCLAIM', stream, group, consumer, '0', ...ids, 'JUSTID'])
      .then(
        () => undefined,
        (error: unknown) => this.fail('XCLAIM', error),
      )
      .finally(() => (this.isRefreshing = false));
    this.track(refreshed);
  }

  // ---- failing ----------------------------------------------------------------------------

  /** Runs one step, naming the command in the error it may fail with. */
  private async command<R>(name: string, step: () => Promise<R>): Promise<R> {
    try {
      return await step();
    } catch (error) {
      throw error instanceof RedisStreamError ? error : this.errorFor(name, error);
    }
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
    this.reportedError = failure;
    this.target.error(failure);
  }
}
