// W5, across processes: a Redis stream of n entries, already written, consumed by one consumer
// with no-op work and concurrency 16. rxjs-pool's `redisStream` (with node-redis and ioredis),
// a FLOOR per client (a hand-written XREADGROUP/XACK loop, acks pipelined with the next read) and
// BullMQ's Worker (the same concurrency, over n jobs already in its queue), against one
// redis-server the bench starts. Reports entries/s and the server's commands per entry (INFO
// commandstats).
/* global setTimeout, URL */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCount, formatMs, formatRatio, formatSpread, stats, table } from '../lib/harness.mjs';

const SIZES = { full: 100_000, quick: 2_000 };
// An even number of rounds: each contender runs as often early in a round as late.
const RUNS = { full: 10, quick: 1 };
const CONCURRENCY = 16;
const CAP_MS = 120_000;

// Each row is timed against the FLOOR that uses the same client (BullMQ runs on ioredis), so
// that × FLOOR shows what the row adds to the client, not what one client costs over the other.
const ROWS = [
  {
    label: 'FLOOR (hand-written XREADGROUP/XACK loop, pipelined acks; node-redis)',
    contender: 'floor',
    client: 'node-redis',
    floor: true,
  },
  {
    label: 'FLOOR (the same loop; ioredis)',
    contender: 'floor-ioredis',
    client: 'ioredis',
    floor: true,
  },
  {
    label: 'rxjs-pool `poolFrom(redisStream(client, …))`, node-redis',
    contender: 'rxjs-pool',
    client: 'node-redis',
    ours: true,
  },
  {
    label: 'rxjs-pool `poolFrom(redisStream(client, …))`, ioredis',
    contender: 'rxjs-pool-ioredis',
    client: 'ioredis',
    ours: true,
  },
  { label: 'BullMQ `Worker` (concurrency 16; ioredis)', contender: 'bullmq', client: 'ioredis' },
];

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** A redis-server of the bench's own, on a free loopback port, without persistence. */
async function startServer() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rxjs-pool-bench-redis-'));
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: 'ignore' },
  );
  const failed = new Promise((_, reject) => child.once('error', reject));
  const { default: Redis } = await import('ioredis');
  const admin = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50 });
  admin.on('error', () => undefined);
  const until = Date.now() + 10_000;
  for (;;) {
    try {
      await Promise.race([admin.connect(), failed]);
      break;
    } catch (error) {
      if (error?.code === 'ENOENT') throw new Error('W5 needs `redis-server` on the PATH');
      if (Date.now() > until) throw error;
      await new Promise((resolveWait) => setTimeout(resolveWait, 50));
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    admin,
    async stop() {
      admin.disconnect();
      child.kill('SIGKILL');
      await new Promise((resolveExit) =>
        child.exitCode !== null ? resolveExit() : child.once('exit', resolveExit),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes n entries (or n BullMQ jobs) before the timed part. */
async function prepare(server, contender, key, n) {
  await server.admin.flushall();
  if (contender === 'bullmq') {
    const { Queue } = await import('bullmq');
    const url = new URL(server.url);
    const queue = new Queue(key, { connection: { host: url.hostname, port: Number(url.port) } });
    for (let i = 0; i < n; i += 1000) {
      const jobs = [];
      for (let j = i; j < Math.min(n, i + 1000); j++) {
        jobs.push({ name: 'w5', data: { n: j }, opts: { removeOnComplete: true } });
      }
      await queue.addBulk(jobs);
    }
    await queue.close();
  } else {
    for (let i = 0; i < n; i += 1000) {
      const pipeline = server.admin.pipeline();
      for (let j = i; j < Math.min(n, i + 1000); j++) pipeline.xadd(key, '*', 'n', String(j));
      await pipeline.exec();
    }
  }
  await server.admin.config('RESETSTAT');
}

/** Commands the server ran since RESETSTAT, less the bench's own INFO. */
async function commandsRun(server) {
  const info = await server.admin.info('commandstats');
  let calls = 0;
  for (const [, name, count] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (name !== 'info' && name !== 'config|resetstat') calls += Number(count);
  }
  return calls;
}

/**
 * Runs W5 and returns its markdown and its targets.
 *
 * @param {any} ctx - see run.mjs.
 */
export async function run(ctx) {
  const n = ctx.quick ? SIZES.quick : SIZES.full;
  const runs = ctx.quick ? RUNS.quick : RUNS.full;
  const server = await startServer();
  const rows = ROWS.map((row) => ({ ...row, samples: [], commands: [], ratios: [], vsBullmq: [] }));
  const floorOf = (row) => rows.find((other) => other.floor && other.client === row.client);
  const bullmqRow = rows.find((row) => row.contender === 'bullmq');
  try {
    for (let i = 0; i < runs; i++) {
      // A round runs each contender once, in alternating order, so that a slow stretch of the
      // machine weighs on the FLOOR as much as on the others; its ratios compare within the round.
      const round = new Map();
      for (const row of i % 2 === 0 ? rows : [...rows].reverse()) {
        if (row.crashed || row.dnfMs !== undefined) continue;
        ctx.log(`[W5] ${row.label}: run ${i + 1}/${runs}`);
        const key = `w5-${row.contender}-${i}`;
        await prepare(server, row.contender, key, n);
        const job = {
          measure: 'redisStream',
          contender: row.contender,
          url: server.url,
          stream: key,
          n,
          concurrency: CONCURRENCY,
        };
        const outcome = await ctx.child(job, CAP_MS);
        if (outcome.timedOut) row.dnfMs = CAP_MS;
        else if (outcome.crashed) row.crashed = outcome.crashed;
        else {
          row.samples.push(outcome.result.ms);
          row.commands.push((await commandsRun(server)) / n);
          round.set(row, outcome.result.ms);
        }
      }
      for (const [row, ms] of round) {
        const floorMs = round.get(floorOf(row));
        if (!row.floor && floorMs !== undefined) row.ratios.push(ms / floorMs);
        const bullmqMs = round.get(bullmqRow);
        if (row.ours && bullmqMs !== undefined) row.vsBullmq.push(ms / bullmqMs);
      }
    }
  } finally {
    await server.stop();
  }

  const cells = rows.map((row) => {
    if (row.crashed) return [row.label, `crashed: ${row.crashed.slice(0, 120)}`, '—', '—', '—'];
    if (row.dnfMs !== undefined)
      return [row.label, `did not finish in ${formatMs(row.dnfMs)}`, '—', '—', '—'];
    const median = stats(row.samples).median;
    return [
      row.label,
      formatSpread(row.samples, formatMs),
      formatCount(Math.round(n / (median / 1000))),
      row.floor ? formatRatio(1) : row.ratios.length ? formatSpread(row.ratios, formatRatio) : '—',
      formatSpread(row.commands, (c) => c.toFixed(3)),
    ];
  });
  const markdown = [
    `### W5 a Redis stream: ${formatCount(n)} entries already written, no-op work, concurrency ${CONCURRENCY}, one consumer`,
    '',
    ctx.stamp(),
    '',
    `One redis-server that the bench starts (no persistence), on loopback. Each run writes the entries (BullMQ: the jobs, \`removeOnComplete\`) first, untimed, then times one fresh \`node\` process from its first command (the consumer group's creation; BullMQ: the Worker's start) to its last ack; the server's INFO commandstats, reset after the writing, gives the commands per entry (BullMQ's Lua scripts count with the commands they call). Each of ${runs} round(s) runs every contender once, in alternating order. Time: median (min–max) over the rounds; entries/s from the median. × FLOOR: each round's time over the time of that round's FLOOR with the same client, median (min–max) over the rounds.`,
    '',
    table(
      [
        'contender',
        `time for ${formatCount(n)} entries`,
        'entries/s',
        '× FLOOR (same client)',
        'Redis commands per entry',
      ],
      cells,
    ),
  ].join('\n');

  const medianOf = (values) => (values.length ? stats(values).median : undefined);
  const targets = [];
  for (const row of rows.filter((r) => r.ours)) {
    const ratio = medianOf(row.ratios);
    targets.push({
      name: `W5 ${row.label} within 1.25x FLOOR (${row.client})`,
      met: ratio !== undefined && ratio <= 1.25,
      detail: ratio === undefined ? 'no measurement' : `${formatRatio(ratio)} FLOOR`,
    });
    const vsBullmq = medianOf(row.vsBullmq);
    targets.push({
      name: `W5 ${row.label} faster than BullMQ`,
      met: vsBullmq !== undefined && vsBullmq < 1,
      detail: vsBullmq === undefined ? 'no measurement' : `${formatRatio(vsBullmq)} BullMQ's time`,
    });
  }
  return { markdown, targets };
}
