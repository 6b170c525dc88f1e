/**
 * A Redis server for the specs. Each spec file starts its own `redis-server` (from the PATH) on a
 * free loopback port, with no persistence, or with AOF when a restart must keep the data, so that
 * a spec may kill and restart it; without `redis-server`, REDIS_URL names a server to share (specs
 * that kill or restart the server then need the binary). `stop()` ends what was started: no
 * process is left behind.
 *
 * Without any server, {@link describeRedis} says in one line why the specs did not run; with
 * CI=true or REQUIRE_REDIS=1 it fails them instead, so CI never passes without Redis.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why Redis specs cannot run here, or `undefined` when they can. */
function unavailableBecause(): string | undefined {
  if (hasRedisServer()) return undefined;
  if (process.env.REDIS_URL) return undefined;
  return 'no `redis-server` on the PATH and no REDIS_URL';
}

let redisServerFound: boolean | undefined;
function hasRedisServer(): boolean {
  redisServerFound ??= spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  return redisServerFound;
}

function isRequired(): boolean {
  return process.env.CI === 'true' || process.env.REQUIRE_REDIS === '1';
}

/**
 * `describe` for specs that need a Redis server: runs them when one can be had; otherwise skips
 * them with a one-line reason, or, in CI (CI=true or REQUIRE_REDIS=1), fails.
 */
export function describeRedis(name: string, body: () => void): void {
  const reason = unavailableBecause();
  if (reason === undefined) {
    describe(name, body);
  } else if (isRequired()) {
    describe(name, () => {
      it('needs a Redis server', () => {
        throw new Error(`Redis specs must run here (CI=true or REQUIRE_REDIS=1), but: ${reason}`);
      });
    });
  } else {
    describe(name, () => {
      it.skip(`did not run: ${reason} (set REDIS_URL or put redis-server on the PATH)`, () => {});
    });
  }
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** Resolves once the server answers PING on a raw socket. */
async function waitForPing(port: number, host: string, until: number): Promise<void> {
  for (;;) {
    const answered = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host });
      let data = '';
      socket.setTimeout(500, () => socket.destroy());
      socket.on('connect', () => socket.write('PING\r\n'));
      socket.on('data', (chunk) => {
        data += chunk.toString();
        if (data.includes('\r\n')) {
          socket.destroy();
          resolve(data.startsWith('+PONG'));
        }
      });
      socket.on('error', () => resolve(false));
      socket.on('close', () => resolve(false));
    });
    if (answered) return;
    if (Date.now() > until) throw new Error(`redis-server on port ${port} did not answer PING`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A Redis server a spec file uses. */
export interface RedisServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** `true` when this harness started the server, so it may kill and restart it. */
  readonly isOwn: boolean;
  /** Kills the server process (SIGKILL): every connection drops at once. */
  kill(): Promise<void>;
  /** Starts the server again on the same port (with AOF, with the data it had). */
  restart(): Promise<void>;
  /** Stops the server process (SIGSTOP): connections stay open and nothing is answered. */
  freeze(): void;
  /** Lets a frozen server go on (SIGCONT). */
  thaw(): void;
  /** Stops the server if this harness started it, and removes its files. */
  stop(): Promise<void>;
}

/**
 * Starts a `redis-server` on a free port (or uses REDIS_URL when there is no binary).
 *
 * @param persistence - `'aof'` when a kill and restart must keep the data.
 */
export async function startRedis(persistence: 'none' | 'aof' = 'none'): Promise<RedisServer> {
  if (!hasRedisServer()) {
    const url = new URL(process.env.REDIS_URL!);
    const refuse = () => Promise.reject(new Error('REDIS_URL: this spec needs its own server'));
    return {
      url: url.toString(),
      host: url.hostname,
      port: Number(url.port || 6379),
      isOwn: false,
      kill: refuse,
      restart: refuse,
      freeze: () => {
        throw new Error('REDIS_URL: this spec needs its own server');
      },
      thaw: () => undefined,
      stop: () => Promise.resolve(),
    };
  }
  const host = '127.0.0.1';
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rxjs-pool-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    host,
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    persistence === 'aof' ? 'yes' : 'no',
    '--appendfsync',
    'always',
  ];
  let child: ChildProcess | undefined;
  const launch = async () => {
    const started = spawn('redis-server', args, { stdio: 'ignore' });
    child = started;
    await waitForPing(port, host, Date.now() + 10_000);
  };
  const exited = (process: ChildProcess) =>
    process.exitCode !== null || process.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => process.once('exit', () => resolve()));
  const kill = async () => {
    if (!child) return;
    const dying = child;
    child = undefined;
    dying.kill('SIGKILL');
    await exited(dying);
  };
  await launch();
  return {
    url: `redis://${host}:${port}`,
    host,
    port,
    isOwn: true,
    kill,
    restart: launch,
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
    stop: async () => {
      child?.kill('SIGCONT');
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
