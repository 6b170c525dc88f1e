/**
 * rxjs-pool: a bounded, backpressured, fail-fast worker stage for RxJS that accounts for every
 * item. This barrel is the main entry point's only public surface (`rxjs-pool/redis` has its own).
 *
 * @packageDocumentation
 */
export { pool } from './pool.js';
export { poolFrom } from './poolFrom.js';
export { BufferOverflowError } from './errors.js';
export { channel, ChannelClosedError } from './sources/channel.js';
export type { Channel } from './sources/channel.js';
export { poolSource } from './sources/poolSource.js';
export type {
  PoolOutcome,
  PoolSource,
  PoolSourceFactory,
  PoolSourceInput,
  PoolSourceTarget,
} from './sources/poolSource.js';
export type {
  HaltStrategy,
  OverflowStrategy,
  PoolEndReason,
  PoolOptions,
  PoolProgress,
  PoolReport,
  PoolRetryConfig,
  Work,
  WorkContext,
} from './types.js';
