/**
 * The built command across machines, as a user runs it: `rxjs-pool enqueue`, `run --redis`,
 * `status` and `dead` as real processes against a redis-server this file starts on a free
 * loopback port (spec/helpers/redisServer.ts), with both clients where the client matters. Needs
 * the build (`npm test` builds first). Nothing here asserts on timing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { clientKinds, connectAdmin, type AdminClient } from '../helpers/redisClients';
import { deadLettersOf, freshStream, heldBy, pendingOf } from '../helpers/redisFixtures';
import { describeRedis, startRedis, type RedisServer } from '../helpers/redisServer';
import { waitUntil } from '../helpers/polling';

const cli = resolve(__dirname, '../../dist/esm/cli/main.js');

jest.setTimeout(60_000);

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Running {
  child: ChildProcess;
  finished: Promise<Finished>;
  stdoutSoFar: () => string;
}

interface Result {
  item: string;
  id: string;
  exitCode: number | null;
  error?: string;
}

/** The complete JSON lines written so far (a killed process may leave half a line). */
function results(stdout: string): Result[] {
  return stdout
    .split('\n')
    .slice(0, -1)
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Result);
}

/** Fails for items ending in 37 (exit 3), succeeds for the others. */
const FAIL_37 = ['sh', '-c', 'case {} in *37) exit 3;; esac; echo ok'];

