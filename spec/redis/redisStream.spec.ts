/**
 * redisStream through poolFrom against a real Redis, with both clients: what is acked, released
 * and dead-lettered, backpressure, halts, stops, and the order in which a run ends.
 */
import { Socket } from 'node:net';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { lastValueFrom, of, Subject, type Observable } from 'rxjs';
import { poolFrom } from '../../src/index.js';
import type { PoolReport } from '../../src/index.js';
import { redisStream, RedisStreamError, type StreamEntry } from '../../src/redis/index.js';
import { deferred } from '../helpers/deferred.js';
import {
  clientKinds,
  connectAdmin,
  connectClient,
  monitorCommands,
  type AdminClient,
  type CommandLog,
  type ConnectedClient,
} from '../helpers/redisClients.js';
import {
  blockedReaders,
  deadLettersOf,
  delay,
  freshStream,
  heldBy,
  pendingOf,
  readAs,
  RELEASED_IDLE_FROM,
  seed,
  waitFor,
} from '../helpers/redisFixtures.js';
import { describeRedis, startRedis, type RedisServer } from '../helpers/redisServer.js';

const GROUP = 'workers';

/** Runs a pool to its end; resolves with the report, whether it completed or failed. */
function runToEnd<R>(
  make: (onFinalize: (report: PoolReport<StreamEntry>) => void) => Observable<R>,
): Promise<{ report: PoolReport<StreamEntry>; results: R[]; error?: unknown }> {
  return new Promise((resolve) => {
    let report: PoolReport<StreamEntry> | undefined;
    const results: R[] = [];
    make((r) => (report = r)).subscribe({
      next: (value) => results.push(value),
      complete: () => resolve({ report: report!, results }),
      error: (error: unknown) => resolve({ report: report!, results, error }),
    });
  });
}

/**
 * Runs a second consumer until the stream is empty (claimIdle a minute: it takes only what is new
 * or was released); the entries it saw, in order.
 */
async function drainAs(client: unknown, stream: string, consumer: string): Promise<StreamEntry[]> {
  const seen: StreamEntry[] = [];
  await lastValueFrom(
    poolFrom(
      redisStream(client, { stream, group: GROUP, consumer, claimIdle: 60_000, untilEmpty: true }),
      async (entry) => {
        seen.push(entry);
      },
      { concurrency: 4 },
    ),
    { defaultValue: undefined },
  );
  return seen;
}

/**
 * Calls `heard` with each raw command the source sends through the client (before the client
 * writes it), and its reply to come; returns what puts the client back as it was.
 */
function listenToCommands(
  connected: ConnectedClient,
  heard: (command: string[], reply: Promise<unknown>) => void,
) {
  const client = connected.client as Record<string, (...args: never[]) => unknown>;
  const method = connected.kind === 'ioredis' ? 'call' : 'sendCommand';
  const original = client[method]!;
  client[method] = function (this: unknown, ...args: never[]) {
    const reply = original.apply(this, args) as Promise<unknown>;
    heard(connected.kind === 'ioredis' ? args.map(String) : [...(args[0] as string[])], reply);
    return reply;
  };
  return () => {
    client[method] = original;
  };
}

/**
 * Records, as text, what each write of any socket of this process hands to the system (one
 * `_write` or `_writev` call: what a corked socket gathered leaves in one); returns the record and
 * what puts the sockets back as they were.
 */
function recordSocketWrites(): { writes: string[]; stop(): void } {
  const writes: string[] = [];
  stopRecordingSockets();
  const proto = Socket.prototype as unknown as {
    _write(chunk: unknown, encoding: string, callback: () => void): void;
    _writev(chunks: { chunk: unknown }[], callback: () => void): void;
  };
  const { _write: write, _writev: writev } = proto;
  proto._write = function (this: Socket, chunk, encoding, callback) {
    writes.push(String(chunk));
    write.call(this, chunk, encoding, callback);
  };
  proto._writev = function (this: Socket, chunks, callback) {
    writes.push(chunks.map(({ chunk }) => String(chunk)).join(''));
    writev.call(this, chunks, callback);
  };
  stopRecordingSockets = () => {
    proto._write = write;
    proto._writev = writev;
    stopRecordingSockets = () => undefined;
  };
  return { writes, stop: () => stopRecordingSockets() };
}

/** Puts the sockets back as they were, if a recording is still on (a test that timed out). */
let stopRecordingSockets = (): void => undefined;
afterEach(() => stopRecordingSockets());

/** Sends `ECHO marker` and waits until MONITOR has logged it: everything before it is in the log. */
async function untilMonitored(admin: AdminClient, log: CommandLog, marker: string): Promise<void> {
  await admin.call('ECHO', marker);
  await waitFor(async () => log.commands.some((args) => args.join(' ') === `ECHO ${marker}`));
}

const idsOf = (entries: readonly StreamEntry[]) => entries.map((entry) => entry.id);
/** What the specs need of a client's connection: its events. */
interface EventEmitterLike {
  once(event: string, listener: () => void): unknown;
}
const sorted = (ids: Iterable<string>) => [...ids].sort();

