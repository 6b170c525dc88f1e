/**
 * The error a {@link redisStream} source fails with when Redis does not answer as it must: a lost
 * or killed connection, a Redis restart, an error reply. Its message names Redis, the command, and
 * the ids of the entries whose settling Redis did not confirm. An entry whose ack Redis did not run
 * stays pending (a dead letter is acked only after it is written), so a new run, or another
 * consumer once `claimIdle` has passed, takes it again; a write whose reply was lost (a lost
 * connection, `closeTimeout` passed) may have run all the same.
 *
 * @example
 * ```ts
 * try {
 *   await lastValueFrom(poolFrom(jobs, handle, { concurrency: 8 }), { defaultValue: undefined });
 * } catch (error) {
 *   if (error instanceof RedisStreamError) console.error(error.command, error.unsettled);
 * }
 * ```
 * @see {@link redisStream}
 */
export class RedisStreamError extends Error {
  /** Always `'RedisStreamError'`, so the error is told apart after serialization too. */
  override readonly name = 'RedisStreamError';
  /** The Redis command that failed, for example `'XREADGROUP'` or `'XACK'`. */
  readonly command: string;
  private readonly detail: string;
  private readonly ids: string[];

  constructor(command: string, detail: string, unsettled: readonly string[], cause?: unknown) {
    super(describe(command, detail, unsettled), cause === undefined ? undefined : { cause });
    this.command = command;
    this.detail = detail;
    this.ids = [...unsettled];
  }

  /**
   * Ids of the entries whose ack, dead letter or release was not confirmed by Redis. Those not
   * written stay pending (nothing is lost); a write whose reply the lost connection took may have
   * landed all the same.
   */
  get unsettled(): readonly string[] {
    return this.ids;
  }

  /**
   * Adds the entries a run could not settle after this error was raised (the source's `close()`
   * does, before the pool delivers the error), so that the error names every one of them.
   *
   * @internal
   */
  addUnsettled(ids: readonly string[]): void {
    for (const id of ids) if (!this.ids.includes(id)) this.ids.push(id);
    this.message = describe(this.command, this.detail, this.ids);
  }
}

function describe(command: string, detail: string, unsettled: readonly string[]): string {
  const ids =
    unsettled.length === 0
      ? ''
      : `; entries not settled (not confirmed by Redis; unless written, they stay pending): ${listIds(unsettled)}`;
  return `Redis ${command} failed: ${detail}${ids}`;
}

/** At most 20 ids in a message; the `unsettled` property has them all. */
function listIds(ids: readonly string[]): string {
  const shown = ids.slice(0, 20).join(', ');
  return ids.length > 20 ? `${shown} and ${ids.length - 20} more` : shown;
}

/** What {@link messageOf} gives for a thrown value that cannot be read as text. @internal */
const UNREADABLE_MESSAGE = 'a thrown value whose text could not be read';

/**
 * The message of anything thrown, for an error's detail and a dead letter's `error` field. It never
 * throws: a value whose `message` getter or `toString` throws is described as
 * {@link UNREADABLE_MESSAGE} (the settling write that carries it must not fail for it).
 *
 * @internal
 */
export function messageOf(error: unknown): string {
  try {
    return error instanceof Error ? String(error.message) : String(error);
  } catch {
    return UNREADABLE_MESSAGE;
  }
}
