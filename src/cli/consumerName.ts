/**
 * One live run per consumer name. Two runs under one name share one pending list: each would
 * first re-deliver what the other is working on (a restarted consumer takes its own pending
 * entries back at once), so every entry in flight would run twice. The default name is the same
 * for the same command in the same directory on one host, which is what a person trying it in
 * two terminals gets; so a run marks its connection with the name (`CLIENT SETNAME`), and a run
 * that finds the name on a live connection is refused before it takes anything. A run that died
 * (`kill -9`) took its connection with it: a restart under its name goes on at once.
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

/**
 * Refuses a consumer name another live run holds, then marks this run's connection with it.
 * A server that does not let this client list or name connections (an ACL without `CLIENT`)
 * gets no check: the run goes on, as it would without this.
 *
 * @param redis - this run's connection, which keeps the name while the run lasts.
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
  let list: string;
  try {
    list = String(await redis.call(['CLIENT', 'LIST', 'TYPE', 'normal']));
  } catch {
    return;
  }
  const holder = list.split('\n').find((line) => line.split(' ').includes(`name=${name}`));
  if (holder !== undefined) {
    const address = /\baddr=(\S+)/.exec(holder)?.[1] ?? 'an unknown address';
    throw new UsageError(
      `consumer ${consumer} of group ${group} is in use by a live run (a connection from ` +
        `${address}); two runs under one name would each run what the other holds: give this ` +
        `one its own --consumer NAME`,
    );
  }
  try {
    await redis.call(['CLIENT', 'SETNAME', name]);
  } catch {
    // Not allowed here: no mark, and no check for the next run either.
  }
}
