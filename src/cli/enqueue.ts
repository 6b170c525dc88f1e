import type { Readable } from 'node:stream';
import { readLines } from './lines.js';
import type { EnqueueOptions } from './program.js';
import { connectRedis, shownUrl } from './redisClient.js';
import { ITEM_FIELD } from './redisRun.js';
import { openInput } from './run.js';

/** How many XADDs one round trip carries. */
const BATCH = 500;
/** Terminal control: to the start of the line, and erase it. */
const CLEAR_LINE = '\r\x1b[2K';

/** Where `rxjs-pool enqueue` reads and writes. */
export interface EnqueueIO {
  /** The lines, when there is no `--input`. */
  readonly stdin: Readable;
  /** Writes the result line (a line ending is added). */
  readonly writeResult: (line: string) => void;
  /** Where the running count may be drawn (only when it is a terminal). */
  readonly progressStream: NodeJS.WriteStream;
}

/**
 * `rxjs-pool enqueue`: adds one entry per non-blank input line to the stream, with the line in
 * the field `item`, `BATCH` entries per round trip (pipelined), in input order. With `--group`,
 * the group is created first (from the start of the stream) when it does not exist. On a terminal
 * it shows the running count; at the end it prints how many were added and the id range.
 *
 * @param options - the parsed options.
 * @param io - where to read and write.
 * @returns 0 (every line was added).
 * @throws {@link UsageError} before anything is added: the input cannot be read, no Redis client
 *   is installed, the server cannot be reached.
 *
 * @example
 * ```ts
 * await enqueueLines({ redis: new URL('redis://127.0.0.1:6379'), stream: 'jobs', progress: true }, io);
 * // added 3 entries to stream jobs at redis://127.0.0.1:6379 (ids 1700000000000-0 to 1700000000000-2)
 * ```
 */
export async function enqueueLines(options: EnqueueOptions, io: EnqueueIO): Promise<number> {
  const input = options.input === undefined ? io.stdin : await openInput(options.input);
  let redis;
  try {
    redis = await connectRedis(options.redis, options.redisClient);
  } catch (error) {
    if (options.input !== undefined) input.destroy();
    throw error;
  }
  const reader = readLines(input);
  const showCount = options.progress && io.progressStream.isTTY === true;
  let added = 0;
  let first: string | undefined;
  let last: string | undefined;
  try {
    if (options.group !== undefined) {
      await redis
        .call(['XGROUP', 'CREATE', options.stream, options.group, '0', 'MKSTREAM'])
        .catch((error: unknown) => {
          if (!String((error as Error)?.message).startsWith('BUSYGROUP')) throw error;
        });
    }
    let batch: string[][] = [];
    const send = async (): Promise<void> => {
      if (batch.length === 0) return;
      const ids = (await redis.pipeline(batch)).map(String);
      batch = [];
      first ??= ids[0];
      last = ids[ids.length - 1];
      added += ids.length;
      if (showCount) io.progressStream.write(`${CLEAR_LINE}${added} added`);
    };
    for (let line = await reader.next(); line !== undefined; line = await reader.next()) {
      if (line === '') continue;
      batch.push(['XADD', options.stream, '*', ITEM_FIELD, line]);
      if (batch.length >= BATCH) await send();
    }
    await send();
  } finally {
    if (showCount && added > 0) io.progressStream.write(CLEAR_LINE);
    reader.close();
    await redis.close();
  }
  const range = added === 0 ? '' : ` (ids ${first} to ${last})`;
  io.writeResult(
    `added ${added} entries to stream ${options.stream} at ${shownUrl(options.redis)}${range}`,
  );
  return 0;
}
