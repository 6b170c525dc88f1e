import type { PoolProgress } from '../types.js';

/**
 * The object handed to `onProgress`: a plain copy of the seven counters, one per subscription,
 * refreshed by the engine before each call, so a spread, `Object.keys`, `console.log` and
 * `JSON.stringify` show exactly those counters, and writing to it changes nothing in the pool.
 *
 * @internal
 */
export type ProgressSnapshot = { -readonly [K in keyof PoolProgress]: PoolProgress[K] };

/** A snapshot with every counter at 0, in the order the counters are documented. @internal */
export function emptyProgress(): ProgressSnapshot {
  return { accepted: 0, queued: 0, active: 0, succeeded: 0, failed: 0, retried: 0, dropped: 0 };
}
