import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { defer, map, Subject, TimeoutError } from 'rxjs';
import { poolFrom, type PoolReport, type WorkContext } from '../index.js';
import { CommandFailedError, runChild, type ChildOutput } from './child.js';
import { commandFor } from './commandLine.js';
import { onInterrupts } from './interrupts.js';
import { InputOrderLedger } from './leftover.js';
import { LeftoverFile } from './leftoverFile.js';
import { countItems, readLines } from './lines.js';
import type { RunOptions } from './program.js';
import { progressBar } from './progressBar.js';
import { describeError } from './reportText.js';
import { resultLine, type ResultRecord } from './resultLine.js';
import { UsageError } from './usageError.js';

/** The exit codes of `rxjs-pool run`. */
export const EXIT = {
  /** Every item succeeded. */
  ok: 0,
  /** An item failed: the pool halted, or failures were tolerated. */
  failed: 1,
  /** Bad usage; nothing ran. */
  usage: 2,
  /** Stopped by SIGINT or SIGTERM. */
  interrupted: 130,
} as const;

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
   * then aborts, and still writes `--leftover`.
   */
  readonly onOutputGone?: (listener: (error: unknown) => void) => void;
}

/** One input line the pool took. */
interface Item {
  readonly line: string;
  /** Its position among the items, from 0 (blank lines are not items). */
  readonly index: number;
  /** When its first attempt started. */
  startedAt?: number;
}

/** What the `--ordered` ledger keeps for an item until its turn. */
interface Pending {
  record?: ResultRecord;
}

/**
 * Thrown into the pool (as its `signal`'s reason) by a second interrupt.
 *
 * @example
 * ```ts
 * abortController.abort(new InterruptedError('SIGINT'));
 * ```
 */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';

  /** @param signal - the signal that asked for it. */
  constructor(readonly signal: string) {
    super(`interrupted by ${signal}`);
  }
}

