/**
 * redisStream when Redis fails under it, with both clients: a Redis restart, and CLIENT KILL of
 * either connection. The pool never hangs, halts with an error naming Redis and the command, and
 * a new run picks everything up. The server keeps its data across the restart (AOF).
 */
import Redis from 'ioredis';
import { lastValueFrom, Subject } from 'rxjs';
import { poolFrom } from '../../src/index.js';
import { redisStream, RedisStreamError } from '../../src/redis/index.js';
import type { StreamEntry } from '../../src/redis/index.js';
import {
  clientKinds,
  connectAdmin,
  connectClient,
  type AdminClient,
  type ConnectedClient,
} from '../helpers/redisClients.js';
import {
  blockedReaders,
  noReaderLeftBlocked,
  delay,
  freshStream,
  pendingOf,
  seed,
  waitFor,
} from '../helpers/redisFixtures.js';
import { deferred } from '../helpers/deferred.js';
import { describeRedis, startRedis, type RedisServer } from '../helpers/redisServer.js';

const GROUP = 'workers';

/**
 * Tracks the timers (`setTimeout`) made from now on, by this code and the clients alike:
 * `pending()` gives, for each one that has neither fired nor been cleared, where it was made.
 */
function trackTimers(): { pending(): string[]; stop(): void } {
  const live = new Map<unknown, string>();
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  const made = jest.spyOn(globalThis, 'setTimeout').mockImplementation(((
    callback: (...args: unknown[]) => void,
    ms?: number,
    ...args: unknown[]
  ) => {
    const timer = realSetTimeout(
      (...callbackArgs: unknown[]) => {
        live.delete(timer);
        callback(...callbackArgs);
      },
      ms,
      ...args,
    );
    const where = (new Error().stack ?? '')
      .split('\n')
      .slice(2)
      .filter((line) => !line.includes('jest-mock'))
      .slice(0, 3)
      .join(' ');
    live.set(timer, `${ms} ms, made ${where}`);
    return timer;
  }) as typeof setTimeout);
  const cleared = jest.spyOn(globalThis, 'clearTimeout').mockImplementation((timer) => {
    live.delete(timer);
    realClearTimeout(timer);
  });
  return {
    pending: () => [...live.values()],
    stop: () => {
      made.mockRestore();
      cleared.mockRestore();
    },
  };
}

