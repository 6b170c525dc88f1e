/**
 * One entry of a Redis stream, as {@link redisStream} hands it to the pool's work.
 *
 * @example
 * ```ts
 * poolFrom(jobs, async (entry: StreamEntry) => {
 *   // At-least-once: key the work by entry.id so that a second delivery does no harm.
 *   await saveOnce(entry.id, entry.fields);
 * }, { concurrency: 8 });
 * ```
 * @see {@link redisStream}
 */
export interface StreamEntry {
  /** The entry's stream id, for example `'1700000000000-0'`. */
  readonly id: string;
  /** The entry's fields and values. */
  readonly fields: Record<string, string>;
  /** How many times the group has delivered this entry, this delivery included (1 the first time). */
  readonly deliveries: number;
}

/**
 * Options of {@link redisStream}. Every option is checked at the `redisStream(...)` call; a bad
 * value throws a `TypeError` or `RangeError` naming the option and the value received.
 *
 * @example
 * ```ts
 * const options: RedisStreamOptions = {
 *   stream: 'jobs',
 *   group: 'workers',
 *   consumer: `worker-${hostname()}`,
 *   claimIdle: 60_000,
 *   maxDeliveries: 5,
 * };
 * ```
 * @see {@link redisStream}
 */
export interface RedisStreamOptions {
  /** The stream's key. Required. */
  stream: string;
  /**
   * The consumer group. Required. Created (with `MKSTREAM`, from the start of the stream) when it
   * does not exist.
   */
  group: string;
  /**
   * This consumer's name in the group. Required. Keep it stable across restarts: a restarted
   * consumer first re-delivers its own pending entries.
   */
  consumer: string;
  /**
   * Milliseconds an entry must sit idle in another consumer's pending list before this consumer
   * claims it (`XAUTOCLAIM`). Entries this consumer works on are kept fresh, so no live entry is
   * ever claimed. An integer from 1. Default `60_000`.
   */
  claimIdle?: number;
  /**
   * A failure on the entry's `maxDeliveries`-th delivery sends it to the dead-letter stream; an
   * earlier failure releases it for redelivery. An integer from 1, or `Infinity`. Default `5`.
   */
  maxDeliveries?: number;
  /** The dead-letter stream's key. Default `` `${stream}:dead` ``. */
  deadLetter?: string;
  /**
   * Milliseconds one blocking read waits for new entries (at most `claimIdle / 3`). With
   * `untilEmpty`, also how soon the end is noticed while other consumers hold entries. An integer
   * from 1. Default `5_000`.
   */
  block?: number;
  /**
   * `true`: the source completes once nothing is new and no entry of the group is pending (batch
   * jobs): what another consumer holds is waited for until it is acked, or idle past `claimIdle`
   * and claimed. The end is noticed within `block` ms of the last ack. A consumer that is alive
   * but stuck keeps its entries (they are refreshed while its work runs), and so keeps the run
   * waiting: give the pool a `timeout`. `false` (default): it runs until the pool stops.
   */
  untilEmpty?: boolean;
  /**
   * Milliseconds the end of a run (a completion, a halt, a stop, an unsubscribe) waits for Redis:
   * for the blocking read to end (`CLIENT UNBLOCK`) and for the run's acks, dead letters and
   * releases to be confirmed. Past it (a frozen server, a network that drops packets), the
   * source's own connection is closed and the run ends with a {@link RedisStreamError} naming the
   * commands that got no reply and the entries they would have settled; those stay pending unless
   * the server still runs the writes it received. An integer from 1. Default `10_000`.
   */
  closeTimeout?: number;
}
