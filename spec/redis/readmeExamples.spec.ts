/**
 * The README's two Redis programs, run as written against a real server: only the server's URL,
 * the stream's name, `fetch` and `process` are the spec's. Each is compiled to a function body
 * (its imports become `require`s, its top-level `await`s run in an async function).
 */
import Redis from 'ioredis';
import * as redis from 'redis';
import * as rxjs from 'rxjs';
import ts from 'typescript';
import * as library from '../../src/index.js';
import * as redisEntry from '../../src/redis/index.js';
import { redisExamples } from '../helpers/readmeExamples.js';
import { connectAdmin, type AdminClient } from '../helpers/redisClients.js';
import { deadLettersOf, freshStream, pendingOf, waitFor } from '../helpers/redisFixtures.js';
import { describeRedis, startRedis, type RedisServer } from '../helpers/redisServer.js';

type AsyncBody = (...args: unknown[]) => Promise<void>;
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...params: string[]
) => AsyncBody;

/** What the program sees as `process`: no environment of ours, and signals the spec sends. */
function fakeProcess() {
  const handlers = new Map<string, () => void>();
  return {
    env: {} as Record<string, string | undefined>,
    once: (signal: string, handler: () => void) => void handlers.set(signal, handler),
    send: (signal: string) => handlers.get(signal)?.(),
    isListening: (signal: string) => handlers.has(signal),
  };
}

describeRedis("the README's Redis programs, run as written", () => {
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

  // What the clients print (ioredis writes an unheard error event to the global console).
  let printed: jest.SpyInstance;
  /** Closes what a program opened, should a failed spec leave it open. */
  const cleanUps: (() => Promise<unknown> | void)[] = [];
  beforeEach(() => {
    printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    printed.mockRestore();
    for (const cleanUp of cleanUps.splice(0)) await cleanUp();
  });

  /** The program, on `stream` of this spec's server, as an async function of its globals. */
  function program(code: string, stream: string): AsyncBody {
    // The README's program still connects to 127.0.0.1:6379 and reads the stream `jobs`.
    expect(code).toContain("'redis://127.0.0.1:6379'");
    expect(code).toContain("stream: 'jobs'");
    const ours = code
      .replaceAll("'redis://127.0.0.1:6379'", `'${server.url}'`)
      .replaceAll("stream: 'jobs'", `stream: '${stream}'`);
    const { outputText } = ts.transpileModule(ours, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    });
    return new AsyncFunction('require', 'exports', 'fetch', 'process', 'console', outputText);
  }

  function requireFor(overrides: Record<string, unknown> = {}) {
    const modules: Record<string, unknown> = {
      rxjs,
      'rxjs-pool': library,
      'rxjs-pool/redis': redisEntry,
      redis,
      ioredis: Redis,
      ...overrides,
    };
    return (name: string): unknown => {
      if (!(name in modules)) throw new Error(`the README's program imports ${name}`);
      return modules[name];
    };
  }

  it('node-redis, a batch job: every entry rendered once, the one whose render fails with HTTP 500 dead-lettered after its last delivery, nothing pending, the client closed', async () => {
    const stream = freshStream('readme-node-redis');
    const urls = ['https://example.com/a', 'https://example.com/broken', 'https://example.com/c'];
    const ids: string[] = [];
    for (const url of urls) ids.push((await admin.call('XADD', stream, '*', 'url', url)) as string);
    const rendered: string[] = [];
    const requests: { url: string; method?: string; body?: unknown; hasSignal: boolean }[] = [];
    const fetch = async (
      url: string,
      init: { method?: string; body?: unknown; signal?: unknown },
    ) => {
      requests.push({
        url,
        method: init.method,
        body: init.body,
        hasSignal: init.signal instanceof AbortSignal,
      });
      if (init.body === 'https://example.com/broken') return { ok: false, status: 500 };
      rendered.push(url);
      return { ok: true, status: 200 };
    };
    const clients: { isOpen: boolean }[] = [];
    const createClient = (options: object) => {
      const client = redis.createClient(options);
      clients.push(client);
      cleanUps.push(() => {
        if (client.isOpen) client.destroy();
      });
      return client;
    };
    const errors: unknown[] = [];
    await program(redisExamples()[0]!, stream)(
      requireFor({ redis: { ...redis, createClient } }),
      {},
      fetch,
      fakeProcess(),
      { ...console, error: (...args: unknown[]) => errors.push(args) },
    );
    expect(errors).toEqual([]);
    expect(rendered.sort()).toEqual(
      [0, 2].map((i) => `https://example.com/render/${ids[i]}`).sort(),
    );
    expect(requests.every((r) => r.method === 'PUT' && r.hasSignal)).toBe(true);
    // retry: 2 gives each delivery three attempts; maxDeliveries 5 (the README's) ends it.
    expect(requests.filter((r) => r.body === urls[1])).toHaveLength(3 * 5);
    const [dead] = await deadLettersOf(admin, `${stream}:dead`);
    expect(dead).toMatchObject({ id: ids[1], error: `render ${ids[1]}: HTTP 500` });
    expect(await pendingOf(admin, stream, 'workers')).toEqual([]);
    expect(clients.map((client) => client.isOpen)).toEqual([false]);
    expect(printed.mock.calls).toEqual([]);
  });

  it('ioredis, until stopped: logs each entry once, and a SIGTERM ends it gracefully, everything acked, the client disconnected', async () => {
    const stream = freshStream('readme-ioredis');
    const ids: string[] = [];
    for (const url of ['a', 'b', 'c'])
      ids.push((await admin.call('XADD', stream, '*', 'url', url)) as string);
    const clients: Redis[] = [];
    class RecordedRedis extends Redis {
      constructor(...args: ConstructorParameters<typeof Redis>) {
        super(...args);
        clients.push(this);
        // Not once it has ended: ioredis would arm a 2 s timer for the gone socket.
        cleanUps.push(() => {
          if (this.status !== 'end') this.disconnect();
        });
      }
    }
    const logged: unknown[][] = [];
    const errors: unknown[] = [];
    const process = fakeProcess();
    await program(redisExamples()[1]!, stream)(
      requireFor({ ioredis: { Redis: RecordedRedis } }),
      {},
      undefined,
      process,
      {
        ...console,
        log: (...args: unknown[]) => logged.push(args),
        error: (...args: unknown[]) => errors.push(args),
      },
    );
    await waitFor(async () => logged.length === 3);
    expect(logged.map(([id, fields, deliveries]) => [id, fields, deliveries]).sort()).toEqual(
      ids.map((id, i) => [id, { url: ['a', 'b', 'c'][i] }, 1]).sort(),
    );
    expect(process.isListening('SIGTERM')).toBe(true);
    process.send('SIGTERM');
    await waitFor(async () => clients[0]!.status === 'end');
    expect(logged).toHaveLength(3);
    expect(errors).toEqual([]);
    expect(printed.mock.calls).toEqual([]);
    expect(await pendingOf(admin, stream, 'workers')).toEqual([]);
  });
});
