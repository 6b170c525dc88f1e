import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import {
  poolSource,
  type PoolSourceFactory,
  type PoolSourceInput,
  type PoolSourceTarget,
} from '../index.js';
import { redisStream, type StreamEntry } from '../redis/index.js';
import {
  commandPool,
  exitCodeOf,
  summaryLine,
  type CommandItem,
  type CommandPool,
  type CommandPoolEnd,
} from './commandPool.js';
import { holdConsumerName } from './consumerName.js';
import type { RedisRunOptions } from './program.js';
import { progressBar } from './progressBar.js';
import { connectRedis, shownUrl, type CliRedis } from './redisClient.js';
import type { RunIO } from './run.js';
import { runControls } from './runControls.js';
import { UsageError } from './usageError.js';

/** An item of `run --redis`: the entry's `item` field as the line, and the entry itself. */
interface EntryItem extends CommandItem {
  readonly id: string;
  readonly entry: StreamEntry;
}

/** The field of an entry that holds the line (`enqueue` writes it). */
export const ITEM_FIELD = 'item';

/**
 * The consumer name when `--consumer` is not given: the host name and a suffix made from the
 * stream, the group, the working directory and the command, so that the same job restarted on
 * the same host gets the same name back (and first takes again what it held when it died).
 *
 * @example
 * ```ts
 * defaultConsumer('jobs', 'workers', ['gzip', '{}']); // e.g. 'build-7-3fa9c1'
 * ```
 */
export function defaultConsumer(stream: string, group: string, command: readonly string[]): string {
  const suffix = createHash('sha256')
    .update([stream, group, process.cwd(), ...command].join('\0'))
    .digest('hex')
    .slice(0, 6);
  return `${hostname()}-${suffix}`;
}

/**
 * The stream's entries as the pool's items, over the library's own source (`redisStream`): each
 * entry becomes an {@link EntryItem}, and each item's outcome goes back to the library's source,
 * which acks, dead-letters or releases it. Nothing of the consumer logic is here.
 */
function entryItems(
  entries: PoolSourceInput<StreamEntry>,
  pool: CommandPool<EntryItem>,
): PoolSourceInput<EntryItem> {
  const open = entries[poolSource];
  let nextIndex = 0;
  const toItem = (entry: StreamEntry, index: number): EntryItem => {
    const line = entry.fields[ITEM_FIELD];
    return {
      line: line ?? '',
      index,
      id: entry.id,
      entry,
      ...(line === undefined
        ? { problem: `entry ${entry.id} has no field \`${ITEM_FIELD}\` (enqueue writes it)` }
        : {}),
    };
  };
  const factory: PoolSourceFactory<EntryItem> = (target: PoolSourceTarget<EntryItem>) => {
    const inner = open({
      next: (entry) => {
        const item = toItem(entry, nextIndex);
        pool.offered(item);
        if (!target.next(item)) {
          pool.refused(item);
          return false;
        }
        nextIndex++;
        return true;
      },
      ready: () => target.ready(),
      complete: () => target.complete(),
      error: (error) => target.error(error),
    });
    return {
      get isPending() {
        return inner.isPending;
      },
      pull: (room) => inner.pull(room),
      settle: (item, outcome, error) => inner.settle?.(item.entry, outcome, error),
      release: (reason) => inner.release(reason),
      close: () => inner.close?.(),
    };
  };
  if (open.check !== undefined) {
    const check = open.check;
    factory.check = (options) => check(options as unknown as Parameters<typeof check>[0]);
  }
  return { [poolSource]: factory };
}

/**
 * `rxjs-pool run --redis`: runs the command for each entry of a Redis stream, taken through a
 * consumer group with the library's `redisStream` (see its TSDoc for the order of taking, acks,
 * dead letters, claims and releases), exactly as `run` does for input lines: the same `{}` rules,
 * pool options, JSON lines (with the entry `id`), summary and exit codes. The first SIGINT,
 * SIGTERM or SIGHUP stops gracefully (running commands finish and are acked; entries taken and
 * not started are released at once, for any consumer); a second SIGINT or SIGTERM kills the
 * running commands (their entries are released too). See `runControls` for a hangup whose
 * terminal also held the results.
 *
 * @param options - the parsed options.
 * @param command - the command and its arguments (`{}` is the entry's `item`).
 * @param io - where to write (`stdin` is not read).
 * @returns the exit code: 0, 1, 2 (bad usage, Redis unreachable: nothing ran) or 130.
 * @throws {@link UsageError} before any work starts.
 *
 * @example
 * ```ts
 * const code = await runRedisItems(options, ['sh', '-c', 'process {}'], io);
 * ```
 */
export async function runRedisItems(
  options: RedisRunOptions,
  command: readonly string[],
  io: RunIO,
): Promise<number> {
  const redis: CliRedis = await connectRedis(options.redis, options.redisClient);
  try {
    const consumer = options.consumer ?? defaultConsumer(options.stream, options.group, command);
    await holdConsumerName(redis, options.stream, options.group, consumer);
    let entries: PoolSourceInput<StreamEntry>;
    try {
      entries = redisStream(redis.client, {
        stream: options.stream,
        group: options.group,
        consumer,
        claimIdle: options.claimIdle,
        maxDeliveries: options.maxDeliveries,
        untilEmpty: options.untilEmpty,
      });
    } catch (error) {
      if (error instanceof TypeError || error instanceof RangeError) {
        throw new UsageError(error.message);
      }
      throw error;
    }

    const display = progressBar(io.progressStream, options.progress);
    const say = (line: string): void => display.around(() => io.writeMessage(line));
    const controls = runControls(io, display, say, {
      stopping: 'stopping; running commands may finish, taken entries are released',
    });
    try {
      let deadLettered = 0;
      const pool = commandPool<EntryItem>(options, command, {
        display,
        writeResult: (line) => controls.writeResult(line),
        // The library dead-letters a failure on the entry's last allowed delivery.
        onSettle: (item, outcome) => {
          if (outcome === 'failed' && item.entry.deliveries >= options.maxDeliveries) {
            deadLettered++;
          }
        },
        stop: controls.stop,
        signal: controls.signal,
      });
      const runPool: () => Promise<CommandPoolEnd<EntryItem>> = pool.open(
        entryItems(entries, pool),
      );
      say(
        `rxjs-pool: consumer ${consumer} in group ${options.group} of stream ${options.stream} ` +
          `at ${shownUrl(options.redis)} (${redis.name})`,
      );
      const end = await runPool();
      io.writeMessage(
        summaryLine(end, controls.interrupted, [
          `${deadLettered} dead-lettered to ${options.stream}:dead`,
        ]),
      );
      return exitCodeOf(end, controls.interrupted);
    } finally {
      controls.dispose();
      display.stop();
    }
  } finally {
    await redis.close();
  }
}