describeRedis('rxjs-pool with --redis, across processes', () => {
  let server: RedisServer;
  let admin: AdminClient;
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first.`);
    server = await startRedis();
    admin = await connectAdmin(server.url);
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rxjs-pool-cli-redis-'));
  });
  afterEach(() => {
    // A failed spec leaves no process behind.
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await admin?.close();
    await server?.stop();
  });

  function start(args: string[], stdin = ''): Running {
    const child = spawn(process.execPath, [cli, ...args], { cwd: dir, stdio: 'pipe' });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin!.end(stdin);
    const finished = new Promise<Finished>((done) =>
      child.on('close', (code, signal) => done({ code, signal, stdout, stderr })),
    );
    return { child, finished, stdoutSoFar: () => stdout };
  }
  const runCli = (args: string[], stdin = ''): Promise<Finished> => start(args, stdin).finished;
  /**
   * A shell loop for a command: it waits until the spec opens the gate (a file), so that the spec,
   * not a clock, decides when commands end; it also ends when the spec's directory goes, so a
   * failed spec leaves no shell looping.
   */
  const untilGateOpens = (): string =>
    `while [ ! -e '${join(dir, 'go')}' ] && [ -d '${dir}' ]; do sleep 0.02; done`;
  const openGate = (): void => writeFileSync(join(dir, 'go'), '');

  const target = (stream: string): string[] => ['--redis', server.url, '--stream', stream];

  async function enqueue(stream: string, items: string[]): Promise<Finished> {
    const file = join(dir, 'items.txt');
    writeFileSync(file, items.map((item) => `${item}\n`).join(''));
    const done = await runCli(['enqueue', ...target(stream), '--input', file]);
    expect(done.code).toBe(0);
    return done;
  }

  async function statusJson(stream: string, group: string): Promise<Record<string, unknown>> {
    const { code, stdout } = await runCli([
      'status',
      ...target(stream),
      '--group',
      group,
      '--json',
    ]);
    expect(code).toBe(0);
    return JSON.parse(stdout) as Record<string, unknown>;
  }

  it('enqueue adds one entry per non-blank line, field item, and prints the count and id range', async () => {
    const stream = freshStream('cli-enqueue');
    const { stdout } = await runCli(['enqueue', ...target(stream)], "a\n\nit's $(x)\nc\n");
    const entries = (await admin.call('XRANGE', stream, '-', '+')) as [string, string[]][];
    expect(entries.map(([, fields]) => fields)).toEqual([
      ['item', 'a'],
      ['item', "it's $(x)"],
      ['item', 'c'],
    ]);
    expect(stdout).toBe(
      `added 3 entries to stream ${stream} at ${server.url} (ids ${entries[0]![0]} to ${entries[2]![0]})\n`,
    );
  });

  it.each(clientKinds)(
    'with %s: 2,000 lines (400 with ioredis), two runs on one group, one killed with kill -9 mid-run; the other (--until-empty) exits 1 for the failures: every line succeeded exactly once or is listed by dead, only what the killed one held ran twice, nothing is pending',
    async (kind) => {
      const stream = freshStream(`cli-kill-${kind}`);
      const group = 'workers';
      // 2,000 lines with node-redis; 400 with ioredis, which runs the same CLI code over the other
      // client (each line spawns a command, and the suite must stay fast).
      const count = kind === 'node-redis' ? 2_000 : 400;
      const items = Array.from({ length: count }, (_, i) => String(i));
      const poison = items.filter((item) => item.endsWith('37'));
      await enqueue(stream, items);
      const runArgs = (consumer: string, extra: string[] = []) => [
        'run',
        ...target(stream),
        '--group',
        group,
        '--consumer',
        consumer,
        '--redis-client',
        kind,
        // Long enough that a run slowed down by a loaded machine still refreshes its live entries
        // in time; the survivor (--until-empty) waits this long for what the killed one held,
        // then claims it.
        '--claim-idle',
        '2000',
        '--max-deliveries',
        '2',
        '--tolerate',
        'inf',
        '-j',
        '4',
        '--buffer-size',
        '4',
        ...extra,
        '--',
        ...FAIL_37,
      ];
      const a = start(runArgs('a'));
      const b = start(runArgs('b', ['--until-empty']));
      await waitUntil(
        () => results(a.stdoutSoFar()).length + results(b.stdoutSoFar()).length >= count * 0.15,
        20_000,
      );
      a.child.kill('SIGKILL');
      const killed = await a.finished;
      expect(killed.signal).toBe('SIGKILL');
      const heldByKilled = new Set(
        (await pendingOf(admin, stream, group, 'a')).map((row) => row.id),
      );

      const survivor = await b.finished;
      expect(survivor.code).toBe(1);
      expect(survivor.stderr).toMatch(/rxjs-pool: done; \d+ succeeded, \d+ failed/);

      const { stdout: deadOut, code: deadCode } = await runCli([
        'dead',
        ...target(stream),
        '--json',
      ]);
      expect(deadCode).toBe(0);
      const dead = results(deadOut);
      expect(dead.map((letter) => letter.item).sort()).toEqual([...poison].sort());

      const succeeded = new Map<string, string[]>();
      for (const result of [...results(killed.stdout), ...results(survivor.stdout)]) {
        if (result.exitCode !== 0) continue;
        succeeded.set(result.item, [...(succeeded.get(result.item) ?? []), result.id]);
      }
      for (const item of items) {
        if (poison.includes(item)) expect(succeeded.get(item)).toBeUndefined();
        else expect(succeeded.get(item)?.length).toBeGreaterThanOrEqual(1);
      }
      for (const [, ids] of succeeded) {
        if (ids.length > 1) expect(heldByKilled).toContain(ids[0]);
      }

      expect(await pendingOf(admin, stream, group)).toEqual([]);
      const status = await statusJson(stream, group);
      expect(status).toMatchObject({
        length: count,
        undelivered: 0,
        pending: 0,
        deadLetters: poison.length,
      });
      expect((status.consumers as { pending: number }[]).every((c) => c.pending === 0)).toBe(true);
    },
  );

  it('SIGINT: in-flight commands finish and are acked, buffered entries are released and a second run takes them at once; its --until-empty ends once the first acked', async () => {
    const stream = freshStream('cli-sigint');
    const group = 'workers';
    const items = Array.from({ length: 20 }, (_, i) => `item-${i}`);
    await enqueue(stream, items);
    const log = join(dir, 'started.log');
    const a = start([
      'run',
      ...target(stream),
      '--group',
      group,
      '--consumer',
      'a',
      '-j',
      '2',
      '--buffer-size',
      '4',
      '--',
      'sh',
      '-c',
      `echo {} >> '${log}'; ${untilGateOpens()}; echo done`,
    ]);
    const started = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').length - 1 : 0);
    await waitUntil(() => started() === 2);
    a.child.kill('SIGINT');
    // Its two running commands are still its own; what it read and never started went back.
    await waitUntil(async () => (await heldBy(admin, stream, group, 'a')) === 2);

    // The default claim time is a minute: the second run takes the released entries only because
    // they were released, while the first one's commands still run.
    const b = start([
      'run',
      ...target(stream),
      '--group',
      group,
      '--consumer',
      'b',
      '--until-empty',
      '--',
      'echo',
    ]);
    await waitUntil(() => results(b.stdoutSoFar()).length === 18, 20_000);

    // status --json against what the test reads from Redis itself.
    const status = await statusJson(stream, group);
    const [pendingCount] = (await admin.call('XPENDING', stream, group)) as [number];
    expect(status.pending).toBe(Number(pendingCount));
    expect(status.pending).toBe(2);
    expect(status.length).toBe(Number(await admin.call('XLEN', stream)));
    expect(status.consumers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'a', pending: 2, released: 0, looksDead: false }),
        expect.objectContaining({ name: 'b', pending: 0 }),
      ]),
    );

    // `b` is still waiting for what `a` holds; once `a` acks it, the group is empty and `b` ends.
    expect(b.child.exitCode).toBeNull();
    openGate();
    const first = await a.finished;
    expect(first.code).toBe(130);
    const second = await b.finished;
    expect(second.code).toBe(0);
    const finishedByA = results(first.stdout).map((result) => result.item);
    expect(finishedByA).toHaveLength(2);
    const taken = results(second.stdout).map((result) => result.item);
    expect(taken).toHaveLength(18);
    expect([...finishedByA, ...taken].sort()).toEqual([...items].sort());
    expect(await pendingOf(admin, stream, group)).toEqual([]);
  });

  it('a second live run under the same consumer name (the default, for the same command in the same directory) is refused with exit 2 before it takes anything; once the first has ended, a run under that name goes on', async () => {
    const stream = freshStream('cli-same-name');
    await enqueue(stream, ['1', '2', '3']);
    const run = [
      'run',
      ...target(stream),
      '--group',
      'workers',
      '-j',
      '1',
      '--until-empty',
      '--',
      'sh',
      '-c',
      `${untilGateOpens()}; echo {}`,
    ];
    const first = start(run);
    const pending = () => pendingOf(admin, stream, 'workers').catch(() => []); // no group yet: []
    await waitUntil(async () => (await pending()).length === 1);
    const second = await runCli(run);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(
      /consumer \S+ of group workers is in use by a live run \(connection (\d+), from 127\.0\.0\.1:\d+\); two runs under one name would each run what the other holds: give this one its own --consumer NAME\. \(If that run is gone, .* CLIENT KILL ID \1 ends it now\.\)/,
    );
    expect(second.stdout).toBe('');
    expect(await pendingOf(admin, stream, 'workers')).toHaveLength(1);
    openGate();
    const ended = await first.finished;
    expect(ended.code).toBe(0);
    expect(results(ended.stdout).map((result) => result.item)).toEqual(['1', '2', '3']);
    const again = await runCli(run);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toMatch(/in use/);
  });

  it('of six runs started at the same moment under one consumer name, one takes the entries and the five others are refused with exit 2: no entry runs twice', async () => {
    const stream = freshStream('cli-same-name-race');
    const items = Array.from({ length: 20 }, (_, i) => `item-${i}`);
    await enqueue(stream, items);
    // The commands wait for a gate the spec opens once five runs have ended: the one that took
    // the name holds it until every other has started and been refused.
    const run = [
      'run',
      ...target(stream),
      '--group',
      'workers',
      '--consumer',
      'same',
      '-j',
      '2',
      '--until-empty',
      '--',
      'sh',
      '-c',
      `${untilGateOpens()}; echo {}`,
    ];
    const runs = Array.from({ length: 6 }, () => start(run));
    let ended = 0;
    for (const { finished } of runs) void finished.then(() => ended++);
    await waitUntil(() => ended === 5);
    openGate();
    const ends = await Promise.all(runs.map(({ finished }) => finished));
    expect(ends.map((end) => end.code).sort()).toEqual([0, 2, 2, 2, 2, 2]);
    const ran = ends.flatMap((end) => results(end.stdout).map((result) => result.item));
    expect(ran.sort()).toEqual([...items].sort());
  });

  describe('status --watch', () => {
    const watch = (stream: string): Running =>
      start(['status', ...target(stream), '--group', 'workers', '--watch', '--json']);
    const snapshots = (running: Running): Record<string, unknown>[] =>
      results(running.stdoutSoFar()) as unknown as Record<string, unknown>[];

    it('writes the status again every second, with what changed, until Ctrl-C; then exits 0', async () => {
      const stream = freshStream('cli-watch');
      await enqueue(stream, ['a', 'b']);
      await admin.call('XGROUP', 'CREATE', stream, 'workers', '0');
      const running = watch(stream);
      await waitUntil(() => snapshots(running).length >= 1);
      await admin.call('XADD', stream, '*', 'item', 'c');
      await waitUntil(() => snapshots(running).some((snapshot) => snapshot['length'] === 3));
      running.child.kill('SIGINT');
      const { code } = await running.finished;
      expect(code).toBe(0);
      expect(snapshots(running)[0]!['length']).toBe(2);
    });

    it('ends, exit 0, once its reader has gone (a closed pipe): it does not poll Redis for nobody', async () => {
      const stream = freshStream('cli-watch-gone');
      await enqueue(stream, ['a']);
      await admin.call('XGROUP', 'CREATE', stream, 'workers', '0');
      const running = watch(stream);
      await waitUntil(() => snapshots(running).length >= 1);
      running.child.stdout!.destroy();
      const { code } = await running.finished;
      expect(code).toBe(0);
    });
  });

  it('dead --requeue, then run --until-empty with a command that now succeeds: the dead-letter stream ends empty', async () => {
    const stream = freshStream('cli-requeue');
    const group = 'workers';
    await enqueue(stream, ['1', '37', '2', '137']);
    const failing = await runCli([
      'run',
      ...target(stream),
      '--group',
      group,
      '--until-empty',
      '--tolerate',
      'inf',
      '--max-deliveries',
      '1',
      '--',
      ...FAIL_37,
    ]);
    expect(failing.code).toBe(1);
    expect((await deadLettersOf(admin, `${stream}:dead`)).map((letter) => letter.id)).toHaveLength(
      2,
    );

    const listed = await runCli(['dead', ...target(stream)]);
    expect(listed.stdout).toMatch(/"37" {2}1 deliveries {2}on .*: exited with code 3/);
    const requeued = await runCli(['dead', ...target(stream), '--requeue']);
    expect(requeued.code).toBe(0);
    expect(requeued.stderr).toMatch(/requeued 2 dead letter\(s\)/);

    const fixed = await runCli([
      'run',
      ...target(stream),
      '--group',
      group,
      '--until-empty',
      '--',
      'echo',
    ]);
    expect(fixed.code).toBe(0);
    expect(
      results(fixed.stdout)
        .map((result) => result.item)
        .sort(),
    ).toEqual(['137', '37']);
    expect(Number(await admin.call('XLEN', `${stream}:dead`))).toBe(0);
    expect(await pendingOf(admin, stream, group)).toEqual([]);
  });

  it.each([
    [
      'a URL without a scheme',
      ['enqueue', '--redis', '127.0.0.1:6379', '--stream', 'S'],
      /Expected `--redis` to be a redis:\/\/ or rediss:\/\/ URL .*received `127\.0\.0\.1:6379`/,
    ],
    [
      'an unreachable server',
      ['enqueue', '--redis', 'redis://127.0.0.1:1', '--stream', 'S'],
      /cannot connect to Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/,
    ],
    ['a missing --stream', ['enqueue', '--redis', 'URL'], /missing option '--stream'/],
    [
      'a missing --group for run',
      ['run', '--redis', 'URL', '--stream', 'S', '--', 'touch', 'ran'],
      /missing option '--group'/,
    ],
    [
      'a missing group for status',
      ['status', '--redis', 'URL', '--stream', 'S', '--group', 'nobody'],
      /no group `nobody` on stream/,
    ],
    [
      'an unreachable server for run',
      [
        'run',
        '--redis',
        'redis://127.0.0.1:1',
        '--stream',
        'S',
        '--group',
        'g',
        '--',
        'touch',
        'ran',
      ],
      /cannot connect to Redis/,
    ],
    [
      '--timeout at or above --claim-idle',
      [
        'run',
        '--redis',
        'URL',
        '--stream',
        'S',
        '--group',
        'g',
        '--claim-idle',
        '100',
        '--timeout',
        '100',
        '--',
        'touch',
        'ran',
      ],
      /Expected `--timeout` to be less than `--claim-idle` \(100 ms\), received `100`/,
    ],
    [
      '--leftover with --redis',
      [
        'run',
        '--redis',
        'URL',
        '--stream',
        'S',
        '--group',
        'g',
        '--leftover',
        'x',
        '--',
        'touch',
        'ran',
      ],
      /option '--leftover' cannot be used with --redis/,
    ],
    [
      '--stream without --redis',
      ['run', '--stream', 'S', '--', 'touch', 'ran'],
      /option '--stream' needs --redis <url>/,
    ],
  ])('%s: exit code 2 with the message, nothing enqueued or run', async (_, args, message) => {
    const stream = freshStream('cli-usage');
    // The stream exists (without the group) so that only the named mistake is wrong.
    await admin.call('XADD', stream, '*', 'item', 'before');
    const argv = args.map((arg) => (arg === 'URL' ? server.url : arg === 'S' ? stream : arg));
    const { code, stderr } = await runCli(argv, 'x\ny\n');
    expect(stderr).toMatch(message);
    expect(code).toBe(2);
    expect(Number(await admin.call('XLEN', stream))).toBe(1);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });
});
