import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** Reads a stream one line at a time, on demand. */
export interface LineReader {
  /** The next line, without its line ending; `undefined` at the end of the input. */
  next(): Promise<string | undefined>;
  /** Stops reading and releases the stream. Later calls to `next()` answer `undefined`. */
  close(): void;
  /** Whether the input has ended (its last line may still be waiting to be read). */
  readonly ended: boolean;
}

/**
 * Reads lines from a stream with `readline`, one per `next()`. Lines end with `\n` or `\r\n`; a
 * last line without an ending counts. `readline`'s async iterator pauses the stream while lines
 * pile up unread, so reading a 10-million-line input one line at a time runs in flat memory.
 *
 * Unlike a `for await` loop over the interface, ending one consumer does not close the stream:
 * after the pool has stopped pulling, the rest of the input can still be read (for `--leftover`).
 *
 * @param input - the stream, e.g. `process.stdin` or `fs.createReadStream(file)`.
 * @returns the reader; call `close()` when done.
 *
 * @example
 * ```ts
 * const lines = readLines(fs.createReadStream('items.txt'));
 * for (let line = await lines.next(); line !== undefined; line = await lines.next()) console.log(line);
 * lines.close();
 * ```
 */
export function readLines(input: Readable): LineReader {
  const rl = createInterface({ input, crlfDelay: Infinity, terminal: false });
  const iterator = rl[Symbol.asyncIterator]();
  let closed = false;
  let ended = false;
  rl.once('close', () => (ended = true));
  return {
    get ended(): boolean {
      return ended;
    },
    async next(): Promise<string | undefined> {
      if (closed) return undefined;
      const result = await iterator.next();
      if (closed || result.done === true) return undefined;
      return result.value;
    },
    close(): void {
      if (closed) return;
      closed = true;
      rl.close();
      void iterator.return?.();
      input.destroy();
    },
  };
}

/**
 * Counts the items of a file as `rxjs-pool run --input` reads them: its lines, blank ones left
 * out. It reads the file a second time, on its own stream, so the run does not wait for it.
 *
 * @param path - the file.
 * @param signal - aborting it stops the count early (the number is then what was counted so far).
 * @returns the number of non-blank lines; rejects when the file cannot be read.
 *
 * @example
 * ```ts
 * await countItems('items.txt', new AbortController().signal); // 3 for "a\n\nb\nc"
 * ```
 */
export async function countItems(path: string, signal: AbortSignal): Promise<number> {
  const reader = readLines(createReadStream(path));
  const stop = (): void => reader.close();
  signal.addEventListener('abort', stop, { once: true });
  try {
    let count = 0;
    for (let line = await reader.next(); line !== undefined; line = await reader.next()) {
      if (line !== '') count++;
    }
    return count;
  } finally {
    signal.removeEventListener('abort', stop);
    reader.close();
  }
}
