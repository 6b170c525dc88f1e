/** One JSON line of `rxjs-pool run`'s output: what became of one item. */
export interface ResultRecord {
  /** The input line. */
  readonly item: string;
  /** Its 0-based position among the items (blank lines are not items). */
  readonly index: number;
  /** The Redis stream entry's id (`run --redis` only). */
  readonly id?: string;
  /** The command's exit code; `null` when it was killed (a timeout) or could not start. */
  readonly exitCode: number | null;
  /** What the command wrote to its standard output (when it succeeded). */
  readonly stdout?: string;
  /** Why the item failed (when it failed). */
  readonly error?: string;
  /** Milliseconds from the item's first start to its end, retries included. */
  readonly ms: number;
}

/**
 * Writes a result as one line of JSON, the fields always in the same order.
 *
 * @param record - the result.
 * @returns the line, without a line ending.
 *
 * @example
 * ```ts
 * resultLine({ item: 'a', index: 0, exitCode: 0, stdout: 'A\n', ms: 12 });
 * // '{"item":"a","index":0,"exitCode":0,"stdout":"A\\n","ms":12}'
 * ```
 */
export function resultLine(record: ResultRecord): string {
  const ordered: Record<string, unknown> = {
    item: record.item,
    index: record.index,
  };
  if (record.id !== undefined) ordered['id'] = record.id;
  ordered['exitCode'] = record.exitCode;
  if (record.stdout !== undefined) ordered['stdout'] = record.stdout;
  if (record.error !== undefined) ordered['error'] = record.error;
  ordered['ms'] = record.ms;
  return JSON.stringify(ordered);
}