describeRedis('redisStream', () => {
  let server: RedisServer;
  let admin: AdminClient;

  beforeAll(async () => {
    server = await startRedis();
    admin = await connectAdmin(server.url);
  });
  afterAll(async () => {
    await admin?.close();
    await server?.stop();
  });

  describe.each(clientKinds)('with %s', (kind) => {
    let connected: ConnectedClient;
    beforeEach(async () => {
      connected = await connectClient(kind, server.url);
    });
    afterEach(async () => {
      await connected.close();
    });
    /** A batch run (untilEmpty) of consumer `c1`, with the source's defaults. */
    const batchRun = (stream: string) =>
      redisStream(connected.client, { stream, group: GROUP, consumer: 'c1', untilEmpty: true });
    /** A batch run of consumer `c1` in which a failure dead-letters the entry at once. */
    const failOnce = (stream: string) =>
      redisStream(connected.client, {
        stream,
        group: GROUP,
        consumer: 'c1',
        maxDeliveries: 1,
        untilEmpty: true,
      });

    it('acks exactly what succeeded, releases an earlier failure, and dead-letters a failure on the maxDeliveries-th delivery', async () => {
      const stream = freshStream('settle');
      const isPoison = (i: number) => i % 7 === 3;
      const ids = await seed(admin, stream, 60, isPoison);
      const poison = ids.filter((_, i) => isPoison(i));
      const deliveriesSeen = new Map<string, number[]>();
      const jobs = redisStream(connected.client, {
        stream,
        group: GROUP,
        consumer: 'c1',
        maxDeliveries: 3,
        untilEmpty: true,
      });
      const { report, results, error } = await runToEnd((onFinalize) =>
        poolFrom(
          jobs,
          async (entry) => {
            deliveriesSeen.set(entry.id, [
              ...(deliveriesSeen.get(entry.id) ?? []),
              entry.deliveries,
            ]);
            if (entry.fields.poison) throw new Error(`poison entry ${entry.fields.n}`);
            return entry.id;
          },
          { concurrency: 4, bufferSize: 4, tolerate: Infinity, onFinalize },
        ),
      );

      expect(error).toBeUndefined();
      expect(report.reason).toBe('complete');
      // Each healthy entry succeeded once, and only those were acked.
      expect(sorted(results)).toEqual(sorted(ids.filter((id) => !poison.includes(id))));
      expect(report.succeeded).toBe(ids.length - poison.length);
      // A poison entry came back after each earlier failure, its count going up, until the third.
      for (const id of poison) expect(deliveriesSeen.get(id)).toEqual([1, 2, 3]);
      expect(report.failed).toBe(poison.length * 3);
      const dead = await deadLettersOf(admin, `${stream}:dead`);
      expect(sorted(dead.map((record) => record.id!))).toEqual(sorted(poison));
      for (const record of dead) {
        const n = JSON.parse(record.fields!).n as string;
        expect(record).toEqual({
          id: ids[Number(n)],
          fields: JSON.stringify({ n, poison: '1' }),
          error: `poison entry ${n}`,
          consumer: 'c1',
          deliveries: '3',
        });
      }
      expect(await pendingOf(admin, stream, GROUP)).toEqual([]);
    });

    it('never holds more than concurrency + bufferSize entries it read and has not settled (XPENDING sampled during the run)', async () => {
      const stream = freshStream('backpressure');
      await seed(admin, stream, 80, (i) => i % 9 === 0);
      const samples: number[] = [];
      const jobs = redisStream(connected.client, {
        stream,
        group: GROUP,
        consumer: 'c1',
        maxDeliveries: 2,
        untilEmpty: true,
      });
      await lastValueFrom(
        poolFrom(
          jobs,
          async (entry) => {
            samples.push(await heldBy(admin, stream, GROUP, 'c1'));
            if (entry.fields.poison) throw new Error('poison');
          },
          { concurrency: 3, bufferSize: 2, tolerate: Infinity },
        ),
        { defaultValue: undefined },
      );
      expect(samples.length).toBeGreaterThan(80);
      expect(Math.max(...samples)).toBeLessThanOrEqual(3 + 2);
      expect(Math.max(...samples)).toBeGreaterThanOrEqual(3);
    });

    it("a halt in one of two consumers: exactly the report's unstarted and unfinished entries, and its failure, go to the other; only succeeded ones were acked by the first", async () => {
      const stream = freshStream('halt');
      const ids = await seed(admin, stream, 40);
      // The first read takes 0-7; 0-3 succeed at once, so 4-7 start and a second read takes 8-11;
      // entry 4 fails only later, when the pool is full and no read is under way.
      const bad = ids[4]!;
      const first = await runToEnd((onFinalize) =>
        poolFrom(
          redisStream(connected.client, { stream, group: GROUP, consumer: 'a', claimIdle: 60_000 }),
          async (entry, { signal }) => {
            if (entry.id === bad) {
              await delay(30, signal);
              throw new Error('bad entry');
            }
            await delay(ids.indexOf(entry.id) < 4 ? 1 : 1_000, signal);
            return entry.id;
          },
          { concurrency: 4, bufferSize: 4, onFinalize },
        ),
      );
      expect(first.error).toEqual(new Error('bad entry'));
      const handedBack = [...idsOf(first.report.unstarted), ...idsOf(first.report.unfinished)];
      expect(idsOf(first.report.unfinished)).toEqual(ids.slice(5, 8));
      expect(idsOf(first.report.unstarted)).toEqual(ids.slice(8, 12));
      // What `a` still holds in Redis is exactly what it did not succeed with, all released.
      const pendingA = await pendingOf(admin, stream, GROUP, 'a');
      expect(sorted(pendingA.map((row) => row.id))).toEqual(sorted([...handedBack, bad]));
      for (const row of pendingA) expect(row.idle).toBeGreaterThan(RELEASED_IDLE_FROM);
      const succeededByA = ids
        .slice(0, first.report.accepted)
        .filter((id) => !pendingA.some((row) => row.id === id));
      expect(sorted(first.results)).toEqual(sorted(succeededByA));

      // `b` takes them at once (claimIdle is a minute), with the deliveries they had.
      const seenByB = await drainAs(connected.client, stream, 'b');
      const takenOver = seenByB.filter(
        (entry) => !ids.slice(first.report.accepted).includes(entry.id),
      );
      expect(sorted(idsOf(takenOver))).toEqual(sorted([...handedBack, bad]));
      for (const entry of takenOver) expect(entry.deliveries).toBe(entry.id === bad ? 2 : 1);
      expect(sorted(idsOf(seenByB))).toEqual(
        sorted(ids.filter((id) => !succeededByA.includes(id))),
      );
      expect(await pendingOf(admin, stream, GROUP)).toEqual([]);
    });

    it('a graceful stop: in-flight entries finish and are acked; the rest are released and another consumer takes them long before claimIdle', async () => {
      const stream = freshStream('stop');
      const ids = await seed(admin, stream, 30);
      const stop = new Subject<void>();
      let started = 0;
      // The first read fills the pool (3 running, 5 waiting); the stop comes as the third starts.
      const first = await runToEnd((onFinalize) =>
        poolFrom(
          redisStream(connected.client, { stream, group: GROUP, consumer: 'a', claimIdle: 60_000 }),
          async (entry) => {
            if (++started === 3) queueMicrotask(() => stop.next());
            await delay(10);
            return entry.id;
          },
          { concurrency: 3, bufferSize: 5, stop, onFinalize },
        ),
      );
      expect(first.error).toBeUndefined();
      expect(first.report.reason).toBe('stopped');
      expect(first.report.unfinished).toEqual([]);
      expect(first.report.unstarted.length).toBe(5);
      expect(sorted(first.results)).toEqual(sorted(ids.slice(0, 3)));
      const pendingA = await pendingOf(admin, stream, GROUP, 'a');
      expect(sorted(pendingA.map((row) => row.id))).toEqual(sorted(idsOf(first.report.unstarted)));
      for (const row of pendingA) expect(row.idle).toBeGreaterThan(RELEASED_IDLE_FROM);

      const seenByB = await drainAs(connected.client, stream, 'b');
      expect(sorted([...first.results, ...idsOf(seenByB)])).toEqual(sorted(ids));
      for (const entry of seenByB) expect(entry.deliveries).toBe(1);
      expect(await pendingOf(admin, stream, GROUP)).toEqual([]);
    });

    it("a graceful stop while a pull waits for the settles of its turn: what settled is acked at once, while the rest still runs, not only at the run's end", async () => {
      const stream = freshStream('stop-gathering');
      const [quick, slow] = await seed(admin, stream, 2);
      await admin.call('XGROUP', 'CREATE', stream, GROUP, '0'); // for the spec's own XPENDING
      const stop = new Subject<void>();
      const slowDone = deferred<void>();
      const finalized = deferred<PoolReport<StreamEntry>>();
      poolFrom(
        redisStream(connected.client, { stream, group: GROUP, consumer: 'c1', claimIdle: 60_000 }),
        async (entry) => {
          // The quick one settles at once, and the pool's pull waits for the end of the turn
          // (the slow one is still held); this Immediate, queued first, stops the pool before
          // that wait ends, so no read comes to carry the quick one's ack.
          if (entry.id === quick) setImmediate(() => stop.next());
          else await slowDone.promise;
        },
        { concurrency: 2, stop, onFinalize: finalized.resolve },
      ).subscribe();
      // Pending until the slow one ends otherwise: the spec's timeout would fail it first.
      await waitFor(async () => (await pendingOf(admin, stream, GROUP)).length === 1);
      expect((await pendingOf(admin, stream, GROUP)).map((row) => row.id)).toEqual([slow]);
      slowDone.resolve();
      const report = await finalized.promise;
      expect(report.reason).toBe('stopped');
      expect(report.succeeded).toBe(2);
      expect(await pendingOf(admin, stream, GROUP)).toEqual([]);
    });

    it("a graceful stop while the source's own connection for blocking reads is still connecting: the run ends stopped, and that connection's late error is neither printed nor thrown", async () => {
      const stream = freshStream('stop-while-connecting');
      const client = connected.client as { duplicate: (...args: unknown[]) => EventEmitterLike };
      const stop = new Subject<void>();
      const duplicate = client.duplicate.bind(client);
      // The stop comes once the duplicate's socket is up and before it is ready (its first
      // commands, the ready check, are still unanswered).
      jest.spyOn(client, 'duplicate').mockImplementation((...args: unknown[]) => {
        const made = duplicate(...args);
        made.once('connect', () => stop.next());
        return made;
      });
      const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        const { report, error } = await runToEnd((onFinalize) =>
          poolFrom(
            redisStream(client, { stream, group: GROUP, consumer: 'c1' }),
            async () => undefined,
            { concurrency: 1, stop, onFinalize },
          ),
        );
        expect(error).toBeUndefined();
        expect(report.reason).toBe('stopped');
        // Whatever the closed connection still emits comes within a few turns.
        await delay(50);
        expect(printed.mock.calls).toEqual([]);
        expect(await blockedReaders(admin)).toEqual([]);
      } finally {
        printed.mockRestore();
      }
    });

    it('the end is heard only once every ack, dead letter and release is written: onFinalize, then complete, from inside the callbacks', async () => {
      const stream = freshStream('settled-complete');
      await seed(admin, stream, 25, (i) => i === 4);
      const heard: string[] = [];
      const looks: Promise<unknown>[] = [];
      // Each callback asks Redis at once; the answer shows what was written before the callback.
      const look = () =>
        Promise.all([pendingOf(admin, stream, GROUP), deadLettersOf(admin, `${stream}:dead`)]);
      await new Promise<void>((resolve, reject) => {
        poolFrom(
          failOnce(stream),
          async (entry) => {
            if (entry.fields.poison) throw new Error('poison');
            return entry.id;
          },
          {
            concurrency: 4,
            tolerate: 1,
            onSettle: (_entry, outcome) => heard.push(`settle ${outcome}`),
            onFinalize: () => {
              heard.push('onFinalize');
              looks.push(look());
            },
          },
        ).subscribe({
          next: () => heard.push('next'),
          complete: () => {
            heard.push('complete');
            looks.push(look());
            resolve();
          },
          error: reject,
        });
      });
      expect(heard.slice(-2)).toEqual(['onFinalize', 'complete']);
      expect(heard.filter((event) => event.startsWith('settle')).length).toBe(25);
      for (const [pending, dead] of (await Promise.all(looks)) as [unknown[], unknown[]][]) {
        expect(pending).toEqual([]);
        expect(dead.length).toBe(1);
      }
    });

    it('after a halt the error is heard only once the releases are written, from inside the error callback', async () => {
      const stream = freshStream('settled-error');
      const ids = await seed(admin, stream, 20);
      let looked: Promise<PendingRowLike[]> | undefined;
      let report: PoolReport<StreamEntry> | undefined;
      const error = await new Promise<unknown>((resolve) => {
        poolFrom(
          redisStream(connected.client, { stream, group: GROUP, consumer: 'c1' }),
          async (entry, { signal }) => {
            if (entry.id === ids[2]) throw new Error('halt here');
            await delay(100, signal);
          },
          { concurrency: 3, bufferSize: 3, onFinalize: (r) => (report = r) },
        ).subscribe({
          error: (e: unknown) => {
            looked = pendingOf(admin, stream, GROUP, 'c1');
            resolve(e);
          },
        });
      });
      expect(error).toEqual(new Error('halt here'));
      const pending = await looked!;
      const handedBack = [...idsOf(report!.unstarted), ...idsOf(report!.unfinished), ids[2]!];
      expect(sorted(pending.map((row) => row.id))).toEqual(sorted(handedBack));
      for (const row of pending) expect(row.idle).toBeGreaterThan(RELEASED_IDLE_FROM);
    });

    it('an unsubscribe during a blocking read ends it at once and closes the connection the source opened', async () => {
      const stream = freshStream('unblock');
      const clientsBefore = await clientCount();
      const finalized = new Promise<PoolReport<StreamEntry>>((resolve) => {
        const subscription = poolFrom(
          redisStream(connected.client, { stream, group: GROUP, consumer: 'c1', block: 60_000 }),
          async () => undefined,
          { concurrency: 2, onFinalize: resolve },
        ).subscribe();
        void waitFor(async () => (await blockedReaders(admin)).length === 1).then(() =>
          subscription.unsubscribe(),
        );
      });
      expect((await finalized).reason).toBe('unsubscribed');
      // Blocked for a minute otherwise: the spec's timeout would fail it first.
      expect(await blockedReaders(admin)).toEqual([]);
      expect(await clientCount()).toBe(clientsBefore);
    });

    it('an entry that succeeds while the source waits in a blocking read is acked at once, not when the read ends', async () => {
      const stream = freshStream('ack-while-blocked');
      const [id] = await seed(admin, stream, 1);
      const workDone = deferred<void>();
      const finalized = deferred<PoolReport<StreamEntry>>();
      const running = poolFrom(
        redisStream(connected.client, { stream, group: GROUP, consumer: 'c1', block: 60_000 }),
        () => workDone.promise,
        { concurrency: 2, onFinalize: finalized.resolve },
      ).subscribe();
      try {
        await waitFor(async () => (await blockedReaders(admin)).length === 1);
        expect((await pendingOf(admin, stream, GROUP)).map((row) => row.id)).toEqual([id]);
        workDone.resolve();
        // Pending until the read ends (20 s: claimIdle / 3) otherwise: the spec's timeout would
        // fail it first.
        await waitFor(async () => (await pendingOf(admin, stream, GROUP)).length === 0);
        expect(await blockedReaders(admin)).toHaveLength(1);
      } finally {
        running.unsubscribe();
      }
      expect((await finalized.promise).succeeded).toBe(1);
    });

    it('a restarted consumer first re-delivers its own pending entries, then what is idle past claimIdle elsewhere, then new ones', async () => {
      const stream = freshStream('order');
      const own = await seed(admin, stream, 3);
      await admin.call('XGROUP', 'CREATE', stream, GROUP, '0');
      // Entries read by `c1` in an earlier life and by `gone`, a consumer that crashed.
      await readAs(admin, stream, GROUP, 'c1', 3);
      const orphaned = await seed(admin, stream, 3);
      await readAs(admin, stream, GROUP, 'gone', 3);
      const fresh = await seed(admin, stream, 3);
      await delay(60); // the orphans' idle time passes claimIdle
      const seen: StreamEntry[] = [];
      await lastValueFrom(
        poolFrom(
          redisStream(connected.client, {
            stream,
            group: GROUP,
            consumer: 'c1',
            claimIdle: 50,
            untilEmpty: true,
          }),
          async (entry) => {
            seen.push(entry);
          },
          { concurrency: 1 },
        ),
        { defaultValue: undefined },
      );
      expect(idsOf(seen)).toEqual([...own, ...orphaned, ...fresh]);
      expect(seen.map((entry) => entry.deliveries)).toEqual([2, 2, 2, 2, 2, 2, 1, 1, 1]);
      expect(await pendingOf(admin, stream, GROUP)).toEqual([]);
    });

    it('untilEmpty waits for what a crashed consumer holds: once idle past claimIdle it claims it, works it, and only then completes, nothing left pending', async () => {
      const stream = freshStream('until-empty-crashed');
      const orphaned = await seed(admin, stream, 3);
      await admin.call('XGROUP', 'CREATE', stream, GROUP, '0');
      // `gone` read them and died: they are not claimable until claimIdle has passed.
      await readAs(admin, stream, GROUP, 'gone', 3);
      const fresh = await seed(admin, stream, 2);
      const seen: StreamEntry[] = [];
      await lastValueFrom(
        poolFrom(
          redisStream(connected.client, {
            stream,
            group: GROUP,
            consumer: 'c1',
            claimIdle: 300,
            untilEmpty: true,
          }),
          async (entry) => {
            seen.push(entry);
          },
          { concurrency: 2 },
        ),
        { defaultValue: undefined },
      );
      // Each exactly once: the new ones on their first delivery, the orphans on their second.
      expect(sorted(idsOf(seen))).toEqual(sorted([...orphaned, ...fresh]));
      for (const entry of seen) expect(entry.deliveries).toBe(fresh.includes(entry.id) ? 1 : 2);
      expect(await pendingOf(admin, stream, GROUP)).toEqual([]);
    });

    it('a failure released while a read is under way is claimed before the source waits: no blocking read, each retried at once', async () => {
      const stream = freshStream('retry-before-wait');
      // One entry: its failure is released while the read that follows the claim scan is under
      // way, and finds nothing new.
      const ids = await seed(admin, stream, 1);
      const deliveriesSeen = new Map<string, number[]>();
      const log = await monitorCommands(server.url);
      try {
        await lastValueFrom(
          poolFrom(
            redisStream(connected.client, {
              stream,
              group: GROUP,
              consumer: 'c1',
              // A blocking read would wait 20 s (claimIdle / 3): the spec's timeout fails it first.
              block: 60_000,
              untilEmpty: true,
            }),
            async (entry) => {
              deliveriesSeen.set(entry.id, [
                ...(deliveriesSeen.get(entry.id) ?? []),
                entry.deliveries,
              ]);
              // The failure comes a turn later, while the source's next read is under way.
              await delay(0);
              if (entry.deliveries === 1) throw new Error('first delivery fails');
            },
            { concurrency: 2, tolerate: Infinity },
          ),
          { defaultValue: undefined },
        );
      } finally {
        await log.close();
      }
      for (const id of ids) expect(deliveriesSeen.get(id)).toEqual([1, 2]);
      const blockingReads = log.commands.filter(
        (command) =>
          command[0]?.toUpperCase() === 'XREADGROUP' &&
          command.includes('BLOCK') &&
          command.includes(stream),
      );
      expect(blockingReads).toEqual([]);
      expect(await pendingOf(admin, stream, GROUP)).toEqual([]);
    });

    it('untilEmpty waits for what a live consumer holds: it completes once that consumer acks it, without taking it', async () => {
      const stream = freshStream('until-empty-live');
      const [busy] = await seed(admin, stream, 1);
      await admin.call('XGROUP', 'CREATE', stream, GROUP, '0');
      await readAs(admin, stream, GROUP, 'live', 1);
      const fresh = await seed(admin, stream, 2);
      const seen: StreamEntry[] = [];
      let acked = false;
      let completedAfterAck: boolean | undefined;
      const run = lastValueFrom(
        poolFrom(
          redisStream(connected.client, {
            stream,
            group: GROUP,
            consumer: 'c1',
            claimIdle: 60_000,
            block: 50,
            untilEmpty: true,
          }),
          async (entry) => {
            seen.push(entry);
          },
          { concurrency: 2, onFinalize: () => (completedAfterAck = acked) },
        ),
        { defaultValue: undefined },
      );
      // `live` finishes its entry once `c1` has done the new ones and is waiting.
      await waitFor(async () => seen.length === 2);
      await delay(200);
      expect(completedAfterAck).toBeUndefined();
      acked = true;
      await admin.call('XACK', stream, GROUP, busy!);
      await run;
      expect(completedAfterAck).toBe(true);
      expect(idsOf(seen)).toEqual(fresh);
      expect(await pendingOf(admin, stream, GROUP)).toEqual([]);
    });

    it('a dead letter Redis cannot write (the key holds a string) is not acked: the entry stays pending and the error names XADD and the entry', async () => {
      const stream = freshStream('dead-wrongtype');
      await admin.call('SET', `${stream}:dead`, 'not a stream');
      const [id] = await seed(admin, stream, 1);
      const { error } = await runToEnd((onFinalize) =>
        poolFrom(
          failOnce(stream),
          async () => {
            throw new Error('poison');
          },
          { concurrency: 1, tolerate: Infinity, onFinalize },
        ),
      );
      expect(error).toBeInstanceOf(RedisStreamError);
      expect((error as RedisStreamError).command).toBe('XADD');
      expect((error as RedisStreamError).unsettled).toEqual([id]);
      expect((error as Error).message).toMatch(/^Redis XADD failed: WRONGTYPE .*: .*\b[0-9]+-0$/);
      expect((await pendingOf(admin, stream, GROUP)).map((row) => row.id)).toEqual([id]);
      expect(await admin.call('TYPE', `${stream}:dead`)).toBe('string');
    });

    it.each([
      [
        'a value whose toString throws',
        {
          toString: () => {
            throw new Error('no text');
          },
        },
      ],
      [
        'an Error whose message getter throws',
        Object.defineProperty(new Error(), 'message', {
          get: () => {
            throw new Error('no text');
          },
        }),
      ],
    ])(
      'a failure with %s on the last delivery is dead-lettered all the same, its error field saying its text could not be read; the run completes',
      async (_label, thrown) => {
        const stream = freshStream('dead-unreadable');
        const [id] = await seed(admin, stream, 1);
        const { report, error } = await runToEnd((onFinalize) =>
          poolFrom(
            failOnce(stream),
            async () => {
              throw thrown;
            },
            { concurrency: 1, tolerate: Infinity, onFinalize },
          ),
        );
        expect(error).toBeUndefined();
        expect(report.failed).toBe(1);
        const [dead] = await deadLettersOf(admin, `${stream}:dead`);
        expect(dead).toMatchObject({ id, error: 'a thrown value whose text could not be read' });
        expect(await pendingOf(admin, stream, GROUP)).toEqual([]);
      },
    );

    it.each([
      ['a BigInt', (fields: Record<string, unknown>) => (fields['n'] = 1n)],
      [
        'a toJSON that gives nothing',
        (fields: Record<string, unknown>) => (fields['toJSON'] = () => undefined),
      ],
    ])(
      "a failure whose work made the entry's fields unwritable as JSON (%s) is dead-lettered all the same, its fields field saying so; the run completes",
      async (_label, spoil) => {
        const stream = freshStream('dead-unwritable');
        const [id] = await seed(admin, stream, 1);
        const { report, error } = await runToEnd((onFinalize) =>
          poolFrom(
            failOnce(stream),
            async (entry) => {
              spoil(entry.fields);
              throw new Error('poison');
            },
            { concurrency: 1, tolerate: Infinity, onFinalize },
          ),
        );
        expect(error).toBeUndefined();
        expect(report.failed).toBe(1);
        const [dead] = await deadLettersOf(admin, `${stream}:dead`);
        expect(dead).toMatchObject({
          id,
          fields: 'fields that could not be written as JSON',
          error: 'poison',
        });
        expect(await pendingOf(admin, stream, GROUP)).toEqual([]);
      },
    );

    it('work that settles within the call that hands it (a synchronous result, a synchronous throw) is settled: untilEmpty completes, acked or dead-lettered, nothing left pending', async () => {
      const stream = freshStream('sync-work');
      const ids = await seed(admin, stream, 12, (i) => i % 4 === 1);
      const jobs = redisStream(connected.client, {
        stream,
        group: GROUP,
        consumer: 'c1',
        claimIdle: 300,
        maxDeliveries: 2,
        untilEmpty: true,
      });
      const { report, results, error } = await runToEnd((onFinalize) =>
        poolFrom(
          jobs,
          (entry) => {
            if (entry.fields.poison) throw new Error('poison');
            return of(entry.id);
          },
          { concurrency: 2, bufferSize: 1, tolerate: Infinity, onFinalize },
        ),
      );
      expect(error).toBeUndefined();
      expect(report.reason).toBe('complete');
      expect(sorted(results)).toEqual(sorted(ids.filter((_, i) => i % 4 !== 1)));
      expect((await deadLettersOf(admin, `${stream}:dead`)).length).toBe(3);
      expect(await pendingOf(admin, stream, GROUP)).toEqual([]);
    });

    it("every settling write, dead letters included, goes out ahead of the next read (MONITOR: a failure's dead letter runs before the read that follows it)", async () => {
      const stream = freshStream('dead-order');
      const ids = await seed(admin, stream, 4);
      const log = await monitorCommands(server.url);
      try {
        await lastValueFrom(
          poolFrom(
            failOnce(stream),
            async (entry) => {
              // Marks the failure in the server's order of commands.
              await admin.call('ECHO', `failing ${entry.id}`);
              throw new Error('poison');
            },
            { concurrency: 1, bufferSize: 0, tolerate: Infinity },
          ),
          { defaultValue: undefined },
        );
        await untilMonitored(admin, log, 'end');
      } finally {
        await log.close();
      }
      const commands = log.commands.map((args) => args.join(' '));
      const isRead = (command: string) => /^(XREADGROUP|XAUTOCLAIM) /.test(command);
      for (const id of ids) {
        const failed = commands.indexOf(`ECHO failing ${id}`);
        expect(failed).toBeGreaterThanOrEqual(0);
        const nextRead = commands.findIndex((command, i) => i > failed && isRead(command));
        const written = commands.findIndex(
          (command, i) => i > failed && command.includes(`${stream}:dead`) && command.includes(id),
        );
        expect(written).toBeGreaterThan(failed);
        if (nextRead >= 0) expect(written).toBeLessThan(nextRead);
      }
      expect((await deadLettersOf(admin, `${stream}:dead`)).map((r) => r.id)).toEqual(ids);
    });

    it('quick work is read in full batches: each read of new entries asks for the whole room, one ack per read, and the entries read and not acked never pass concurrency + bufferSize (MONITOR)', async () => {
      const stream = freshStream('batches');
      const n = 320;
      const bound = 16;
      await seed(admin, stream, n);
      const log = await monitorCommands(server.url);
      try {
        const { report } = await runToEnd((onFinalize) =>
          poolFrom(batchRun(stream), async () => undefined, {
            concurrency: bound,
            bufferSize: 0,
            onFinalize,
          }),
        );
        expect(report.succeeded).toBe(n);
        await untilMonitored(admin, log, `end ${stream}`);
      } finally {
        await log.close();
      }
      const ours = log.commands.filter((args) => args.includes(stream));
      const reads = ours.filter((args) => args[0] === 'XREADGROUP' && args.at(-1) === '>');
      const acks = ours.filter((args) => args[0] === 'XACK');
      // All the entries of a batch settle in the same turn of the event loop, so the next read
      // waits for all of them: n / bound full reads, then the ones that find nothing (untilEmpty
      // looks again after a claim scan).
      expect(reads.every((args) => args[args.indexOf('COUNT') + 1] === String(bound))).toBe(true);
      expect(reads.length).toBeGreaterThan(n / bound);
      expect(reads.length).toBeLessThanOrEqual(n / bound + 2);
      expect(acks.length).toBe(n / bound);
      // Replayed in the server's order: what the reads may have delivered (at most COUNT each, at
      // most the n entries in all) less what was acked never passes the bound.
      let asked = 0;
      let acked = 0;
      for (const args of ours) {
        if (args[0] === 'XREADGROUP' && args.at(-1) === '>')
          asked += Number(args[args.indexOf('COUNT') + 1]);
        if (args[0] === 'XACK') acked += args.length - 3;
        expect(Math.min(asked, n) - acked).toBeLessThanOrEqual(bound);
      }
      expect(acked).toBe(n);
      expect(await pendingOf(admin, stream, GROUP)).toEqual([]);
    });

    it("a batch's acks and the read behind them leave in one write of the socket: Redis reads them together and answers them in one round trip", async () => {
      const stream = freshStream('one-write');
      const n = 64;
      await seed(admin, stream, n);
      const recorded = recordSocketWrites();
      let report: PoolReport<StreamEntry> | undefined;
      try {
        ({ report } = await runToEnd((onFinalize) =>
          poolFrom(batchRun(stream), async () => undefined, {
            concurrency: 16,
            bufferSize: 0,
            onFinalize,
          }),
        ));
      } finally {
        recorded.stop();
      }
      expect(report.succeeded).toBe(n);
      // (node-redis gathers the commands of a tick into one write itself; ioredis writes each
      // command on its own unless the source corks its socket.)
      const ours = recorded.writes.filter((text) => text.includes(stream));
      const withAcks = ours.filter((text) => text.includes('XACK'));
      expect(withAcks).toHaveLength(n / 16);
      for (const text of withAcks) expect(text).toContain('XREADGROUP');
      expect(await pendingOf(admin, stream, GROUP)).toEqual([]);
    });

    it('a pull that waits for the settles of its turn reads as soon as the pool holds nothing: the next read goes out before that turn ends', async () => {
      const stream = freshStream('gathered');
      await seed(admin, stream, 12);
      let turnsEnded = 0;
      // For each read of new entries: how many entries' turns had ended when it went out.
      const endedAtRead: number[] = [];
      const stopListening = listenToCommands(connected, (command) => {
        if (command[0] === 'XREADGROUP' && command.at(-1) === '>') endedAtRead.push(turnsEnded);
      });
      try {
        const { report } = await runToEnd((onFinalize) =>
          poolFrom(
            batchRun(stream),
            async () => {
              setImmediate(() => turnsEnded++);
            },
            { concurrency: 4, bufferSize: 0, onFinalize },
          ),
        );
        expect(report.succeeded).toBe(12);
      } finally {
        stopListening();
      }
      // Each batch of 4 settles in the turn its reply came in, where each entry's work scheduled a
      // callback for the end of that turn. The read after a batch does not wait for it: it goes
      // out before the callbacks of that batch (those of the batch before have run meanwhile).
      expect(endedAtRead.slice(0, 4)).toEqual([0, 0, 4, 8]);
      expect(turnsEnded).toBe(12);
    });

    it('an entry whose work is still running does not hold up the reads: at the end of the turn the source reads for the room the others freed', async () => {
      const stream = freshStream('one-slow');
      const ids = await seed(admin, stream, 12);
      const othersDone = deferred<void>();
      let others = 0;
      const { report } = await runToEnd((onFinalize) =>
        poolFrom(
          batchRun(stream),
          async (entry) => {
            // The first entry finishes only once all the others did: they must be read while it runs.
            if (entry.id === ids[0]) return othersDone.promise;
            if (++others === 11) othersDone.resolve();
          },
          { concurrency: 4, bufferSize: 0, onFinalize },
        ),
      );
      expect(report.succeeded).toBe(12);
      expect(await pendingOf(admin, stream, GROUP)).toEqual([]);
    });

    it('a settling write that fails halts the run before the entries read with it start: they are released, never worked', async () => {
      const stream = freshStream('write-fails-first');
      await admin.call('SET', `${stream}:dead`, 'not a stream');
      const ids = await seed(admin, stream, 8);
      const started: string[] = [];
      const { report, error } = await runToEnd((onFinalize) =>
        poolFrom(
          failOnce(stream),
          async (entry) => {
            started.push(entry.id);
            // Its dead letter cannot be written: the script goes out with the next read.
            if (entry.id === ids[0]) throw new Error('poison');
          },
          { concurrency: 2, bufferSize: 0, tolerate: Infinity, onFinalize },
        ),
      );
      expect((error as RedisStreamError).command).toBe('XADD');
      expect(started).toEqual(ids.slice(0, 2));
      expect(report.accepted).toBe(2);
      // What that read brought (entries 2 and 3) is released: pending, idle past any claimIdle.
      const pending = await pendingOf(admin, stream, GROUP, 'c1');
      expect(sorted(pending.map((row) => row.id))).toEqual(sorted([ids[0]!, ids[2]!, ids[3]!]));
    });

    it('a failure that halts the pool while an untilEmpty answer waits for what the pool holds: no read goes out after it', async () => {
      const stream = freshStream('halt-parked');
      const ids = await seed(admin, stream, 3);
      const marker = `failing ${stream}`;
      // The run's first claim scan comes before its first read of new entries; the answer that
      // finds nothing new scans again, reads once more, and parks once that read's reply is in.
      const parked = deferred<void>();
      let scans = 0;
      const stopListening = listenToCommands(connected, (command, reply) => {
        if (command[0] === 'XAUTOCLAIM') scans++;
        else if (scans === 2 && command[0] === 'XREADGROUP' && command.at(-1) === '>') {
          void reply.then(() => setImmediate(() => parked.resolve()));
        }
      });
      const log = await monitorCommands(server.url);
      let run: Awaited<ReturnType<typeof runToEnd<unknown>>>;
      try {
        run = await runToEnd((onFinalize) =>
          poolFrom(
            batchRun(stream),
            async (entry, { signal }) => {
              // The first is held until the halt; the second succeeds (its settle makes the pool
              // pull, and that answer parks); the third fails once the answer has parked.
              if (entry.id === ids[0]) {
                return new Promise<void>((resolve) =>
                  signal.addEventListener('abort', () => resolve()),
                );
              }
              if (entry.id === ids[2]) {
                await parked.promise;
                await admin.call('ECHO', marker);
                throw new Error('bad entry');
              }
            },
            { concurrency: 3, bufferSize: 0, onFinalize },
          ),
        );
        await untilMonitored(admin, log, `end ${stream}`);
      } finally {
        stopListening();
        await log.close();
      }
      expect(run.error).toEqual(new Error('bad entry'));
      const after = log.commands.slice(
        log.commands.findIndex((args) => args.join(' ') === `ECHO ${marker}`),
      );
      const reads = after.filter(
        (args) => args.includes(stream) && ['XREADGROUP', 'XAUTOCLAIM'].includes(args[0]!),
      );
      expect(reads).toEqual([]);
      expect(after.some((args) => args[0] === 'XCLAIM' && args.includes(stream))).toBe(true);
    });

    it("a source failure while an untilEmpty answer waits for what the pool holds (halt: 'drain'): the entries still in flight finish, and no read goes out after the failure, not even when one of them is released", async () => {
      const stream = freshStream('fail-parked');
      await admin.call('SET', `${stream}:dead`, 'not a stream');
      const [poison, released, , last] = await seed(admin, stream, 4);
      // The poison entry was delivered once before (a crashed run): this run re-delivers it
      // first, on its last allowed delivery.
      await admin.call('XGROUP', 'CREATE', stream, GROUP, '0');
      await readAs(admin, stream, GROUP, 'c1', 1);
      const parked = deferred<void>();
      const failed = deferred<void>();
      const releasedSettled = deferred<void>();
      let scans = 0;
      const stopListening = listenToCommands(connected, (command, reply) => {
        if (command[0] === 'XAUTOCLAIM') scans++;
        else if (scans === 2 && command[0] === 'XREADGROUP' && command.at(-1) === '>') {
          void reply.then(() => setImmediate(() => parked.resolve()));
        } else if (command[0] === 'EVAL' && command.includes(`${stream}:dead`)) {
          void reply.catch(() => setImmediate(() => failed.resolve()));
        }
      });
      const marker = `failed ${stream}`;
      const log = await monitorCommands(server.url);
      let run: Awaited<ReturnType<typeof runToEnd<unknown>>>;
      try {
        run = await runToEnd((onFinalize) =>
          poolFrom(
            redisStream(connected.client, {
              stream,
              group: GROUP,
              consumer: 'c1',
              maxDeliveries: 2,
              untilEmpty: true,
            }),
            async (entry) => {
              // The third succeeds at once: its settle makes the pool pull, and that answer parks.
              // Then `poison` fails, and its dead letter cannot be written: the source fails.
              // Then `released` fails on its first delivery (released: a settle that would
              // resume the parked answer), while `last` is still in flight.
              if (entry.id === poison) {
                await parked.promise;
                throw new Error('poison');
              }
              if (entry.id === released) {
                await failed.promise;
                await admin.call('ECHO', marker);
                setImmediate(() => releasedSettled.resolve());
                throw new Error('try again');
              }
              if (entry.id === last) await releasedSettled.promise;
            },
            { concurrency: 4, bufferSize: 0, halt: 'drain', tolerate: Infinity, onFinalize },
          ),
        );
        await untilMonitored(admin, log, `end ${stream}`);
      } finally {
        stopListening();
        await log.close();
      }
      expect(run.error).toBeInstanceOf(RedisStreamError);
      expect((run.error as RedisStreamError).command).toBe('XADD');
      expect(run.report.succeeded).toBe(2);
      const after = log.commands.slice(
        log.commands.findIndex((args) => args.join(' ') === `ECHO ${marker}`),
      );
      const reads = after.filter(
        (args) => args.includes(stream) && ['XREADGROUP', 'XAUTOCLAIM'].includes(args[0]!),
      );
      expect(reads).toEqual([]);
      expect(sorted((await pendingOf(admin, stream, GROUP)).map((row) => row.id))).toEqual(
        sorted([poison!, released!]),
      );
    });

    it('a halt while a pull waits for the settles of its turn: no read follows, every entry not acked is released, and the run ends', async () => {
      const stream = freshStream('halt-gathering');
      const ids = await seed(admin, stream, 48);
      const bad = ids[20]!;
      const log = await monitorCommands(server.url);
      let first: Awaited<ReturnType<typeof runToEnd<unknown>>>;
      try {
        // The second batch (16-31) settles in one turn: its first settle asks for a read, which
        // waits for the end of the turn; entry 20 fails within the same turn and halts the pool.
        first = await runToEnd((onFinalize) =>
          poolFrom(
            failOnce(stream),
            async (entry) => {
              if (entry.id === bad) throw new Error('bad entry');
            },
            { concurrency: 16, bufferSize: 0, onFinalize },
          ),
        );
        await untilMonitored(admin, log, `end ${stream}`);
      } finally {
        await log.close();
      }
      expect(first.error).toEqual(new Error('bad entry'));
      expect(first.report.accepted).toBe(32);
      const reads = log.commands.filter(
        (args) => args[0] === 'XREADGROUP' && args.includes(stream) && args.at(-1) === '>',
      );
      expect(reads).toHaveLength(2);
      // Not acked: only the failure (dead-lettered: maxDeliveries 1) and what the halt cut short.
      const pending = await pendingOf(admin, stream, GROUP, 'c1');
      const handedBack = [...idsOf(first.report.unstarted), ...idsOf(first.report.unfinished)];
      expect(sorted(pending.map((row) => row.id))).toEqual(sorted(handedBack));
      for (const row of pending) expect(row.idle).toBeGreaterThan(RELEASED_IDLE_FROM);
      expect((await deadLettersOf(admin, `${stream}:dead`)).map((row) => row.id)).toEqual([bad]);
      expect(first.report.succeeded + first.report.failed + handedBack.length).toBe(32);
    });

    it('an entry another consumer claimed while this one still works on it stays with that consumer: the refresh takes back only its own', async () => {
      const stream = freshStream('refresh-owner');
      const ids = await seed(admin, stream, 2);
      const finish = new Subject<void>();
      const stop = new Subject<void>();
      let started = 0;
      let allStarted!: () => void;
      const running = new Promise<void>((resolve) => (allStarted = resolve));
      const ended = runToEnd((onFinalize) =>
        poolFrom(
          redisStream(connected.client, { stream, group: GROUP, consumer: 'a', claimIdle: 150 }),
          async (entry) => {
            if (++started === 2) allStarted();
            await lastValueFrom(finish, { defaultValue: undefined });
            return entry.id;
          },
          { concurrency: 2, bufferSize: 0, stop, onFinalize },
        ),
      );
      await running;
      // `b` claims the first entry, as if `a` had stalled past claimIdle.
      await admin.call('XCLAIM', stream, GROUP, 'b', 0, ids[0]!, 'JUSTID');
      const idleOf = async (id: string) =>
        (await pendingOf(admin, stream, GROUP)).find((row) => row.id === id)!.idle;
      // Wait until a refresh has run: the second entry's idle time drops (one script did both).
      let last = await idleOf(ids[1]!);
      await waitFor(async () => {
        const idle = await idleOf(ids[1]!);
        const refreshed = idle < last;
        last = idle;
        return refreshed;
      });
      const owners = (await pendingOf(admin, stream, GROUP)).map((row) => [row.id, row.consumer]);
      expect(owners).toEqual([
        [ids[0], 'b'],
        [ids[1], 'a'],
      ]);
      stop.next();
      finish.complete();
      expect((await ended).report.reason).toBe('stopped');
    });

    it('a client that nobody connected is refused at once with an error naming Redis and saying to connect it first; no listener is left on it', async () => {
      const client =
        kind === 'ioredis'
          ? new Redis(server.url, { lazyConnect: true })
          : createClient({ url: server.url });
      const emitter = client as unknown as NodeJS.EventEmitter;
      const listeners = () =>
        emitter.eventNames().map((event) => [event, emitter.listenerCount(event)]);
      const before = listeners();
      const { error } = await runToEnd((onFinalize) =>
        poolFrom(
          redisStream(client, { stream: freshStream('unconnected'), group: GROUP, consumer: 'c1' }),
          async (entry) => entry.id,
          { concurrency: 1, onFinalize },
        ),
      );
      expect(error).toBeInstanceOf(RedisStreamError);
      expect((error as RedisStreamError).command).toBe('connection');
      expect((error as Error).message).toMatch(
        /^Redis connection failed: the client is not connected \(.+\): connect it, and wait until it is ready, before the run$/,
      );
      expect(listeners()).toEqual(before);
    });

    it('rejects a pool timeout at or above claimIdle at the poolFrom call', () => {
      const jobs = redisStream(connected.client, {
        stream: 's',
        group: GROUP,
        consumer: 'c1',
        claimIdle: 1_000,
      });
      expect(() =>
        poolFrom(jobs, async () => undefined, { concurrency: 1, timeout: 1_000 }),
      ).toThrow(
        new RangeError(
          "Expected `timeout` to be less than the Redis stream's `claimIdle` (1000 ms), got `1000` (number)",
        ),
      );
    });
  });

  describe('with ioredis and enableAutoPipelining (ioredis gathers the commands of a tick itself)', () => {
    it('every entry whose work succeeded is acked and every poison one dead-lettered on its last delivery; nothing is left pending', async () => {
      const client = new Redis(server.url, { lazyConnect: true, enableAutoPipelining: true });
      await client.connect();
      try {
        const stream = freshStream('auto-pipelining');
        const ids = await seed(admin, stream, 300, (i) => i % 50 === 7);
        const poison = ids.filter((_, i) => i % 50 === 7);
        const { report, results, error } = await runToEnd((onFinalize) =>
          poolFrom(
            redisStream(client, { stream, group: GROUP, consumer: 'c1', untilEmpty: true }),
            async (entry) => {
              if (entry.fields['poison'] === '1') throw new Error('poison');
              return entry.id;
            },
            { concurrency: 16, bufferSize: 16, tolerate: Infinity, onFinalize },
          ),
        );
        expect(error).toBeUndefined();
        expect(sorted(results)).toEqual(sorted(ids.filter((id) => !poison.includes(id))));
        expect(report.succeeded).toBe(ids.length - poison.length);
        const dead = await deadLettersOf(admin, `${stream}:dead`);
        expect(sorted(dead.map((letter) => letter.id))).toEqual(sorted(poison));
        expect(await pendingOf(admin, stream, GROUP)).toEqual([]);
      } finally {
        client.disconnect();
      }
    });
  });

  type PendingRowLike = Awaited<ReturnType<typeof pendingOf>>[number];

  async function clientCount(): Promise<number> {
    const list = (await admin.call('CLIENT', 'LIST')) as string;
    return list.trim().split('\n').length;
  }
});
