import type { DeadOptions } from './program.js';
import { connectRedis } from './redisClient.js';
import { checkStreamExists, deadLetterOf, readDeadLetters, requeue } from './redisAdmin.js';

/** Where `rxjs-pool dead` writes. */
export interface DeadIO {
  /** One dead letter per line (a line ending is added). */
  readonly writeResult: (line: string) => void;
  /** The count (a line ending is added). */
  readonly writeMessage: (line: string) => void;
}

/**
 * `rxjs-pool dead`: lists the dead letters of a stream, oldest first (the entry's id, its item,
 * the error, how many deliveries it had, the consumer it failed on), one per line, or as JSON
 * lines with `--json`. With `--requeue` each one is put back on the stream as a new entry with the
 * same fields (so its delivery count starts again) and removed from the dead-letter stream, in one
 * script per entry: both or neither, and never twice.
 *
 * @param options - the parsed options.
 * @param io - where to write.
 * @returns 0.
 * @throws {@link UsageError} (exit code 2) when Redis cannot be reached or neither the stream nor
 *   its dead-letter stream exists.
 *
 * @example
 * ```ts
 * await listDead({ redis: new URL('redis://127.0.0.1:6379'), stream: 'jobs', requeue: true, json: false }, io);
 * // requeued 3 dead letter(s) from jobs:dead to jobs
 * ```
 */
export async function listDead(options: DeadOptions, io: DeadIO): Promise<number> {
  const redis = await connectRedis(options.redis, options.redisClient);
  try {
    await checkStreamExists(redis, options.stream);
    const letters = await readDeadLetters(redis, options.stream);
    let requeued = 0;
    for (const letter of letters) {
      const record = {
        id: letter.id,
        item: letter.item ?? null,
        error: letter.error,
        deliveries: letter.deliveries,
        consumer: letter.consumer,
      };
      if (options.requeue) {
        const newId = await requeue(redis, options.stream, letter);
        if (newId === undefined) continue; // someone else requeued it meanwhile
        requeued++;
        if (options.json) io.writeResult(JSON.stringify({ ...record, requeuedAs: newId }));
        continue;
      }
      io.writeResult(
        options.json
          ? JSON.stringify(record)
          : `${letter.id}  ${JSON.stringify(letter.item ?? null)}  ${letter.deliveries} deliveries  on ${letter.consumer}: ${letter.error}`,
      );
    }
    io.writeMessage(
      options.requeue
        ? `rxjs-pool: requeued ${requeued} dead letter(s) from ${deadLetterOf(options.stream)} to ${options.stream}`
        : `rxjs-pool: ${letters.length} dead letter(s) in ${deadLetterOf(options.stream)}`,
    );
    return 0;
  } finally {
    await redis.close();
  }
}
