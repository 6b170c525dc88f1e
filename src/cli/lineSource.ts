import { poolSource, type PoolSource, type PoolSourceInput } from '../index.js';
import type { LineReader } from './lines.js';

/** What {@link lineSource} is told about the items it makes. */
export interface LineSourceHooks<T> {
  /** Makes the pool's item for a line; `index` is its position among the items (from 0). */
  toItem(line: string, index: number): T;
  /** Called just before the item is offered to the pool (so that its outcome can be waited for). */
  onOffer?(item: T, index: number): void;
  /** Called when the pool refused the item just offered (it had let go of the source). */
  onRefuse?(item: T, index: number): void;
}

/** A source of input lines for `poolFrom`, and what it kept back when the pool let go of it. */
export interface LineSource<T> {
  /** The source to pass to `poolFrom` (one run only: the lines are read once). */
  readonly input: PoolSourceInput<T>;
  /**
   * Lines the source read and never gave to the pool (they arrived after the pool let go of it,
   * or the pool refused them), in input order: they come before the rest of the input.
   */
  readonly unread: readonly string[];
  /** Resolves once no read of the source is in progress (then `unread` is complete). */
  idle(): Promise<void>;
}

/**
 * The input lines as a {@link PoolSource}: each `pull(room)` reads up to `room` non-blank lines
 * (blank lines are skipped, not items) and hands them to the pool as they come, so the pool never
 * holds more lines than it has room for and the input is streamed. The end of the input completes
 * the source; a read error fails it (the pool halts with it). A line that arrives after the pool
 * let go of the source (a halt, a stop), or that the pool refuses, is kept in `unread`, never lost.
 *
 * @param reader - the lines; the caller closes it when the run is over.
 * @param hooks - how a line becomes an item, and what to tell the caller.
 * @returns the source and what it kept back.
 *
 * @example
 * ```ts
 * const lines = lineSource(readLines(process.stdin), { toItem: (line, index) => ({ line, index }) });
 * poolFrom(lines.input, ({ line }) => handle(line), { concurrency: 4 }).subscribe();
 * ```
 */
export function lineSource<T>(reader: LineReader, hooks: LineSourceHooks<T>): LineSource<T> {
  const unread: string[] = [];
  let reading: Promise<void> = Promise.resolve();
  const input: PoolSourceInput<T> = {
    [poolSource]: (target) => {
      let released = false;
      let nextIndex = 0;
      const source: PoolSource<T> & { isPending: boolean } = {
        isPending: false,
        pull(room) {
          source.isPending = true;
          reading = (async () => {
            try {
              for (let given = 0; given < room;) {
                const line = await reader.next();
                if (line === undefined) {
                  source.isPending = false;
                  if (!released) target.complete();
                  return;
                }
                if (line === '') continue;
                if (released) {
                  unread.push(line);
                  source.isPending = false;
                  return;
                }
                const index = nextIndex;
                const item = hooks.toItem(line, index);
                hooks.onOffer?.(item, index);
                if (!target.next(item)) {
                  hooks.onRefuse?.(item, index);
                  unread.push(line);
                  released = true;
                  source.isPending = false;
                  return;
                }
                nextIndex++;
                given++;
              }
            } catch (error) {
              source.isPending = false;
              if (!released) target.error(error);
              return;
            }
            source.isPending = false;
            if (!released) target.ready();
          })();
        },
        release() {
          released = true;
        },
      };
      return source;
    },
  };
  return { input, unread, idle: () => reading };
}