describeRedis('redisStream when Redis fails', () => {
  let server: RedisServer;
  let admin: AdminClient;

  beforeAll(async () => {
    server = await startRedis('aof');
  });
  beforeEach(async () => {
    admin = await connectAdmin(server.url);
  });
  afterEach(async () => {
    await admin.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** Runs until the pool ends; resolves with its error (none: `undefined`) and its results. */
  function runUntilEnd(
    client: unknown,
    options: { stream: string; consumer: string; block?: number; closeTimeout?: number },
    work: (entry: StreamEntry) => Promise<string>,
    stop?: Subject<void>,
    tolerate = 0,
  ): { ended: Promise<{ error?: unknown; results: string[] }> } {
    const results: string[] = [];
    const ended = new Promise<{ error?: unknown; results: string[] }>((resolve) => {
      poolFrom(redisStream(client, { group: GROUP, claimIdle: 60_000, ...options }), work, {
        concurrency: 4,
        bufferSize: 4,
        stop,
        tolerate,
      }).subscribe({
        next: (id) => results.push(id),
        complete: () => resolve({ results }),
        error: (error: unknown) => resolve({ error, results }),
      });
    });
    return { ended };
  }

  describe.each(clientKinds)('with %s', (kind) => {
    let connected: ConnectedClient;
    beforeEach(async () => {
      connected = await connectClient(kind, server.url);
    });
    afterEach(async () => {
      await connected.close();
    });

    it('Redis killed and restarted mid-run: no hang, an error naming Redis and the command, and a new run finishes the job with nothing lost', async () => {
      const stream = freshStream('restart');
      const ids = await seed(admin, stream, 200);
      let done = 0;
      let killing: Promise<void> | undefined;
      const first = runUntilEnd(connected.client, { stream, consumer: 'c1' }, async (entry) => {
        if (++done === 50) killing = server.kill();
        await delay(1);
        return entry.id;
      });
      const { error, results } = await first.ended;
      await killing;
      expect(error).toBeInstanceOf(RedisStreamError);
      expect((error as Error).message).toMatch(/^Redis [A-Z][A-Za-z ]* failed: /);
      // Killed mid-run: the 46 that had finished before the 50th started went downstream; the
      // others in flight at the kill finish or not, as the loss is heard before or after them.
      expect(results.length).toBeGreaterThanOrEqual(46);
      expect(results.length).toBeLessThan(ids.length);

      await server.restart();
      // The new run is a new process's, with a client of its own: how soon the killed run's client
      // reconnects to the restarted server is that client's affair (node-redis may take seconds).
      const restarted = await connectClient(kind, server.url);
      // A succeeded entry whose ack did not reach Redis is named in the error (an ack whose reply
      // was lost may have landed: a named entry may be acked after all).
      const pending = (await pendingOf(admin, stream, GROUP)).map((row) => row.id);
      const unacked = results.filter((id) => pending.includes(id));
      for (const id of unacked) expect((error as RedisStreamError).unsettled).toContain(id);
      const second: string[] = [];
      try {
        await lastValueFrom(
          poolFrom(
            redisStream(restarted.client, {
              stream,
              group: GROUP,
              consumer: 'c1',
              untilEmpty: true,
            }),
            async (entry) => second.push(entry.id),
            { concurrency: 4 },
          ),
          { defaultValue: undefined },
        );
      } finally {
        await restarted.close();
      }
      // Nothing lost: every entry succeeded in one run or the other (at least once), and nothing
      // is left pending.
      expect(new Set([...results, ...second])).toEqual(new Set(ids));
      expect(await pendingOf(admin, stream, GROUP)).toEqual([]);
    });

    /** Runs a pool on an empty stream, kills its blocking read; resolves with the run's error. */
    async function killTheBlockingReadOfARun(stream: string): Promise<unknown> {
      const run = runUntilEnd(connected.client, { stream, consumer: 'c1', block: 60_000 }, (e) =>
        Promise.resolve(e.id),
      );
      await waitFor(async () => (await blockedReaders(admin)).length === 1);
      const [blocked] = await blockedReaders(admin);
      await admin.call('CLIENT', 'KILL', 'ID', blocked!);
      return (await run.ended).error;
    }

    it('CLIENT KILL of the blocking connection halts the pool with an error naming Redis and XREADGROUP', async () => {
      const error = await killTheBlockingReadOfARun(freshStream('kill-blocking'));
      expect(error).toBeInstanceOf(RedisStreamError);
      expect((error as RedisStreamError).command).toBe('XREADGROUP');
      expect((error as Error).message).toMatch(/^Redis XREADGROUP failed: /);
      expect(await blockedReaders(admin)).toEqual([]);
    });

    it('CLIENT KILL of the blocking connection leaves no timer behind once the pool has ended', async () => {
      const timers = trackTimers();
      try {
        const error = await killTheBlockingReadOfARun(freshStream('kill-blocking-timers'));
        expect(error).toBeInstanceOf(RedisStreamError);
        // The source reports a loss from a 0 ms timer (after any command in flight): let it run.
        await new Promise((resolve) => setTimeout(resolve, 0));
        expect(timers.pending()).toEqual([]);
      } finally {
        timers.stop();
      }
    });

    it("CLIENT KILL of the user's client halts the pool with an error naming Redis; a new run takes the entries", async () => {
      const stream = freshStream('kill-main');
      const ids = await seed(admin, stream, 3);
      const run = runUntilEnd(connected.client, { stream, consumer: 'c1', block: 60_000 }, (e) =>
        Promise.resolve(e.id),
      );
      await waitFor(async () => (await blockedReaders(admin)).length === 1);
      const [blocked] = await blockedReaders(admin);
      const adminId = String(await admin.call('CLIENT', 'ID'));
      const list = (await admin.call('CLIENT', 'LIST')) as string;
      const others = list
        .trim()
        .split('\n')
        .map((line) => /\bid=(\d+)/.exec(line)![1]!)
        .filter((id) => id !== blocked && id !== adminId);
      expect(others.length).toBe(1);
      await admin.call('CLIENT', 'KILL', 'ID', others[0]!);
      const { error, results } = await run.ended;
      expect(error).toBeInstanceOf(RedisStreamError);
      expect((error as Error).message).toMatch(/^Redis [A-Za-z ]+ failed: /);
      expect(results.sort()).toEqual([...ids].sort());
      // The user's client cannot send CLIENT UNBLOCK, so the source closed its own connection.
      await noReaderLeftBlocked(admin);
      await connected.ready();
      // Whatever the run took is acked or pending; the next run leaves nothing pending.
      await lastValueFrom(
        poolFrom(
          redisStream(connected.client, { stream, group: GROUP, consumer: 'c1', untilEmpty: true }),
          async (entry) => entry.id,
          { concurrency: 2 },
        ),
        { defaultValue: undefined },
      );
      expect(await pendingOf(admin, stream, GROUP)).toEqual([]);
    });

    it("a frozen server (SIGSTOP): a stop ends once closeTimeout has passed, with an error naming Redis, each command that got no reply once, and the entries left unsettled; the source's own connection is closed", async () => {
      const stream = freshStream('frozen');
      const ids = await seed(admin, stream, 3);
      const [succeeds, fails, succeedsLater] = ids as [string, string, string];
      const stop = new Subject<void>();
      const started = ids.map(() => deferred<void>());
      const finished = ids.map(() => deferred<void>());
      const run = runUntilEnd(
        connected.client,
        { stream, consumer: 'c1', block: 60_000, closeTimeout: 50 },
        async (entry) => {
          const index = ids.indexOf(entry.id);
          started[index]!.resolve();
          await finished[index]!.promise;
          if (entry.id === fails) throw new Error('released for redelivery');
          return entry.id;
        },
        stop,
        1,
      );
      await Promise.all(started.map((start) => start.promise));
      await waitFor(async () => (await blockedReaders(admin)).length === 1);
      server.freeze();
      let ended: Awaited<typeof run.ended>;
      try {
        // Two writes get no reply (an XACK with an XCLAIM, then an XACK on its own), nor do the
        // blocking read under way and the stop's CLIENT UNBLOCK: each command is named once.
        finished[0]!.resolve();
        finished[1]!.resolve();
        await new Promise((resolve) => setTimeout(resolve, 20));
        finished[2]!.resolve();
        await new Promise((resolve) => setTimeout(resolve, 20));
        stop.next();
        ended = await run.ended;
      } finally {
        server.thaw();
      }
      const error = ended.error as RedisStreamError;
      expect(error).toBeInstanceOf(RedisStreamError);
      expect(error.message).toMatch(
        /^Redis (.+, )?XACK(, .+)? failed: no reply within `closeTimeout` \(50 ms\); the source's own connection was closed; entries not settled/,
      );
      expect(error.command.split(', ').sort()).toEqual([
        'CLIENT UNBLOCK',
        'XACK',
        'XCLAIM',
        'XREADGROUP',
      ]);
      expect([...error.unsettled].sort()).toEqual([...ids].sort());
      expect(ended.results.sort()).toEqual([succeeds, succeedsLater].sort()); // their acks got no reply
      await waitFor(async () => (await blockedReaders(admin)).length === 0);
    });
  });

  describe('with ioredis and a commandTimeout below block', () => {
    it('an idle consumer keeps waiting: the blocking read does not inherit the timeout, and a later entry is taken', async () => {
      const client = new Redis(server.url, { lazyConnect: true, commandTimeout: 50 });
      client.on('error', () => undefined);
      await client.connect();
      try {
        const stream = freshStream('command-timeout');
        const seen = deferred<string>();
        const run = runUntilEnd(
          client,
          { stream, consumer: 'c1', block: 60_000 },
          async (entry) => {
            seen.resolve(entry.id);
            return entry.id;
          },
        );
        let outcome: unknown;
        void run.ended.then((ended) => (outcome = ended));
        await waitFor(async () => (await blockedReaders(admin)).length === 1);
        await delay(200); // four times the commandTimeout, idle in the blocking read
        expect(outcome).toBeUndefined();
        const [id] = await seed(admin, stream, 1);
        expect(await seen.promise).toBe(id);
        expect(outcome).toBeUndefined();
      } finally {
        client.disconnect();
      }
    });
  });
});
