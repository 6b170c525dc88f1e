/**
 * rxjs-pool: a bounded, backpressured, fail-fast worker stage for RxJS that accounts for every
 * item. This barrel is the package's only public entry.
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
