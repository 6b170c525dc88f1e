/**
 * rxjs-pool/redis: a pool source that consumes a Redis Streams consumer group. This barrel is the
 * entry point's only public surface.
 *
 * @packageDocumentation
 */
export { redisStream } from './redisStream.js';
export { RedisStreamError } from './redisError.js';
export type { RedisStreamOptions, StreamEntry } from './types.js';
