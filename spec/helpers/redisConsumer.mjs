// A consumer process for the multi-process Redis specs: `fork(this file, [JSON config])`.
// It loads rxjs-pool the way a user's program does, through the package's own name (the build
// that `npm test` makes first), consumes the stream with redisStream, and tells its parent over
// IPC what it does: { type: 'ready' }, { type: 'done', id } for each entry whose work succeeded,
// { type: 'end', report } at the end. The parent sends 'start' once every consumer is ready (so
// that all start together), and 'stop' for a graceful stop.
//
// config: { url, kind: 'node-redis' | 'ioredis', stream, group, consumer, claimIdle, maxDeliveries,
//           concurrency, bufferSize, workMs }
/* global setTimeout */
import { Subject } from 'rxjs';

const config = JSON.parse(process.argv[2]);
const { poolFrom } = await import('rxjs-pool');
const { redisStream } = await import('rxjs-pool/redis');

async function connect() {
  if (config.kind === 'ioredis') {
    const { default: Redis } = await import('ioredis');
    const client = new Redis(config.url, { lazyConnect: true });
    client.on('error', () => undefined);
    await client.connect();
    return { client, close: async () => client.disconnect() };
  }
  const { createClient } = await import('redis');
  const client = createClient({ url: config.url });
  client.on('error', () => undefined);
  await client.connect();
  return { client, close: () => client.close() };
}

const { client, close } = await connect();
const stop = new Subject();
let start;
const started = new Promise((resolve) => (start = resolve));
process.on('message', (message) => {
  if (message === 'start') start();
  if (message === 'stop') stop.next();
});

const send = (message) => new Promise((resolve) => process.send(message, resolve));
const jobs = redisStream(client, {
  stream: config.stream,
  group: config.group,
  consumer: config.consumer,
  claimIdle: config.claimIdle,
  maxDeliveries: config.maxDeliveries,
  block: 50,
});
let report;
await send({ type: 'ready' });
await started;
try {
  await new Promise((resolve, reject) =>
    poolFrom(
      jobs,
      async (entry) => {
        await new Promise((done) => setTimeout(done, config.workMs));
        if (entry.fields.poison) throw new Error(`poison ${entry.fields.n}`);
        await send({ type: 'done', id: entry.id });
      },
      {
        concurrency: config.concurrency,
        bufferSize: config.bufferSize,
        tolerate: Infinity,
        stop,
        onFinalize: (r) => (report = r),
      },
    ).subscribe({ complete: resolve, error: reject }),
  );
  await send({
    type: 'end',
    report: { reason: report.reason, succeeded: report.succeeded, failed: report.failed },
  });
} finally {
  await close();
  process.disconnect();
}
