import type { StatusOptions } from './program.js';
import { connectRedis, type CliRedis } from './redisClient.js';
import { readStatus, type GroupStatus } from './redisAdmin.js';
import { INTERRUPT_SIGNALS } from './interrupts.js';

/** How often `--watch` redraws. */
const WATCH_MS = 1_000;
/** Terminal control: cursor home, erase the screen. */
const CLEAR_SCREEN = '\x1b[H\x1b[2J';

/** Where `rxjs-pool status` writes. */
export interface StatusIO {
  /** Writes text as it is (line endings included). */
  readonly write: (text: string) => void;
  /** Whether it writes to a terminal (the table is then redrawn in place with `--watch`). */
  readonly isTTY: boolean;
  /**
   * Calls `listener` once the output's reader has gone (a closed pipe, a closed terminal), so
   * that `--watch` ends instead of polling Redis for nobody; returns a function that stops
   * listening.
   */
  readonly onOutputGone?: (listener: () => void) => () => void;
}

function seconds(ms: number | null): string {
  return ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The status as a table, for a person. Pure.
 *
 * @param status - from `readStatus`.
 * @returns the lines.
 */
export function statusTable(status: GroupStatus): string[] {
  const undelivered = status.undelivered === null ? 'unknown' : String(status.undelivered);
  const lines = [
    `stream ${status.stream}: ${status.length} entries, ${undelivered} not yet delivered to group ${status.group}`,
    `pending: ${status.pending} (${status.pending - status.released} held by consumers, ${status.released} released and waiting for one)`,
    `dead letters: ${status.deadLetters} in ${status.deadLetter}`,
  ];
  if (status.consumers.length === 0) return [...lines, 'consumers: none yet'];
  const header = ['consumer', 'pending', 'oldest idle', 'last seen', 'state'];
  const rows = status.consumers.map((consumer) => [
    consumer.name,
    String(consumer.pending),
    seconds(consumer.oldestIdleMs),
    `${seconds(consumer.seenMsAgo)} ago`,
    consumer.looksDead
      ? `looks dead: holds entries idle past ${status.claimIdleMs} ms (another run takes them)`
      : consumer.pending > 0
        ? 'working'
        : 'idle',
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i]!.length)),
  );
  const format = (row: string[]): string =>
    row
      .map((cell, i) => (i === 1 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [...lines, '', format(header), ...rows.map(format)];
}

/**
 * `rxjs-pool status`: reads the stream, the group's pending list and the dead-letter stream, and
 * writes them as a table, or as one JSON object with `--json`. With `--watch` it does so every
 * second (redrawing the screen on a terminal) until SIGINT, SIGTERM or SIGHUP, or until its
 * output's reader goes away, then exits 0.
 *
 * @param options - the parsed options.
 * @param io - where to write.
 * @returns 0.
 * @throws {@link UsageError} (exit code 2) when Redis cannot be reached, or the stream or the
 *   group does not exist (`status` never creates them).
 *
 * @example
 * ```ts
 * await showStatus({ redis: new URL('redis://127.0.0.1:6379'), stream: 'jobs', group: 'workers', watch: false, json: true, claimIdle: 60_000 }, io);
 * ```
 */
export async function showStatus(options: StatusOptions, io: StatusIO): Promise<number> {
  const redis: CliRedis = await connectRedis(options.redis, options.redisClient);
  const show = async (): Promise<void> => {
    const status = await readStatus(redis, options.stream, options.group, options.claimIdle);
    if (options.json) return io.write(`${JSON.stringify(status)}\n`);
    const redraw = options.watch && io.isTTY ? CLEAR_SCREEN : '';
    const footer = options.watch ? ['', `every ${WATCH_MS / 1000} s; Ctrl-C to stop`] : [];
    io.write(`${redraw}${[...statusTable(status), ...footer].join('\n')}\n`);
  };
  try {
    await show();
    if (!options.watch) return 0;
    await new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let hasEnded = false;
      const end = (): void => {
        hasEnded = true;
        if (timer !== undefined) clearTimeout(timer);
        for (const signal of INTERRUPT_SIGNALS) process.off(signal, end);
        stopWatchingOutput?.();
        resolve();
      };
      for (const signal of INTERRUPT_SIGNALS) process.on(signal, end);
      const stopWatchingOutput = io.onOutputGone?.(end);
      const next = (): void => {
        if (hasEnded) return;
        timer = setTimeout(() => {
          show().then(next, (error: unknown) => {
            end();
            reject(error);
          });
        }, WATCH_MS);
      };
      next();
    });
    return 0;
  } finally {
    await redis.close();
  }
}
