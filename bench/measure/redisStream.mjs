// W5, a Redis stream consumed by one consumer: `n` entries already in the stream (or, for BullMQ,
// `n` jobs already in its queue), no-op work, `concurrency` at once. Times from the first command
// (the group's creation) to the last ack, in this fresh process; the parent counts the server's
// commands around it.
/* global URL */
import { performance } from 'node:perf_hooks';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * @param {object} job
 * @param {'rxjs-pool' | 'rxjs-pool-ioredis' | 'floor' | 'floor-ioredis' | 'bullmq'} job.contender
 * @param {string} job.url - the bench's own redis-server.
 * @param {string} job.stream - the stream (or BullMQ queue) holding the `n` entries.
 * @param {number} job.n
 * @param {number} job.concurrency
 */
export async function measure(job) {
  const run = CONTENDERS[job.contender];
  if (!run) throw new Error(`unknown W5 contender ${job.contender}`);
  return run(job);
}

const noop = async () => undefined;

/** rxjs-pool/redis, from the same build the bench snapshots for the other workloads. */
async function importRedisEntry() {
  const override = process.env.BENCH_RXJS_POOL;
  if (!override) return import('rxjs-pool/redis');
  return import(pathToFileURL(join(dirname(resolve(override)), 'redis', 'index.js')).href);
}

async function nodeRedis(url) {
  const { createClient } = await import('redis');
  const client = createClient({ url });
  await client.connect();
  return client;
}

async function ioredis(url) {
  const { default: Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true });
  await client.connect();
  return client;
}

async function rxjsPool(job, client, close) {
  const { poolFrom } = await import('../lib/rxjsPool.mjs');
  const { redisStream } = await importRedisEntry();
  const { lastValueFrom } = await import('rxjs');
  let report;
  const started = performance.now();
  await lastValueFrom(
    poolFrom(
      redisStream(client, { stream: job.stream, group: 'w5', consumer: 'c1', untilEmpty: true }),
      noop,
      { concurrency: job.concurrency, onFinalize: (r) => (report = r) },
    ),
    { defaultValue: undefined },
  );
  const ms = performance.now() - started;
  await close();
  if (report.succeeded !== job.n) throw new Error(`rxjs-pool succeeded ${report.succeeded}`);
  return { ms, count: report.succeeded };
}

/**
 * The FLOOR's loop over one client's raw command call.
 *
 * @param {{ stream: string, n: number, concurrency: number }} job
 * @param {(command: string[]) => Promise<any>} send
 */
async function floorLoop(job, send) {
  const { stream, concurrency } = job;
  // Timed from its first command, as rxjs-pool is (its source creates the group too).
  const started = performance.now();
  await send(['XGROUP', 'CREATE', stream, 'w5', '0', 'MKSTREAM']);
  const read = ['XREADGROUP', 'GROUP', 'w5', 'c1', 'COUNT', String(concurrency)];
  read.push('STREAMS', stream, '>');
  let count = 0;
  let done = [];
  for (;;) {
    const [reply] = await Promise.all([
      send(read),
      done.length > 0 ? send(['XACK', stream, 'w5', ...done]) : undefined,
    ]);
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length === 0) break;
    await Promise.all(entries.map((entry) => noop(entry[1])));
    done = entries.map((entry) => entry[0]);
    count += entries.length;
  }
  const ms = performance.now() - started;
  if (count !== job.n) throw new Error(`floor consumed ${count}`);
  return { ms, count };
}

const CONTENDERS = {
  'rxjs-pool': async (job) => {
    const client = await nodeRedis(job.url);
    return rxjsPool(job, client, () => client.close());
  },
  'rxjs-pool-ioredis': async (job) => {
    const client = await ioredis(job.url);
    return rxjsPool(job, client, async () => client.disconnect());
  },

  // The FLOOR, once per client: what a careful hand-written consumer does with it. One round
  // trip per batch: the acks of the last batch pipelined with the next XREADGROUP COUNT
  // `concurrency`; the batch's work runs at once, all of it in flight together.
  floor: async (job) => {
    const client = await nodeRedis(job.url);
    const result = await floorLoop(job, (command) => client.sendCommand(command));
    await client.close();
    return result;
  },
  'floor-ioredis': async (job) => {
    const client = await ioredis(job.url);
    const result = await floorLoop(job, ([name, ...args]) => client.call(name, ...args));
    client.disconnect();
    return result;
  },

  bullmq: async (job) => {
    const { Worker } = await import('bullmq');
    const url = new URL(job.url);
    const connection = { host: url.hostname, port: Number(url.port) };
    let count = 0;
    let finish;
    const finished = new Promise((resolveFinished) => (finish = resolveFinished));
    const started = performance.now();
    const worker = new Worker(job.stream, noop, {
      connection,
      concurrency: job.concurrency,
      autorun: false,
    });
    worker.on('completed', () => {
      if (++count === job.n) finish();
    });
    void worker.run();
    await finished;
    const ms = performance.now() - started;
    await worker.close();
    return { ms, count };
  },
};
