import { received } from '../internal/received.js';
import type { PoolOptions } from '../types.js';
import { clientKindOf, type ClientKind } from './connection.js';
import type { RedisStreamOptions } from './types.js';

/** The largest delay a JavaScript timer honours. */
const MAX_TIMER_DELAY = 2_147_483_647;

/** {@link RedisStreamOptions} after validation, with every default filled in. @internal */
export interface ResolvedStreamOptions {
  stream: string;
  group: string;
  consumer: string;
  claimIdle: number;
  maxDeliveries: number;
  deadLetter: string;
  block: number;
  untilEmpty: boolean;
  closeTimeout: number;
}

function checkName(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`Expected \`${name}\` to be a non-empty string, ${received(value)}`);
  }
  return value;
}

function checkMilliseconds(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') {
    throw new TypeError(`Expected \`${name}\` to be a number of milliseconds, ${received(value)}`);
  }
  if (!Number.isInteger(value) || value < 1 || value > MAX_TIMER_DELAY) {
    throw new RangeError(
      `Expected \`${name}\` to be an integer number of milliseconds from 1 up to ${MAX_TIMER_DELAY}, ${received(value)}`,
    );
  }
  return value;
}

/**
 * Checks the client; throws a `TypeError` naming it and the value received.
 *
 * @internal
 */
export function checkClient(client: unknown): ClientKind {
  const kind = clientKindOf(client);
  if (kind === undefined) {
    throw new TypeError(
      `Expected \`client\` to be a node-redis client (v4 or later) or an ioredis client (v5 or later), ${received(client)}`,
    );
  }
  return kind;
}

/**
 * Checks every option of {@link redisStream} and fills in the defaults, at the call.
 *
 * @internal
 */
export function resolveStreamOptions(options: unknown): ResolvedStreamOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `Expected \`options\` to be an object with \`stream\`, \`group\` and \`consumer\`, ${received(options)}`,
    );
  }
  const o = options as Partial<Record<keyof RedisStreamOptions, unknown>>;
  const stream = checkName('stream', o.stream);
  const group = checkName('group', o.group);
  const consumer = checkName('consumer', o.consumer);
  const claimIdle = checkMilliseconds('claimIdle', o.claimIdle, 60_000);
  let maxDeliveries = 5;
  if (o.maxDeliveries !== undefined) {
    const value = o.maxDeliveries;
    if (typeof value !== 'number') {
      throw new TypeError(
        `Expected \`maxDeliveries\` to be an integer from 1 and up or \`Infinity\`, ${received(value)}`,
      );
    }
    if (!(value === Infinity || (Number.isInteger(value) && value >= 1))) {
      throw new RangeError(
        `Expected \`maxDeliveries\` to be an integer from 1 and up or \`Infinity\`, ${received(value)}`,
      );
    }
    maxDeliveries = value;
  }
  const deadLetter =
    o.deadLetter === undefined ? `${stream}:dead` : checkName('deadLetter', o.deadLetter);
  if (deadLetter === stream) {
    throw new TypeError(
      `Expected \`deadLetter\` to be a stream other than \`stream\`, ${received(deadLetter)}`,
    );
  }
  const block = checkMilliseconds('block', o.block, 5_000);
  if (o.untilEmpty !== undefined && typeof o.untilEmpty !== 'boolean') {
    throw new TypeError(`Expected \`untilEmpty\` to be a boolean, ${received(o.untilEmpty)}`);
  }
  const closeTimeout = checkMilliseconds('closeTimeout', o.closeTimeout, 10_000);
  return {
    stream,
    group,
    consumer,
    claimIdle,
    maxDeliveries,
    deadLetter,
    block,
    untilEmpty: o.untilEmpty === true,
    closeTimeout,
  };
}

/**
 * The pool options a Redis stream source cannot honour: a `timeout` at or above `claimIdle` (an
 * attempt that may outlast `claimIdle` would let another consumer take the entry while it runs).
 *
 * @internal
 */
export function checkPoolOptions(
  options: Readonly<PoolOptions<unknown>>,
  resolved: ResolvedStreamOptions,
): void {
  const { timeout } = options;
  if (typeof timeout === 'number' && timeout >= resolved.claimIdle) {
    throw new RangeError(
      `Expected \`timeout\` to be less than the Redis stream's \`claimIdle\` (${resolved.claimIdle} ms), ${received(timeout)}`,
    );
  }
}
