import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  commandPool,
  exitCodeOf,
  summaryLine,
  type CommandItem,
  type CommandPoolEnd,
} from './commandPool.js';
import { InputOrderLedger } from './leftover.js';
import { LeftoverFile } from './leftoverFile.js';
import { lineSource } from './lineSource.js';
import { countItems, readLines } from './lines.js';
import type { RunOptions } from './program.js';
import { progressBar } from './progressBar.js';
import { runControls } from './runControls.js';
import { UsageError } from './usageError.js';

export { EXIT } from './commandPool.js';

/** Where `rxjs-pool run` reads and writes. */
export interface RunIO {
  /** The items, when there is no `--input`. */
  readonly stdin: Readable;
  /** Writes one result line (a line ending is added). */
  readonly writeResult: (line: string) => void;
  /** Writes a message for the user (a line ending is added). */
  readonly writeMessage: (line: string) => void;
  /** Where a progress bar may be drawn (only when it is a terminal). */
  readonly progressStream: NodeJS.WriteStream;
  /**
   * Registers a listener for the results' reader going away (EPIPE, as with `| head`): the run
   * then aborts, and still writes `--leftover`. Returns what removes the listener.
   */
  readonly onOutputGone?: (listener: (error: unknown) => void) => () => void;
}

export { InterruptedError } from './runControls.js';

/** Opens `--input`; a file that cannot be read is a {@link UsageError}. */
export async function openInput(path: string): Promise<Readable> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
  } catch (error) {
    throw new UsageError(
      `cannot read --input ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  return createReadStream(path);
}

/**
 * `rxjs-pool run`: runs a command once per input line through `poolFrom`, which pulls the lines
 * lazily (so the input is streamed: `concurrency + bufferSize` lines are read ahead at most), and
 * writes one JSON line per finished item. On any end (completion, a halt, an interrupt) it writes
 * `--leftover` (every item that did not succeed, then the input not read yet, in input order).
 * The first SIGINT, SIGTERM or SIGHUP stops gracefully through the pool's `stop` (running
 * commands finish); a second SIGINT or SIGTERM aborts through the pool's `signal` (running
 * commands are killed).
 *
 * @param options - the parsed options.
 * @param command - the command and its arguments (`{}` is the item).
 * @param io - where to read and write.
 * @returns the exit code, see {@link EXIT}.
 * @throws {@link UsageError} before any work starts, when the input or the leftover file cannot
 *   be opened or the options are refused by the pool.
 *
 * @example
 * ```ts
 * const code = await runItems({ ...options, concurrency: 4 }, ['gzip', '-k', '{}'], {
 *   stdin: process.stdin,
 *   writeResult: (line) => process.stdout.write(`${line}\n`),
 *   writeMessage: (line) => process.stderr.write(`${line}\n`),
 *   progressStream: process.stderr,
 * });
 * ```
 */
export async function runItems(
  options: RunOptions,
  command: readonly string[],
  io: RunIO,
): Promise<number> {
  const input = options.input === undefined ? io.stdin : await openInput(options.input);
  let leftover: LeftoverFile | undefined;
  try {
    leftover = options.leftover === undefined ? undefined : LeftoverFile.open(options.leftover);
  } catch (error) {
    if (options.input !== undefined) input.destroy();
    throw error;
  }
  const reader = readLines(input);
  // Every line written while the run goes on passes through the display, which keeps its bar
  // beneath them on a terminal. There is no bar while a person types the items: it would sit on
  // the line they type on.
  const typing = options.input === undefined && (io.stdin as { isTTY?: boolean }).isTTY === true;
  const display = progressBar(io.progressStream, options.progress && !typing);
  const say = (line: string): void => display.around(() => io.writeMessage(line));
  const counting = new AbortController();
  if (display.enabled && options.input !== undefined) {
    countItems(options.input, counting.signal).then(
      (total) => display.setTotal(total),
      () => {}, // no total then: the bar shows the counts only
    );
  }
  if (typing) {
    say(
      'rxjs-pool: reading items from the terminal, one per line; end with Ctrl-D (or use --input FILE)',
    );
  }

  let readingRest = false;
  let restCut = false;
  // Once the pool has ended and the rest of the input is being copied to --leftover, an interrupt
  // cuts that copy short instead.
  const controls = runControls(io, display, say, {
    stopping: 'stopping; running commands may finish',
    intercept: (signal) => {
      if (!readingRest) return false;
      say(`rxjs-pool: ${signal}: no longer reading the rest of the input`);
      restCut = true;
      reader.close();
      return true;
    },
  });

  // --leftover: every item the pool took and that did not succeed, in input order, as the pool's
  // onSettle tells each item's outcome.
  const leftoverLedger =
    leftover === undefined
      ? undefined
      : new InputOrderLedger<string>((line, outcome) => {
          if (outcome !== 'succeeded') leftover.write(line);
        });

  let lines: ReturnType<typeof lineSource<CommandItem>>;
  let runPool: () => Promise<CommandPoolEnd<CommandItem>>;
  try {
    const pool = commandPool<CommandItem>(options, command, {
      display,
      writeResult: (line) => controls.writeResult(line),
      onSettle: (item, outcome) => leftoverLedger?.settle(item.index, outcome),
      stop: controls.stop,
      signal: controls.signal,
    });
    // The pool's source: lines as items. After the pool let go of it (a halt, a stop), a line
    // that was still being read is kept for --leftover, before the rest of the input.
    lines = lineSource<CommandItem>(reader, {
      toItem: (line, index) => ({ line, index }),
      onOffer: (item) => {
        leftoverLedger?.take(item.index, item.line);
        pool.offered(item);
      },
      onRefuse: (item) => {
        leftoverLedger?.withdraw(item.index);
        pool.refused(item);
      },
    });
    runPool = pool.open(lines.input);
  } catch (error) {
    counting.abort();
    controls.dispose();
    reader.close();
    display.stop();
    leftover?.discard();
    throw error;
  }

  try {
    const end = await runPool();

    if (leftover !== undefined) {
      // Everything taken and not succeeded, then the input not read yet: to its end, unless an
      // interrupt cuts it short (an endless standard input).
      leftoverLedger!.end();
      readingRest = true;
      if (options.input === undefined && !reader.ended) {
        say(
          `rxjs-pool: copying the rest of standard input to ${options.leftover} until it ends ` +
            '(Ctrl-C stops)',
        );
      }
      // A line the source was still reading when the pool let go of it lands in `unread` first.
      await lines.idle();
      for (const line of lines.unread) leftover.write(line);
      for (let line = await reader.next(); line !== undefined; line = await reader.next()) {
        if (line !== '') leftover.write(line);
      }
      leftover.commit();
    }

    const extra =
      leftover === undefined
        ? []
        : [
            `${leftover.count} item(s) left over in ${options.leftover}` +
              (restCut ? ' (the input was not read to its end)' : ''),
          ];
    io.writeMessage(summaryLine(end, controls.interrupted, extra));
    return exitCodeOf(end, controls.interrupted);
  } finally {
    counting.abort();
    controls.dispose();
    reader.close();
    display.stop();
  }
}
