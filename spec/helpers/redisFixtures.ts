/** Streams to work on and looks into a consumer group, for the Redis specs. */
import type { AdminClient } from './redisClients.js';

/** Idle times above this are released entries (the source gives them about three years). */
export const RELEASED_IDLE_FROM = 10_000_000_000;

let streams = 0;
/** A stream name no other spec of this file uses. */
export function freshStream(label: string): string {
  streams += 1;
  return `spec:${label}:${process.pid}:${streams}`;
}

/**
 * Adds `n` entries `{ n: i }` to a stream (pipelined); those that `poison(i)` picks carry
 * `poison: '1'`. Returns their ids in order.
 */
export async function seed(
  admin: AdminClient,
  stream: string,
  n: number,
  poison: (i: number) => boolean = () => false,
): Promise<string[]> {
  const ids = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      admin.call('XADD', stream, '*', 'n', i, ...(poison(i) ? ['poison', '1'] : [])),
    ),
  );
  return ids as string[];
}

/** One row of the pending list. */
export interface PendingRow {
  id: string;
  consumer: string;
  idle: number;
  deliveries: number;
}

/** The group's pending list (optionally one consumer's). */
export async function pendingOf(
  admin: AdminClient,
  stream: string,
  group: string,
  consumer?: string,
): Promise<PendingRow[]> {
  const rows = (await admin.call(
    'XPENDING',
    stream,
    group,
    '-',
    '+',
    100_000,
    ...(consumer ? [consumer] : []),
  )) as [string, string, number, number][];
  return rows.map(([id, owner, idle, deliveries]) => ({
    id,
    consumer: owner,
    idle: Number(idle),
    deliveries: Number(deliveries),
  }));
}

/**
 * `consumer` reads the next `count` new entries of `stream` in `group` and never settles them, as
 * a consumer does that crashed, or that is still working on them.
 */
export async function readAs(
  admin: AdminClient,
  stream: string,
  group: string,
  consumer: string,
  count: number,
): Promise<void> {
  await admin.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '>');
}

/** Entries a consumer read and holds unsettled: its pending list less what it released. */
export async function heldBy(
  admin: AdminClient,
  stream: string,
  group: string,
  consumer: string,
): Promise<number> {
  const [all, released] = await Promise.all([
    admin.call('XPENDING', stream, group, '-', '+', 100_000, consumer),
    admin.call('XPENDING', stream, group, 'IDLE', RELEASED_IDLE_FROM, '-', '+', 100_000, consumer),
  ]);
  return (all as unknown[]).length - (released as unknown[]).length;
}

/** The dead-letter stream's entries, as the source writes them. */
export async function deadLettersOf(
  admin: AdminClient,
  deadLetter: string,
): Promise<Record<string, string>[]> {
  const entries = (await admin.call('XRANGE', deadLetter, '-', '+')) as [string, string[]][];
  return entries.map(([, fields]) => {
    const record: Record<string, string> = {};
    for (let i = 0; i < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
    return record;
  });
}

/** Resolves after `ms` (for work that must be in flight for a while), or rejects when aborted. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

/** Polls until `condition` holds (for a state of the server the spec waits for, never for time). */
export async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await delay(5);
}

/**
 * Resolves once no connection is blocked in an `XREADGROUP`. A connection the source closed
 * itself (when `CLIENT UNBLOCK` could not be sent) is dropped by the server on its next turn, so
 * it may still be listed for a moment after the run ended; a read left behind stays blocked for
 * seconds (the sources block for up to `claimIdle / 3`), and this rejects, naming it, after
 * `within` ms.
 */
export async function noReaderLeftBlocked(admin: AdminClient, within = 2_000): Promise<void> {
  const deadline = Date.now() + within;
  for (;;) {
    const blocked = await blockedReaders(admin);
    if (blocked.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`connections still blocked in XREADGROUP after ${within} ms: ${blocked}`);
    }
    await delay(5);
  }
}

/** The ids of the connections blocked in an `XREADGROUP` now. */
export async function blockedReaders(admin: AdminClient): Promise<string[]> {
  const list = (await admin.call('CLIENT', 'LIST')) as string;
  return list
    .trim()
    .split('\n')
    .filter((line) => / cmd=xreadgroup /.test(line) && / flags=b /.test(line))
    .map((line) => /\bid=(\d+)/.exec(line)![1]!);
}
