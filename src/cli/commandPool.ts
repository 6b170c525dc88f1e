import type { Observable } from 'rxjs';
import { defer, map, TimeoutError } from 'rxjs';
import {
  poolFrom,
  type PoolOutcome,
  type PoolReport,
  type PoolSourceInput,
  type WorkContext,
} from '../index.js';
import { CommandFailedError, runChild, type ChildOutput } from './child.js';
import { commandFor } from './commandLine.js';
import { InputOrderLedger } from './leftover.js';
import type { RunOptions } from './program.js';
import type { ProgressDisplay } from './progressBar.js';
import { describeError } from './reportText.js';
import { resultLine, type ResultRecord } from './resultLine.js';
import { UsageError } from './usageError.js';

/** The exit codes of `rxjs-pool run` (with or without `--redis`). */
export const EXIT = {
  /** Every item succeeded. */
  ok: 0,
  /** An item failed: the pool halted, or failures were tolerated. */
  failed: 1,
  /** Bad usage, or Redis cannot be reached; nothing ran. */
  usage: 2,
  /** Stopped by SIGINT, SIGTERM or SIGHUP. */
  interrupted: 130,
} as const;

/** One item the pool takes: a line to run the command for. */
export interface CommandItem {
  /** The line (`{}` in the command). */
  readonly line: string;
  /** Its position among the items this run took, from 0. */
  readonly index: number;
  /** The Redis stream entry's id, for `run --redis`. */
  readonly id?: string;
  /** Why the item cannot be run at all (it then fails without running anything). */
  readonly problem?: string;
  /** When its first attempt started. */
  startedAt?: number;
  /** What the command wrote, once it succeeded. */
  output?: ChildOutput;
}

/** The options of `run` that shape the pool and the commands. */
export type PoolSettings = Pick<
  RunOptions,
  'concurrency' | 'bufferSize' | 'tolerate' | 'halt' | 'retry' | 'timeout' | 'ordered' | 'shell'
>;

/** What a command pool is wired to. */
export interface CommandPoolIO<I extends CommandItem> {
  readonly display: ProgressDisplay;
  /** Writes one result line (guarded by the caller: nothing once the reader went away). */
  readonly writeResult: (line: string) => void;
  /** Every item's outcome, as the pool's `onSettle` tells it, before its result line is written. */
  readonly onSettle?: (item: I, outcome: PoolOutcome, error?: unknown) => void;
  /** A graceful stop: no new command starts, running ones finish. */
  readonly stop: Observable<void>;
  /** An abort: running commands are killed. */
  readonly signal: AbortSignal;
}

/** How a run of the pool ended. */
export interface CommandPoolEnd<I extends CommandItem> {
  readonly report: PoolReport<I> | undefined;
  /** The pool ended with an error (a failure past `--tolerate`, a broker's error, an abort). */
  readonly halted: boolean;
  /** The halt's cause as the summary tells it (a failed item is told as its result line). */
  readonly haltText: string;
}

/** A pool that runs a command per item; see {@link commandPool}. */
export interface CommandPool<I extends CommandItem> {
  /** A source calls it just before it offers `item` to the pool. */
  offered(item: I): void;
  /** A source calls it when the pool refused the item just offered (it let go of the source). */
  refused(item: I): void;
  /**
   * Creates the pool over `source` (nothing runs yet).
   *
   * @returns a function that runs it to its end.
   * @throws {@link UsageError} when the pool or the source refuse the options.
   */
  open(source: PoolSourceInput<I>): () => Promise<CommandPoolEnd<I>>;
}

/**
 * The pool of `rxjs-pool run`, whatever the items come from (input lines, a Redis stream): it runs
 * the command once per item through `poolFrom` and writes one JSON line per item that succeeded or
 * failed. The lines, `--ordered`'s order and the caller's `onSettle` (for `--leftover`) all come
 * from the pool's own per-item `onSettle` event, so they can never disagree with its report.
 *
 * @param settings - the pool's options and `--shell`.
 * @param command - the command and its arguments (`{}` is the item's line).
 * @param io - the display, the result writer, the stop and the abort.
 * @returns the pool, to open over a source.
 *
 * @example
 * ```ts
 * const pool = commandPool(settings, ['echo', '{}'], io);
 * const lines = lineSource(reader, { toItem: (line, index) => ({ line, index }), onOffer: pool.offered, onRefuse: pool.refused });
 * const { report, halted } = await pool.open(lines.input)();
 * ```
 */
