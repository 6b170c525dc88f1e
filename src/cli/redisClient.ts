import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ValueParser } from './args.js';
import { UsageError } from './usageError.js';

/** The Redis clients the CLI can use: node-redis (the `redis` package) and ioredis. */
export type RedisClientName = 'node-redis' | 'ioredis';

/** The package each client is installed as. */
const PACKAGE_OF: Record<RedisClientName, string> = { 'node-redis': 'redis', ioredis: 'ioredis' };

/** How long connecting may take before the server counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Reads `--redis`: a `redis://` or `rediss://` URL (TLS with `rediss://`). Anything else, a bare
 * `host:port` included, is refused naming the flag and the value.
 *
 * @example
 * ```ts
 * redisUrl('redis://127.0.0.1:6379', '--redis'); // URL
 * redisUrl('127.0.0.1:6379', '--redis');
 * // throws UsageError: Expected `--redis` to be a redis:// or rediss:// URL (for example redis://127.0.0.1:6379), received `127.0.0.1:6379`
 * ```
 */
export const redisUrl: ValueParser<URL> = (value, flag) => {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (
    url === undefined ||
    (url.protocol !== 'redis:' && url.protocol !== 'rediss:') ||
    url.hostname === ''
  ) {
    throw new UsageError(
      `Expected \`${flag}\` to be a redis:// or rediss:// URL (for example redis://127.0.0.1:6379), received \`${value}\``,
    );
  }
  return url;
};

/** A URL as the CLI prints it: without its password. */
export function shownUrl(url: URL): string {
  if (url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.password = '***';
  return copy.href;
}

/** A connected client, and the raw commands the CLI sends through it. */
export interface CliRedis {
  readonly name: RedisClientName;
  /** The client itself, for `redisStream`. */
  readonly client: unknown;
  /** One command; rejects with its error reply. */
  call(command: readonly string[]): Promise<unknown>;
  /** Commands in one round trip; rejects if any fails. */
  pipeline(commands: readonly (readonly string[])[]): Promise<unknown[]>;
  /** MULTI ... EXEC: the commands at once or not at all; rejects if any fails. */
  transaction(commands: readonly (readonly string[])[]): Promise<unknown[]>;
  /** Closes the connection. */
  close(): Promise<void>;
}

type Loaded = Record<string, unknown>;

/**
 * Loads a client package: first as rxjs-pool itself would find it (installed beside it, or
 * globally with it), then from the current directory's project. `undefined` when neither has it.
 */
async function loadPackage(name: string): Promise<Loaded | undefined> {
  const fromHere = async (): Promise<Loaded> => (await import(name)) as Loaded;
  const fromProject = async (): Promise<Loaded> => {
    const path = createRequire(join(process.cwd(), 'package.json')).resolve(name);
    return (await import(pathToFileURL(path).href)) as Loaded;
  };
  for (const load of [fromHere, fromProject]) {
    try {
      return await load();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  return undefined;
}

/**
 * Connects to Redis for the CLI with the client the user installed: `choice` if given, else
 * node-redis (`redis`) when it is installed, else ioredis. Neither is a dependency of rxjs-pool
 * (the library has none); when none is found this says how to install one. The connection does
 * not retry: an unreachable server, a refused password or a timeout is reported at once, and a
 * connection lost later fails the command in flight (the run halts, nothing is lost in Redis).
 *
 * @param url - from {@link redisUrl}.
 * @param choice - `--redis-client`, if given.
 * @returns the connected client.
 * @throws {@link UsageError} (exit code 2, before any work) when no client is installed or the
 *   server cannot be reached.
 *
 * @example
 * ```ts
 * const redis = await connectRedis(new URL('redis://127.0.0.1:6379'));
 * await redis.call(['PING']); // 'PONG'
 * await redis.close();
 * ```
 */
export async function connectRedis(url: URL, choice?: RedisClientName): Promise<CliRedis> {
  const names: RedisClientName[] = choice === undefined ? ['node-redis', 'ioredis'] : [choice];
  for (const name of names) {
    const loaded = await loadPackage(PACKAGE_OF[name]);
    if (loaded === undefined) continue;
    try {
      return name === 'ioredis'
        ? await connectIORedis(loaded, url)
        : await connectNodeRedis(loaded, url);
    } catch (error) {
      throw new UsageError(
        `cannot connect to Redis at ${shownUrl(url)}: ${(error as Error)?.message || String(error)}`,
      );
    }
  }
  const wanted =
    choice === undefined
      ? 'a Redis client: install node-redis or ioredis where rxjs-pool is installed, e.g. `npm install redis` (or `npm install ioredis`; with a global rxjs-pool, `npm install -g redis`)'
      : `the ${choice} client: install it where rxjs-pool is installed, e.g. \`npm install ${PACKAGE_OF[choice]}\``;
  throw new UsageError(`--redis needs ${wanted}`);
}

interface NodeRedisLike {
  connect(): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
  multi(): { addCommand(args: string[]): unknown; exec(): Promise<unknown[]> };
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  destroy(): void;
  readonly isOpen: boolean;
}

async function connectNodeRedis(loaded: Loaded, url: URL): Promise<CliRedis> {
  const createClient = loaded['createClient'] as (options: object) => NodeRedisLike;
  const client = createClient({
    url: url.href,
    socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: false },
    disableOfflineQueue: true,
  });
  let lastError: unknown;
  client.on('error', (error) => (lastError = error));
  try {
    await client.connect();
  } catch (error) {
    if (client.isOpen) client.destroy();
    throw lastError ?? error;
  }
  const send = (command: readonly string[]) => client.sendCommand([...command]);
  return {
    name: 'node-redis',
    client,
    call: send,
    // node-redis writes every command sent in one tick in one write: a pipeline.
    pipeline: (commands) => Promise.all(commands.map(send)),
    transaction: (commands) => {
      const multi = client.multi();
      for (const command of commands) multi.addCommand([...command]);
      return multi.exec();
    },
    close: async () => {
      if (client.isOpen) client.destroy();
    },
  };
}

interface IORedisBatchLike {
  call(name: string, ...args: string[]): unknown;
  exec(): Promise<[Error | null, unknown][] | null>;
}

interface IORedisLike {
  connect(): Promise<unknown>;
  call(name: string, ...args: string[]): Promise<unknown>;
  pipeline(): IORedisBatchLike;
  multi(): IORedisBatchLike;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  disconnect(): void;
}

async function connectIORedis(loaded: Loaded, url: URL): Promise<CliRedis> {
  const Redis = (loaded['default'] ?? loaded) as new (url: string, options: object) => IORedisLike;
  const client = new Redis(url.href, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined); // each command reports its own failure
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw error;
  }
  const batch = async (queued: IORedisBatchLike, commands: readonly (readonly string[])[]) => {
    for (const [name, ...args] of commands) queued.call(name!, ...args);
    const replies = await queued.exec();
    if (replies === null) throw new Error('the transaction was aborted');
    const failed = replies.find(([error]) => error !== null);
    if (failed) throw failed[0];
    return replies.map(([, reply]) => reply);
  };
  return {
    name: 'ioredis',
    client,
    call: ([name, ...args]) => client.call(name!, ...args),
    pipeline: (commands) => batch(client.pipeline(), commands),
    transaction: (commands) => batch(client.multi(), commands),
    close: async () => client.disconnect(),
  };
}
