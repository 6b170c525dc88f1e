/**
 * One live run per consumer name. Two runs under one name share one pending list: each would
 * first re-deliver what the other is working on (a restarted consumer takes its own pending
 * entries back at once), so every entry in flight would run twice. The default name is the same
 * for the same command in the same directory on one host, which is what a person trying it in
 * two terminals gets; so a run marks its connection with the name (`CLIENT SETNAME`), and a run
 * that finds the name on an older live connection is refused before it takes anything. A run
 * that died with its host up (`kill -9`, a crash) took its connection with it: a restart under
 * its name goes on at once.
 */
import type { CliRedis } from './redisClient.js';
import { UsageError } from './usageError.js';

/**
 * The connection name a run of `consumer` in `group` of `stream` carries: printable, no spaces
 * (as `CLIENT SETNAME` requires), the same for the same three names.
 */
export function connectionNameOf(stream: string, group: string, consumer: string): string {
  return `rxjs-pool:${[stream, group, consumer].map(encodeURIComponent).join(':')}`;
}

/** A connection of `CLIENT LIST`: its id, address and name. */
interface ListedConnection {
  readonly id: number;
  readonly addr: string;
  readonly name: string;
}

function listedConnections(list: string): ListedConnection[] {
  return list
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const field = (key: string): string =>
        line
          .split(' ')
          .find((part) => part.startsWith(`${key}=`))
          ?.slice(key.length + 1) ?? '';
      return { id: Number(field('id')), addr: field('addr'), name: field('name') };
    });
}

/**
 * Refuses a consumer name that another live run holds, and marks this run's connection with it.
 * The connection is named first and the others listed after: of two runs that start at the same
 * moment, each then sees the other, and the one connected first (the lower `CLIENT ID`) keeps the
 * name. A server that does not let this client name or list connections (an ACL without
 * `CLIENT`) gets no check: the run goes on, as it would without this.
 *
 * @param redis - this run's connection, which keeps the name while the run lasts.
 * @param stream - the stream's key.
 * @param group - the consumer group.
 * @param consumer - the consumer name this run would take.
 * @throws {@link UsageError} naming the consumer, the other connection, and `--consumer`.
 *
 * @example
 * ```ts
 * await holdConsumerName(redis, 'jobs', 'workers', 'host-1'); // throws if host-1 is running
 * ```
 */
export async function holdConsumerName(
  redis: CliRedis,
  stream: string,
  group: string,
  consumer: string,
): Promise<void> {
  const name = connectionNameOf(stream, group, consumer);
  let ownId: number;
  let list: string;
  try {
    await redis.call(['CLIENT', 'SETNAME', name]);
    ownId = Number(await redis.call(['CLIENT', 'ID']));
    list = String(await redis.call(['CLIENT', 'LIST', 'TYPE', 'normal']));
  } catch {
    return;
  }
  const holder = listedConnections(list).find(
    (connection) => connection.name === name && connection.id < ownId,
  );
  if (holder === undefined) return;
  throw new UsageError(
    `consumer ${consumer} of group ${group} is in use by a live run (connection ${holder.id}, ` +
      `from ${holder.addr}); two runs under one name would each run what the other holds: give ` +
      `this one its own --consumer NAME. (If that run is gone, its host or network dropped the ` +
      `connection without closing it: Redis ends it once its tcp-keepalive notices, or ` +
      `CLIENT KILL ID ${holder.id} ends it now.)`,
  );
}