export function commandPool<I extends CommandItem>(
  settings: PoolSettings,
  command: readonly string[],
  io: CommandPoolIO<I>,
): CommandPool<I> {
  /** What the `--ordered` ledger keeps for an item until its turn. */
  interface Pending {
    record?: ResultRecord;
  }
  const orderedOutput = settings.ordered
    ? new InputOrderLedger<Pending>((pending) => {
        if (pending.record !== undefined) io.writeResult(resultLine(pending.record));
      })
    : undefined;
  const pendingOutput = new Map<number, Pending>();
  /** The last failure and how it is told: a halt's summary names it the same way. */
  let lastFailure: { error: unknown; text: string } | undefined;
  let report: PoolReport<I> | undefined;

  const recordOf = (item: I, outcome: PoolOutcome, error: unknown): ResultRecord | undefined => {
    const where = {
      item: item.line,
      index: item.index,
      ...(item.id === undefined ? {} : { id: item.id }),
    };
    if (outcome === 'succeeded') {
      return {
        ...where,
        exitCode: item.output?.exitCode ?? 0,
        stdout: item.output?.stdout ?? '',
        ms: elapsed(item),
      };
    }
    if (outcome !== 'failed') return undefined;
    lastFailure = { error, text: describeFailure(error, item, settings) };
    return {
      ...where,
      exitCode: error instanceof CommandFailedError ? error.exitCode : null,
      error: error instanceof CommandFailedError ? error.message : lastFailure.text,
      ms: elapsed(item),
    };
  };

  const onSettle = (item: I, outcome: PoolOutcome, error?: unknown): void => {
    io.onSettle?.(item, outcome, error);
    const record = recordOf(item, outcome, error);
    if (orderedOutput === undefined) {
      if (record !== undefined) io.writeResult(resultLine(record));
      return;
    }
    const pending = pendingOutput.get(item.index);
    pendingOutput.delete(item.index);
    if (pending === undefined) return;
    pending.record = record;
    orderedOutput.settle(item.index, outcome);
  };

  const work = (item: I, context: WorkContext) =>
    defer(() => {
      item.startedAt ??= performance.now();
      if (item.problem !== undefined) throw new Error(item.problem);
      return runChild(commandFor(command, item.line, settings.shell), context.signal);
    }).pipe(
      map((output: ChildOutput) => {
        item.output = output;
        return item;
      }),
    );

  return {
    offered(item) {
      if (orderedOutput === undefined) return;
      const pending: Pending = {};
      pendingOutput.set(item.index, pending);
      orderedOutput.take(item.index, pending);
    },
    refused(item) {
      pendingOutput.delete(item.index);
      orderedOutput?.withdraw(item.index);
    },
    open(source) {
      let results: Observable<I>;
      try {
        results = poolFrom(source, work, {
          concurrency: settings.concurrency,
          bufferSize: settings.bufferSize,
          tolerate: settings.tolerate,
          halt: settings.halt,
          retry: settings.retry,
          ...(settings.timeout === undefined ? {} : { timeout: settings.timeout }),
          ordered: settings.ordered,
          stop: io.stop,
          signal: io.signal,
          onProgress: (progress) => io.display.update(progress),
          onSettle,
          onFinalize: (finalReport) => {
            report = finalReport;
          },
        });
      } catch (error) {
        if (error instanceof TypeError || error instanceof RangeError) {
          throw new UsageError(error.message);
        }
        throw error;
      }
      return async () => {
        let poolError: unknown;
        let halted = false;
        await new Promise<void>((resolve) => {
          results.subscribe({
            error: (error: unknown) => {
              halted = true;
              poolError = error;
              resolve();
            },
            complete: resolve,
          });
        });
        io.display.stop();
        orderedOutput?.end();
        const failure = lastFailure as { error: unknown; text: string } | undefined;
        const haltText =
          failure !== undefined && failure.error === poolError
            ? failure.text
            : describeError(poolError);
        return { report, halted, haltText };
      };
    },
  };
}

function elapsed(item: CommandItem): number {
  return Math.round(performance.now() - (item.startedAt ?? performance.now()));
}

/**
 * How a failed item is told, in its JSON line and in a halt's summary: a timeout names the item
 * and the limit (RxJS's own message is only "Timeout has occurred").
 */
function describeFailure(error: unknown, item: CommandItem, settings: PoolSettings): string {
  if (error instanceof TimeoutError) {
    return (
      `TimeoutError: item ${JSON.stringify(item.line)} ran longer than --timeout ` +
      `${settings.timeout} ms and was killed`
    );
  }
  return describeError(error);
}

/**
 * The summary's first part: what became of the items, then how the run ended.
 *
 * @param end - how the pool ended.
 * @param interrupted - the signal that stopped it, if any.
 * @param extra - more parts (the leftover file, dead letters).
 * @returns the line, e.g. `rxjs-pool: done; 3 succeeded, 0 failed, 0 unfinished, 0 unstarted, 0 retried`.
 */
export function summaryLine(
  end: CommandPoolEnd<CommandItem>,
  interrupted: string | undefined,
  extra: readonly string[],
): string {
  const { report } = end;
  const parts: string[] = [];
  if (report !== undefined) {
    parts.push(
      `${report.succeeded} succeeded, ${report.failed} failed, ${report.unfinished.length} unfinished, ` +
        `${report.unstarted.length} unstarted, ${report.retried} retried`,
    );
  }
  let how = 'done';
  if (interrupted !== undefined) how = `interrupted (${interrupted})`;
  else if (end.halted) how = `halted: ${end.haltText}`;
  return `rxjs-pool: ${how}; ${[...parts, ...extra].join('; ')}`;
}

/** The exit code of a run that ended so: see {@link EXIT}. */
export function exitCodeOf(
  end: CommandPoolEnd<CommandItem>,
  interrupted: string | undefined,
): number {
  if (interrupted !== undefined) return EXIT.interrupted;
  if (end.halted || (end.report?.failed ?? 0) > 0) return EXIT.failed;
  return EXIT.ok;
}
