import type { PoolReport } from '../index.js';

/** How many items of a list to name before summing up the rest. */
const LISTED = 20;

/**
 * Writes a pool's report as aligned text lines: the reason (and error), every counter, the
 * unfinished and unstarted items, and the ledger `accepted = succeeded + failed + dropped +
 * unstarted + unfinished` with its numbers.
 *
 * @param report - what `onFinalize` received.
 * @param describe - how to write one item (default `String`).
 * @returns the lines.
 *
 * @example
 * ```ts
 * formatReport({ reason: 'complete', accepted: 2, succeeded: 2, failed: 0, dropped: 0, retried: 0,
 *   unstarted: [], unfinished: [] });
 * // [ 'reason      complete', 'accepted    2', 'succeeded   2', ..., 'ledger      2 = 2 + 0 + 0 + 0 + 0 (succeeded + failed + dropped + unstarted + unfinished)' ]
 * ```
 */
export function formatReport<T>(
  report: PoolReport<T>,
  describe: (item: T) => string = String,
): string[] {
  const reason =
    report.reason === 'error' ? `error: ${describeError(report.error)}` : report.reason;
  const sum =
    report.succeeded +
    report.failed +
    report.dropped +
    report.unstarted.length +
    report.unfinished.length;
  return [
    field('reason', reason),
    field('accepted', String(report.accepted)),
    field('succeeded', String(report.succeeded)),
    field('failed', String(report.failed)),
    field('dropped', String(report.dropped)),
    field('retried', String(report.retried)),
    field('unfinished', list(report.unfinished, describe)),
    field('unstarted', list(report.unstarted, describe)),
    field(
      'ledger',
      `${report.accepted} ${report.accepted === sum ? '=' : '!='} ${report.succeeded} + ${report.failed} + ` +
        `${report.dropped} + ${report.unstarted.length} + ${report.unfinished.length} ` +
        '(succeeded + failed + dropped + unstarted + unfinished)',
    ),
  ];
}

/**
 * One line for an error: `Name: message` for an `Error`, its string form for anything else.
 *
 * @param error - anything thrown.
 * @returns the line.
 *
 * @example
 * ```ts
 * describeError(new RangeError('bad')); // 'RangeError: bad'
 * ```
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function field(name: string, value: string): string {
  return `${name.padEnd(12)}${value}`;
}

function list<T>(items: readonly T[], describe: (item: T) => string): string {
  if (items.length === 0) return '0';
  const named = items.slice(0, LISTED).map(describe).join(', ');
  const rest = items.length > LISTED ? `, ... and ${items.length - LISTED} more` : '';
  return `${items.length}: ${named}${rest}`;
}
