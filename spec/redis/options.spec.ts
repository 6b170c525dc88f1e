/**
 * redisStream's options and client are checked at the call, p-map style, naming the option and
 * the value received. No server is needed: neither client connects until asked to.
 */
import Redis from 'ioredis';
import { createClient } from 'redis';
import { redisStream } from '../../src/redis/index.js';
import { poolSource } from '../../src/sources/poolSource.js';
import type { RedisStreamOptions } from '../../src/redis/index.js';
import { thrownBy } from '../helpers/thrown.js';

const nodeRedis = createClient({ url: 'redis://127.0.0.1:1' });
const ioredis = new Redis({ port: 1, lazyConnect: true });
const clients: [string, unknown][] = [
  ['node-redis', nodeRedis],
  ['ioredis', ioredis],
];
const valid: RedisStreamOptions = { stream: 'jobs', group: 'workers', consumer: 'host-1' };

type BadCase = [label: string, options: unknown, errorClass: typeof TypeError, option: string];

const badOptions: BadCase[] = [
  ['stream missing', { group: 'g', consumer: 'c' }, TypeError, 'stream'],
  ["stream ''", { ...valid, stream: '' }, TypeError, 'stream'],
  ['stream 42', { ...valid, stream: 42 }, TypeError, 'stream'],
  ['group missing', { stream: 's', consumer: 'c' }, TypeError, 'group'],
  ['group null', { ...valid, group: null }, TypeError, 'group'],
  ['consumer missing', { stream: 's', group: 'g' }, TypeError, 'consumer'],
  ["consumer ''", { ...valid, consumer: '' }, TypeError, 'consumer'],
  ['claimIdle 0', { ...valid, claimIdle: 0 }, RangeError, 'claimIdle'],
  ['claimIdle -1', { ...valid, claimIdle: -1 }, RangeError, 'claimIdle'],
  ['claimIdle 1.5', { ...valid, claimIdle: 1.5 }, RangeError, 'claimIdle'],
  ['claimIdle Infinity', { ...valid, claimIdle: Infinity }, RangeError, 'claimIdle'],
  ["claimIdle '60s'", { ...valid, claimIdle: '60s' }, TypeError, 'claimIdle'],
  ['maxDeliveries 0', { ...valid, maxDeliveries: 0 }, RangeError, 'maxDeliveries'],
  ['maxDeliveries 2.5', { ...valid, maxDeliveries: 2.5 }, RangeError, 'maxDeliveries'],
  ["maxDeliveries '5'", { ...valid, maxDeliveries: '5' }, TypeError, 'maxDeliveries'],
  ["deadLetter ''", { ...valid, deadLetter: '' }, TypeError, 'deadLetter'],
  [
    "deadLetter 'jobs' (the stream itself)",
    { ...valid, deadLetter: 'jobs' },
    TypeError,
    'deadLetter',
  ],
  ['block 0', { ...valid, block: 0 }, RangeError, 'block'],
  ['block NaN', { ...valid, block: NaN }, RangeError, 'block'],
  ['closeTimeout 0', { ...valid, closeTimeout: 0 }, RangeError, 'closeTimeout'],
  ['closeTimeout -1', { ...valid, closeTimeout: -1 }, RangeError, 'closeTimeout'],
  ["closeTimeout '10'", { ...valid, closeTimeout: '10' }, TypeError, 'closeTimeout'],
  ["untilEmpty 'yes'", { ...valid, untilEmpty: 'yes' }, TypeError, 'untilEmpty'],
];

/** The value as a message shows it: `0` (number), `'yes'` (string). */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : String(value);
  return `got \`${text}\` (${value === null ? 'null' : typeof value})`;
}

afterAll(async () => {
  ioredis.disconnect();
});

describe.each(clients)('redisStream(%s client, options)', (_kind, client) => {
  it('throws the exact p-map style message for a missing stream', () => {
    const error = thrownBy(() => redisStream(client, { group: 'g', consumer: 'c' } as never));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe(
      'Expected `stream` to be a non-empty string, got `undefined` (undefined)',
    );
  });

  it.each(badOptions)(
    'rejects %s at the call, naming the option and the value',
    (_label, options, errorClass, option) => {
      const error = thrownBy(() => redisStream(client, options as RedisStreamOptions));
      expect(error).toBeInstanceOf(errorClass);
      expect(error.message).toContain(`Expected \`${option}\``);
      expect(error.message).toContain(shown((options as Record<string, unknown>)[option]));
    },
  );

  it('rejects an options value that is not an object', () => {
    const error = thrownBy(() => redisStream(client, 'jobs' as never));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain("got `'jobs'` (string)");
  });

  it('accepts the minimal options and every option at its bound', () => {
    expect(() => redisStream(client, valid)).not.toThrow();
    expect(() =>
      redisStream(client, {
        ...valid,
        claimIdle: 1,
        maxDeliveries: Infinity,
        block: 1,
        untilEmpty: true,
      }),
    ).not.toThrow();
  });
});

describe('redisStream(client)', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a plain object', { get: () => undefined }],
    [
      'a node-redis lookalike without isOpen',
      {
        sendCommand: () => undefined,
        duplicate: () => undefined,
        multi: () => undefined,
        on: () => undefined,
      },
    ],
    ['a URL string', 'redis://127.0.0.1:6379'],
  ])('rejects %s, naming `client` and the value received', (_label, client) => {
    const error = thrownBy(() => redisStream(client, valid));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(
      /^Expected `client` to be a node-redis client \(v4 or later\) or an ioredis client \(v5 or later\), got `.*` \((undefined|null|object|string)\)$/s,
    );
  });
});

describe("redisStream's check of the pool's options", () => {
  const check = (timeout: number) =>
    redisStream(nodeRedis, { ...valid, claimIdle: 1_000 })[poolSource].check!({
      concurrency: 1,
      timeout,
    });

  it.each([1_000, 5_000])(
    'rejects a pool `timeout` of %d ms, at or above `claimIdle` (1000 ms)',
    (timeout) => {
      const error = thrownBy(() => check(timeout));
      expect(error).toBeInstanceOf(RangeError);
      expect(error.message).toBe(
        `Expected \`timeout\` to be less than the Redis stream's \`claimIdle\` (1000 ms), got \`${timeout}\` (number)`,
      );
    },
  );

  it('accepts a pool `timeout` below `claimIdle`', () => {
    expect(() => check(999)).not.toThrow();
  });
});
