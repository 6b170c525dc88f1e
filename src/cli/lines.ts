import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** Reads a stream one line at a time, on demand. */
export interface LineReader {
  /** The next line, without its line ending; `undefined` at the end of the input. */
  next(): Promise<string | undefined>;
  /** Stops reading and releases the stream. Later calls to `next()` answer `undefined`. */
  close(): void;
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
  return {
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
