import { poolSource, type PoolSourceInput } from '../sources/poolSource.js';
import type { PoolOptions } from '../types.js';
import { linkTo } from './connection.js';
import { checkClient, checkPoolOptions, resolveStreamOptions } from './options.js';
import { RedisStreamSource } from './streamSource.js';
import type { RedisStreamOptions, StreamEntry } from './types.js';

/**
 * A source for `poolFrom` that consumes a Redis Streams consumer group: several processes, on one
 * machine or many, share the entries of one stream, each entry is acknowledged only when its work
 * really succeeded, and whatever a halted, stopped or crashed pool took and did not finish goes
 * back to the group for another consumer.
 *
 * Semantics (each run, that is each subscription or `for await`, opens its own reader):
 * - **Order of taking.** First this consumer's own pending entries (a restarted consumer
 *   re-delivers what it held), then entries idle in any consumer's pending list for `claimIdle`
 *   (`XAUTOCLAIM`: a crashed consumer's), then new ones. The group is created (with `MKSTREAM`,
 *   from the start of the stream) when it does not exist.
 * - **Backpressure.** A read (`XREADGROUP COUNT n`) asks only for the room the pool has, so this
 *   consumer never has more than `concurrency + bufferSize` entries it read and has not settled.
 *   While entries are still being worked on, a read waits for the end of the current turn of the
 *   event loop, so that what settles in that turn is asked for in the same read (and acked in
 *   the same round trip).
 *   While an entry's work runs, its idle time is refreshed every `claimIdle / 3` (only while it is
 *   still this consumer's), so no other consumer claims a live entry; one that did (this process
 *   stalled past `claimIdle`) keeps it, and the entry may be worked twice (at least once). A pool `timeout` at or above `claimIdle` is rejected at the
 *   `poolFrom` call.
 * - **Settling**, as the pool's report says: `succeeded`, acked (`XACK`, batched, before the next
 *   read); `failed` on the `maxDeliveries`-th delivery, written to the dead-letter stream (fields
 *   `id`, `fields` as JSON, `error`, `consumer`, `deliveries`) and then acked, in one script, so
 *   that an entry whose dead letter Redis did not write is not acked and stays pending; an earlier
 *   failure, released for redelivery; `unstarted` and `unfinished`, released at once, without
 *   counting as a delivery. A released entry is claimable by any consumer at once. A dead letter
 *   is written whatever the work threw: a thrown value whose text cannot be read has the `error`
 *   "a thrown value whose text could not be read", and fields that the work made unwritable as
 *   JSON (a BigInt, a cycle) are "fields that could not be written as JSON" (the `id` still finds
 *   the original entry in the stream).
 * - **Teardown.** A halt, a stop or an unsubscribe ends a blocking read at once (`CLIENT
 *   UNBLOCK`); entries that still arrive are released. The pool's end (`onFinalize`, then the
 *   terminal notification) waits until every ack, dead letter and release of the run is written,
 *   for at most `closeTimeout`: past it (a frozen server) the source closes its own connection and
 *   the run ends with a {@link RedisStreamError} naming the commands that got no reply and the
 *   entries they would have settled.
 * - **Errors.** A lost connection, a Redis restart or `CLIENT KILL` of either connection halts the
 *   pool with a {@link RedisStreamError} naming Redis and the command; a command never waits for a
 *   reconnection, and a client that nobody connected (ioredis `lazyConnect` before `connect()`) is
 *   refused at once. Entries whose settling Redis did not confirm are named in the error; those
 *   it did not write stay pending: a new run, or another consumer after `claimIdle`, takes them.
 * - **Completion.** With `untilEmpty: true` the source completes once nothing is new and no entry
 *   of the group is pending: what another consumer holds is waited for until that consumer acks
 *   it, or it is idle past `claimIdle` and this one claims it (a crashed consumer's entries are
 *   worked, not left behind); the end is noticed within `block` ms of the last ack. Otherwise it
 *   runs until the pool stops.
 * - **Connections.** Blocking reads go over a duplicate of `client`, which each run opens and
 *   closes; `client` itself is never closed. Delivery is at least once: key the work by `entry.id`.
 *
 * @param client - A connected node-redis client (v4 or later) or ioredis client (v5 or later),
 *   told apart by shape; this package depends on neither.
 * @param options - `stream`, `group` and `consumer` are required; see {@link RedisStreamOptions}.
 *   Checked here: a bad value throws a `TypeError` or `RangeError` naming the option and the value
 *   received.
 * @returns A source to pass to `poolFrom`, whose items are {@link StreamEntry}s.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { lastValueFrom } from 'rxjs';
 * import { poolFrom } from 'rxjs-pool';
 * import { redisStream, type StreamEntry } from 'rxjs-pool/redis';
 *
 * const client = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 * const jobs = redisStream(client, { stream: 'jobs', group: 'workers', consumer: 'host-1', untilEmpty: true });
 * await lastValueFrom(
 *   poolFrom(jobs, async (entry: StreamEntry) => console.log(entry.id, entry.fields), { concurrency: 8 }),
 *   { defaultValue: undefined },
 * );
 * await client.close();
 * ```
 * @see {@link StreamEntry}
 * @see {@link RedisStreamOptions}
 * @see {@link https://redis.io/docs/latest/develop/data-types/streams/ | Redis Streams}
 */
export function redisStream(
  client: unknown,
  options: RedisStreamOptions,
): PoolSourceInput<StreamEntry> {
  const kind = checkClient(client);
  const resolved = resolveStreamOptions(options);
  const open = (target: Parameters<PoolSourceInput<StreamEntry>[typeof poolSource]>[0]) =>
    new RedisStreamSource(linkTo(client, kind), resolved, target);
  open.check = (poolOptions: Readonly<PoolOptions<StreamEntry>>) =>
    checkPoolOptions(poolOptions as Readonly<PoolOptions<unknown>>, resolved);
  return { [poolSource]: open };
}