async function openInput(path: string): Promise<Readable> {
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
 * The first SIGINT or SIGTERM stops gracefully through the pool's `stop` (running commands
 * finish); a second one aborts through the pool's `signal` (running commands are killed).
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

  const stop = new Subject<void>();
  const abort = new AbortController();
  let interrupted: string | undefined;
  let readingRest = false;
  let report: PoolReport<Item> | undefined;

  const leftoverLedger =
    leftover === undefined
      ? undefined
      : new InputOrderLedger<string>((line, outcome) => {
          if (outcome !== 'succeeded') leftover.write(line);
        });
  const orderedOutput = options.ordered
    ? new InputOrderLedger<Pending>((pending) => {
        if (pending.record !== undefined) writeResult(resultLine(pending.record));
      })
    : undefined;
  const pendingOutput = new Map<number, Pending>();

  let outputGone = false;
  const writeResult = (line: string): void => {
    if (!outputGone) display.around(() => io.writeResult(line));
  };
  const output = (record: ResultRecord): void => {
    leftoverLedger?.settle(record.index, record.error === undefined ? 'succeeded' : 'failed');
    if (orderedOutput === undefined) {
      writeResult(resultLine(record));
      return;
    }
    const pending = pendingOutput.get(record.index);
    pendingOutput.delete(record.index);
    if (pending === undefined) return;
    pending.record = record;
    orderedOutput.settle(record.index, record.error === undefined ? 'succeeded' : 'failed');
  };

  // The pool's source: lines as items. After the pool released it (a halt, a stop), a line that was
  // still being read is kept for --leftover, before the rest of the input.
  let released = false;
  let nextIndex = 0;
  const unread: string[] = [];
  /** The source's read in progress, if any: --leftover waits for it before writing `unread`. */
  let reading: Promise<unknown> = Promise.resolve();
  const readItem = async (): Promise<IteratorResult<Item, undefined>> => {
    for (;;) {
      const line = await reader.next();
      if (line === undefined) return { done: true, value: undefined };
      if (line === '') continue;
      if (released) {
        unread.push(line);
        return { done: true, value: undefined };
      }
      const item: Item = { line, index: nextIndex++ };
      leftoverLedger?.take(item.index, line);
      if (orderedOutput !== undefined) {
        const pending: Pending = {};
        pendingOutput.set(item.index, pending);
        orderedOutput.take(item.index, pending);
      }
      return { done: false, value: item };
    }
  };
  const source: AsyncIterable<Item> = {
    [Symbol.asyncIterator]: () => ({
      next(): Promise<IteratorResult<Item, undefined>> {
        const result = readItem();
        reading = result.catch(() => undefined);
        return result;
      },
      async return(): Promise<IteratorResult<Item, undefined>> {
        released = true;
        return { done: true, value: undefined };
      },
    }),
  };

  const work = (item: Item, context: WorkContext) =>
    defer(() => {
      item.startedAt ??= performance.now();
      return runChild(commandFor(command, item.line, options.shell), context.signal);
    }).pipe(map((result: ChildOutput) => ({ item, result })));

  /** The last failure and how it is told: a halt's summary names it the same way. */
  let lastFailure: { error: unknown; text: string } | undefined;
  let results;
  try {
    results = poolFrom(source, work, {
      concurrency: options.concurrency,
      bufferSize: options.bufferSize,
      tolerate: options.tolerate,
      halt: options.halt,
      retry: options.retry,
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      ordered: options.ordered,
      stop,
      signal: abort.signal,
      onProgress: (progress) => display.update(progress),
      onFailure: (error, item) => {
        lastFailure = { error, text: describeFailure(error, item, options) };
        output({
          item: item.line,
          index: item.index,
          exitCode: error instanceof CommandFailedError ? error.exitCode : null,
          error: error instanceof CommandFailedError ? error.message : lastFailure.text,
          ms: elapsed(item),
        });
      },
      onFinalize: (finalReport) => {
        report = finalReport;
      },
    });
  } catch (error) {
    reader.close();
    leftover?.discard();
    if (error instanceof TypeError || error instanceof RangeError) {
      throw new UsageError(error.message);
    }
    throw error;
  }

  let restCut = false;
  const cutRest = (signal: NodeJS.Signals): void => {
    say(`rxjs-pool: ${signal}: no longer reading the rest of the input`);
    restCut = true;
    reader.close();
  };
  const stopListening = onInterrupts(
    (signal) => {
      interrupted = signal;
      if (readingRest) return cutRest(signal);
      say(`rxjs-pool: ${signal}: stopping; running commands may finish (again to kill them)`);
      stop.next();
    },
    (signal) => {
      if (readingRest) return cutRest(signal);
      say(`rxjs-pool: ${signal} again: killing running commands`);
      abort.abort(new InterruptedError(signal));
    },
  );

  io.onOutputGone?.((error) => {
    outputGone = true;
    abort.abort(error);
  });

  let poolError: unknown;
  let halted = false;
  try {
    await new Promise<void>((resolve) => {
      results.subscribe({
        next: ({ item, result }) =>
          output({
            item: item.line,
            index: item.index,
            exitCode: result.exitCode,
            stdout: result.stdout,
            ms: elapsed(item),
          }),
        error: (error: unknown) => {
          halted = true;
          poolError = error;
          resolve();
        },
        complete: resolve,
      });
    });
    display.stop();
    orderedOutput?.end();

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
      await reading;
      for (const line of unread) leftover.write(line);
      for (let line = await reader.next(); line !== undefined; line = await reader.next()) {
        if (line !== '') leftover.write(line);
      }
      leftover.commit();
    }

    const failure = lastFailure as { error: unknown; text: string } | undefined;
    const haltText =
      failure !== undefined && failure.error === poolError
        ? failure.text
        : describeError(poolError);
    io.writeMessage(summary(report, haltText, halted, interrupted, leftover, options, !restCut));
  } finally {
    counting.abort();
    stopListening();
    reader.close();
    display.stop();
  }

  if (interrupted !== undefined) return EXIT.interrupted;
  if (halted || (report?.failed ?? 0) > 0) return EXIT.failed;
  return EXIT.ok;
}

function elapsed(item: Item): number {
  return Math.round(performance.now() - (item.startedAt ?? performance.now()));
}

/**
 * How a failed item is told, in its JSON line and in a halt's summary: a timeout names the item
 * and the limit (RxJS's own message is only "Timeout has occurred").
 */
function describeFailure(error: unknown, item: Item, options: RunOptions): string {
  if (error instanceof TimeoutError) {
    return (
      `TimeoutError: item ${JSON.stringify(item.line)} ran longer than --timeout ` +
      `${options.timeout} ms and was killed`
    );
  }
  return describeError(error);
}

function summary(
  report: PoolReport<Item> | undefined,
  haltText: string,
  halted: boolean,
  interrupted: string | undefined,
  leftover: LeftoverFile | undefined,
  options: RunOptions,
  restRead: boolean,
): string {
  const parts: string[] = [];
  if (report !== undefined) {
    parts.push(
      `${report.succeeded} succeeded, ${report.failed} failed, ${report.unfinished.length} unfinished, ` +
        `${report.unstarted.length} unstarted, ${report.retried} retried`,
    );
  }
  let how = 'done';
  if (interrupted !== undefined) how = `interrupted (${interrupted})`;
  else if (halted) how = `halted: ${haltText}`;
  if (leftover !== undefined) {
    parts.push(
      `${leftover.count} item(s) left over in ${options.leftover}` +
        (restRead ? '' : ' (the input was not read to its end)'),
    );
  }
  return `rxjs-pool: ${how}; ${parts.join('; ')}`;
}
