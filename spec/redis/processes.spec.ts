/**
 * Two consumer processes share one consumer group, as a user runs them: each a `node` process of
 * its own (spec/helpers/redisConsumer.mjs, which loads the built package by its name), one of them
 * killed with SIGKILL mid-run. Needs the build (`npm test` builds first).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { clientKinds, connectAdmin, type AdminClient } from '../helpers/redisClients.js';
import {
  deadLettersOf,
  delay,
  freshStream,
  pendingOf,
  RELEASED_IDLE_FROM,
  seed,
} from '../helpers/redisFixtures.js';
import { describeRedis, startRedis, type RedisServer } from '../helpers/redisServer.js';

const GROUP = 'workers';
const CONSUMER = join(__dirname, '..', 'helpers', 'redisConsumer.mjs');

type Message =
  { type: 'ready' } | { type: 'done'; id: string } | { type: 'end'; report: { reason: string } };

interface Consumer {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<number | null>;
  ended: Promise<{ reason: string }>;
}

describeRedis('redisStream across processes', () => {
  let server: RedisServer;
  let admin: AdminClient;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    server = await startRedis();
    admin = await connectAdmin(server.url);
  });
  afterEach(() => {
    // A failed spec leaves no process behind.
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
  afterAll(async () => {
    await admin?.close();
    await server?.stop();
  });

  function startConsumer(
    config: Record<string, unknown>,
    onDone: (id: string, consumer: string) => void,
  ): Consumer {
    const child = fork(CONSUMER, [JSON.stringify({ url: server.url, ...config })], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    let ready!: () => void;
    let ended!: (report: { reason: string }) => void;
    const consumer: Consumer = {
      child,
      ready: new Promise((resolve) => (ready = resolve)),
      ended: new Promise((resolve) => (ended = resolve)),
      exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    };
    child.on('message', (message: Message) => {
      if (message.type === 'ready') ready();
      else if (message.type === 'done') onDone(message.id, String(config.consumer));
      else ended(message.report);
    });
    return consumer;
  }

  async function groupIsDone(stream: string, lastId: string): Promise<boolean> {
    const groups = (await admin.call('XINFO', 'GROUPS', stream)) as unknown[][];
    const group = groups[0]!;
    const field = (name: string) => group[group.indexOf(name) + 1];
    return Number(field('pending')) === 0 && field('last-delivered-id') === lastId;
  }

  it.each(clientKinds)(
    'with %s: 1,000 entries, some poison, two processes, one killed with SIGKILL mid-run: each entry succeeded exactly once or was dead-lettered, nothing is pending, and only entries the killed one held ran twice',
    async (kind) => {
      const stream = freshStream(`processes-${kind}`);
      const isPoison = (i: number) => i % 100 === 7;
      const ids = await seed(admin, stream, 1_000, isPoison);
      const poison = ids.filter((_, i) => isPoison(i));
      const config = {
        kind,
        stream,
        group: GROUP,
        claimIdle: 500,
        maxDeliveries: 2,
        concurrency: 8,
        bufferSize: 8,
        workMs: 2,
      };
      const doneCount = new Map<string, number>();
      let killAt: () => void = () => undefined;
      let done = 0;
      const onDone = (id: string) => {
        doneCount.set(id, (doneCount.get(id) ?? 0) + 1);
        if (++done === 300) killAt();
      };
      // Kill `a` once 300 entries are done, then look at what it held: only those may run twice.
      const killed = new Promise<void>((resolve) => (killAt = resolve)).then(async () => {
        a.child.kill('SIGKILL');
        await a.exited;
        return pendingOf(admin, stream, GROUP, 'a');
      });
      const a = startConsumer({ ...config, consumer: 'a' }, onDone);
      const b = startConsumer({ ...config, consumer: 'b' }, onDone);
      await Promise.all([a.ready, b.ready]);
      a.child.send('start');
      b.child.send('start');
      const pendingAtKill = await killed;
      const heldByKilled = new Set(pendingAtKill.map((row) => row.id));
      expect(a.child.signalCode).toBe('SIGKILL');
      // Killed mid-run: it held entries it had read and not settled.
      expect(pendingAtKill.length).toBeGreaterThan(0);

      // `b` claims what `a` held once it has been idle for claimIdle, and finishes the stream.
      while (!(await groupIsDone(stream, ids[ids.length - 1]!))) await delay(20);
      b.child.send('stop');
      expect((await b.ended).reason).toBe('stopped');
      expect(await b.exited).toBe(0);

      const dead = await deadLettersOf(admin, `${stream}:dead`);
      expect(dead.map((record) => record.id).sort()).toEqual([...poison].sort());
      for (const id of ids) {
        if (poison.includes(id)) expect(doneCount.get(id)).toBeUndefined();
        else expect(doneCount.get(id)).toBeGreaterThanOrEqual(1);
      }
      const twice = [...doneCount].filter(([, count]) => count > 1).map(([id]) => id);
      for (const id of twice) expect(heldByKilled).toContain(id);
      // What it held unsettled (its pending list less what it had released) was within its bound.
      const unsettledAtKill = pendingAtKill.filter((row) => row.idle < RELEASED_IDLE_FROM);
      expect(unsettledAtKill.length).toBeLessThanOrEqual(config.concurrency + config.bufferSize);
      expect(await pendingOf(admin, stream, GROUP)).toEqual([]);
    },
    30_000,
  );
});
