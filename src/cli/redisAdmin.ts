/**
 * What `rxjs-pool status` and `rxjs-pool dead` read from Redis and write to it, with raw commands
 * over the user's client. The consumer itself is the library's (`rxjs-pool/redis`); this only
 * looks at what it leaves in Redis: the stream, the group's pending list, the dead-letter stream.
 */
import type { CliRedis } from './redisClient.js';
import { UsageError } from './usageError.js';

/**
 * Idle times from here up are entries a consumer released (a halt, a stop, an earlier failure):
 * `rxjs-pool/redis` gives them an idle time of about three years, so that any consumer claims
 * them at once. Nobody works on them; they wait for the next consumer.
 */
export const RELEASED_IDLE_FROM = 10_000_000_000;

/** How many rows one XPENDING or XRANGE page asks for. */
const PAGE = 1_000;

/** The dead-letter stream `rxjs-pool/redis` writes to, by default. */
export function deadLetterOf(stream: string): string {
  return `${stream}:dead`;
}

/** One consumer of a group, as `status` shows it. */
export interface ConsumerStatus {
  readonly name: string;
  /** Entries it read and has not settled (it works on them, or it died holding them). */
  readonly pending: number;
  /** Entries it released, waiting for any consumer to take them. */
  readonly released: number;
  /** The longest idle time among the entries it holds (`null` when it holds none). */
  readonly oldestIdleMs: number | null;
  /** Milliseconds since Redis last heard from it. */
  readonly seenMsAgo: number;
  /** It holds an entry idle past the claim time: a live consumer refreshes its entries sooner. */
  readonly looksDead: boolean;
}

/** A stream and one group of it, as `status` shows them. */
export interface GroupStatus {
  readonly stream: string;
  readonly group: string;
  /** Entries in the stream (`XLEN`). */
  readonly length: number;
  /** Entries the group has not delivered to anyone yet (`lag`); `null` when Redis cannot tell. */
  readonly undelivered: number | null;
  /** The group's whole pending list (`XPENDING`): held and released entries. */
  readonly pending: number;
  /** Of those, the entries consumers released, waiting to be taken again. */
  readonly released: number;
  /** Entries in the dead-letter stream. */
  readonly deadLetters: number;
  readonly deadLetter: string;
  /** The claim time the `looksDead` judgement used. */
  readonly claimIdleMs: number;
  readonly consumers: readonly ConsumerStatus[];
}

/** One dead letter, as `dead` lists it. */
export interface DeadLetter {
  /** Its id in the dead-letter stream. */
  readonly deadId: string;
  /** The entry's id in the stream it came from. */
  readonly id: string;
  /** Its `item` field (the line), when it had one. */
  readonly item: string | undefined;
  /** All of its fields. */
  readonly fields: Record<string, string>;
  readonly error: string;
  readonly deliveries: number;
  readonly consumer: string;
}

/** A flat `[key, value, ...]` reply (or a RESP3 map) as an object. */
function record(reply: unknown): Record<string, unknown> {
  if (reply instanceof Map) return Object.fromEntries(reply);
  if (!Array.isArray(reply)) return (reply ?? {}) as Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = reply[i + 1];
  return fields;
}

