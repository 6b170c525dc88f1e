import { SourceEntry } from './heldEntries.js';

/**
 * Reads the raw replies of the stream commands the source sends (RESP2 arrays, as both clients
 * return them from a raw command; a RESP3 map is read as its entries).
 *
 * @internal
 */

/** One stream entry as a reply carries it; `fields` is `undefined` once the entry was deleted. */
export interface RawEntry {
  id: string;
  fields: Record<string, string> | undefined;
}

function asArray(reply: unknown): unknown[] {
  if (Array.isArray(reply)) return reply;
  if (reply instanceof Map) return [...reply.entries()];
  if (reply === null || reply === undefined) return [];
  if (typeof reply === 'object') return Object.entries(reply);
  throw new TypeError(`unexpected reply ${String(reply)}`);
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

function fieldsOf(reply: unknown): Record<string, string> | undefined {
  if (reply === null || reply === undefined) return undefined;
  if (!Array.isArray(reply)) {
    const fields: Record<string, string> = {};
    for (const [key, value] of asArray(reply) as [unknown, unknown][]) {
      fields[asText(key)] = asText(value);
    }
    return fields;
  }
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) fields[asText(reply[i])] = asText(reply[i + 1]);
  return fields;
}

/** The entries of an `XRANGE`-shaped list: `[[id, [field, value, ...] | nil], ...]`. */
export function entriesOf(reply: unknown): RawEntry[] {
  return asArray(reply).map((item) => {
    const [id, fields] = asArray(item);
    return { id: asText(id), fields: fieldsOf(fields) };
  });
}

/** The entries of an `XREADGROUP` reply for one stream (nil when nothing came). */
export function readGroupEntries(reply: unknown): RawEntry[] {
  return entriesOf(readGroupList(reply));
}

/**
 * The entries of an `XREADGROUP ... >` reply, as the pool gets them: each is new, so on its first
 * delivery. One object per entry, read in one pass (this is the read of every batch).
 */
export function newEntriesOf(reply: unknown): SourceEntry[] {
  const list = readGroupList(reply);
  const entries: SourceEntry[] = [];
  for (let i = 0; i < list.length; i++) {
    const item = asArray(list[i]);
    entries.push(new SourceEntry(asText(item[0]), fieldsOf(item[1]) ?? {}, 1));
  }
  return entries;
}

/** The list of entries of an `XREADGROUP` reply for one stream: `[[stream, list]]` or nil. */
function readGroupList(reply: unknown): unknown[] {
  const streams = asArray(reply);
  if (streams.length === 0) return [];
  return asArray(asArray(streams[0])[1]);
}

/** An `XAUTOCLAIM` reply: the next cursor, the claimed entries, and the ids found deleted. */
export function autoClaimOf(reply: unknown): {
  cursor: string;
  entries: RawEntry[];
  deleted: string[];
} {
  const [cursor, entries, deleted] = asArray(reply);
  return {
    cursor: asText(cursor),
    entries: entriesOf(entries),
    deleted: asArray(deleted).map(asText),
  };
}

/** An extended `XPENDING` reply: each id's delivery count. */
export function deliveriesOf(reply: unknown): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of asArray(reply)) {
    const [id, , , deliveries] = asArray(row);
    counts.set(asText(id), Number(deliveries));
  }
  return counts;
}

/** A summary `XPENDING` reply (`[count, smallest id, greatest id, consumers]`): the count. */
export function pendingCountOf(reply: unknown): number {
  const [count] = asArray(reply);
  const pending = Number(count);
  if (!Number.isInteger(pending)) throw new TypeError(`unexpected XPENDING count ${String(count)}`);
  return pending;
}