function rows(reply: unknown): unknown[] {
  return Array.isArray(reply) ? reply : [];
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The group's entry in `XINFO GROUPS`.
 *
 * @throws {@link UsageError} when the stream or the group does not exist (`run` and `enqueue
 *   --group` create it; `status` does not).
 */
async function groupInfo(
  redis: CliRedis,
  stream: string,
  group: string,
): Promise<Record<string, unknown>> {
  let groups: unknown;
  try {
    groups = await redis.call(['XINFO', 'GROUPS', stream]);
  } catch (error) {
    if (/no such key/i.test(errorText(error))) {
      throw new UsageError(`no stream \`${stream}\` in Redis (enqueue adds it, run creates it)`);
    }
    throw error;
  }
  const found = rows(groups)
    .map(record)
    .find((info) => String(info['name']) === group);
  if (found === undefined) {
    throw new UsageError(
      `no group \`${group}\` on stream \`${stream}\` (rxjs-pool run --group ${group} creates it)`,
    );
  }
  return found;
}

/** Every row of the group's pending list: `[id, consumer, idle, deliveries]`, page by page. */
async function pendingRows(
  redis: CliRedis,
  stream: string,
  group: string,
): Promise<{ id: string; consumer: string; idle: number }[]> {
  const all: { id: string; consumer: string; idle: number }[] = [];
  let start = '-';
  for (;;) {
    const page = rows(await redis.call(['XPENDING', stream, group, start, '+', String(PAGE)]));
    for (const row of page) {
      const [id, consumer, idle] = rows(row);
      all.push({ id: String(id), consumer: String(consumer), idle: Number(idle) });
    }
    if (page.length < PAGE) return all;
    start = `(${all[all.length - 1]!.id}`;
  }
}

/**
 * Reads what `status` shows.
 *
 * @param claimIdleMs - a consumer that holds an entry idle this long looks dead.
 * @throws {@link UsageError} when the stream or the group does not exist.
 */
export async function readStatus(
  redis: CliRedis,
  stream: string,
  group: string,
  claimIdleMs: number,
): Promise<GroupStatus> {
  const info = await groupInfo(redis, stream, group);
  const deadLetter = deadLetterOf(stream);
  const [length, deadLetters, consumerReply] = await redis.pipeline([
    ['XLEN', stream],
    ['XLEN', deadLetter],
    ['XINFO', 'CONSUMERS', stream, group],
  ]);
  const pending = await pendingRows(redis, stream, group);
  const consumers = rows(consumerReply)
    .map(record)
    .map((consumer): ConsumerStatus => {
      const name = String(consumer['name']);
      const own = pending.filter((row) => row.consumer === name);
      const held = own.filter((row) => row.idle < RELEASED_IDLE_FROM);
      const oldestIdleMs = held.length === 0 ? null : Math.max(...held.map((row) => row.idle));
      return {
        name,
        pending: held.length,
        released: own.length - held.length,
        oldestIdleMs,
        seenMsAgo: Number(consumer['idle']),
        looksDead: oldestIdleMs !== null && oldestIdleMs >= claimIdleMs,
      };
    });
  const lag = info['lag'];
  return {
    stream,
    group,
    length: Number(length),
    undelivered: lag === null || lag === undefined ? null : Number(lag),
    pending: pending.length,
    released: pending.filter((row) => row.idle >= RELEASED_IDLE_FROM).length,
    deadLetters: Number(deadLetters),
    deadLetter,
    claimIdleMs,
    consumers,
  };
}

/**
 * Checks that a stream (or its dead-letter stream) exists, for `dead`.
 *
 * @throws {@link UsageError} when neither does.
 */
export async function checkStreamExists(redis: CliRedis, stream: string): Promise<void> {
  const found = Number(await redis.call(['EXISTS', stream, deadLetterOf(stream)]));
  if (found === 0) {
    throw new UsageError(
      `no stream \`${stream}\` (nor \`${deadLetterOf(stream)}\`) in Redis (enqueue adds it)`,
    );
  }
}

/** Every dead letter of a stream, oldest first, page by page. */
export async function readDeadLetters(redis: CliRedis, stream: string): Promise<DeadLetter[]> {
  const all: DeadLetter[] = [];
  let start = '-';
  for (;;) {
    const page = rows(
      await redis.call(['XRANGE', deadLetterOf(stream), start, '+', 'COUNT', String(PAGE)]),
    );
    for (const entry of page) {
      const [deadId, raw] = rows(entry);
      const fields = record(raw);
      let original: Record<string, string> = {};
      try {
        original = JSON.parse(String(fields['fields'] ?? '{}')) as Record<string, string>;
      } catch {
        original = {};
      }
      all.push({
        deadId: String(deadId),
        id: String(fields['id'] ?? ''),
        item: original['item'],
        fields: original,
        error: String(fields['error'] ?? ''),
        deliveries: Number(fields['deliveries'] ?? 0),
        consumer: String(fields['consumer'] ?? ''),
      });
    }
    if (page.length < PAGE) return all;
    start = `(${all[all.length - 1]!.deadId}`;
  }
}

/**
 * Removes the dead letter and adds its entry back to the stream, as one script (atomic: both or
 * neither, and a dead letter that someone else requeued meanwhile is not added twice).
 */
const REQUEUE_SCRIPT = `
if redis.call('XDEL', KEYS[2], ARGV[1]) == 0 then return false end
return redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))`;

/**
 * Puts one dead letter back on its stream, as a new entry with the same fields (new entries get a
 * fresh delivery count), and removes it from the dead-letter stream, atomically.
 *
 * @returns the new entry's id, or `undefined` when the dead letter was already gone.
 */
export async function requeue(
  redis: CliRedis,
  stream: string,
  letter: DeadLetter,
): Promise<string | undefined> {
  const fields = Object.entries(letter.fields).flat();
  if (fields.length === 0) fields.push('item', letter.item ?? '');
  const reply = await redis.call([
    'EVAL',
    REQUEUE_SCRIPT,
    '2',
    stream,
    deadLetterOf(stream),
    letter.deadId,
    ...fields,
  ]);
  return reply === null || reply === undefined ? undefined : String(reply);
}
