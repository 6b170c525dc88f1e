import { Subject } from 'rxjs';
import { onInterrupts } from './interrupts.js';
import type { ProgressDisplay } from './progressBar.js';

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

/** What {@link runControls} needs of the command's output. */
export interface ControlledIO {
  /** Writes one result line (a line ending is added). */
  readonly writeResult: (line: string) => void;
  /**
   * Registers a listener for the results' reader going away (EPIPE, as with `| head`); returns
   * what removes it.
   */
  readonly onOutputGone?: (listener: (error: unknown) => void) => () => void;
}

/** How a run's controls react to an interrupt. */
export interface RunControlsOptions {
  /** The message of the first interrupt, after `rxjs-pool: SIGNAL: `. */
  readonly stopping: string;
  /**
   * Called first on every interrupt: `true` when it dealt with it itself (the run is past its
   * pool, say), and the pool is then neither stopped nor aborted by it.
   */
  readonly intercept?: ((signal: NodeJS.Signals) => boolean) | undefined;
}

/** The stop, the abort and the output of one CLI run over a command pool. */
export interface RunControls {
  /** The pool's `stop`: emits on the first interrupt (running commands finish). */
  readonly stop: Subject<void>;
  /** The pool's `signal`: aborted by a second interrupt, or when the output goes away. */
  readonly signal: AbortSignal;
  /** The signal that interrupted the run, if one did. */
  readonly interrupted: NodeJS.Signals | undefined;
  /** Writes a result line, around the progress display; nothing once the output has gone. */
  writeResult(line: string): void;
  /** Stops listening for interrupts and for the output going away. */
  dispose(): void;
}

/**
 * The controls every CLI run over a command pool shares: the first SIGINT, SIGTERM or SIGHUP
 * stops the pool gracefully (its `stop`: running commands finish), every later SIGINT or SIGTERM
 * aborts it (its `signal`, with an {@link InterruptedError}: running commands are killed; a later
 * SIGHUP is an echo of the first, see `onInterrupts`), and a reader of the results that goes away
 * (EPIPE, or EIO from a terminal that closed) aborts it too, after which no result is written. So
 * a hangup stops gracefully only while the results go elsewhere (a file, a pipe): with the
 * results on the terminal that closed, the first result that cannot be written aborts the run.
 * Each interrupt is said on the message stream first.
 *
 * @param io - where results go, and how the CLI hears that their reader went away.
 * @param display - the progress display that results are written around.
 * @param say - writes a message for the user.
 * @param options - the first interrupt's message, and an interrupt handled elsewhere.
 * @returns the stop, the signal and the result writer to give the pool; `dispose()` once it ended
 *   (it removes the listeners, interrupts and output alike).
 *
 * @example
 * ```ts
 * const controls = runControls(io, display, say, { stopping: 'stopping; running commands may finish' });
 * const pool = commandPool(options, command, { display, writeResult: (line) => controls.writeResult(line), stop: controls.stop, signal: controls.signal });
 * try {
 *   const end = await pool.open(items)();
 *   return exitCodeOf(end, controls.interrupted);
 * } finally {
 *   controls.dispose();
 * }
 * ```
 */
export function runControls(
  io: ControlledIO,
  display: ProgressDisplay,
  say: (line: string) => void,
  options: RunControlsOptions,
): RunControls {
  const stop = new Subject<void>();
  const abort = new AbortController();
  let interrupted: NodeJS.Signals | undefined;
  let outputGone = false;
  const stopListening = onInterrupts(
    (signal) => {
      interrupted = signal;
      if (options.intercept?.(signal) === true) return;
      // A second SIGHUP kills nothing (it is an echo): say what does.
      const toKill = signal === 'SIGHUP' ? 'SIGINT or SIGTERM to kill them' : 'again to kill them';
      say(`rxjs-pool: ${signal}: ${options.stopping} (${toKill})`);
      stop.next();
    },
    (signal) => {
      if (options.intercept?.(signal) === true) return;
      const again = signal === interrupted ? ' again' : '';
      say(`rxjs-pool: ${signal}${again}: killing running commands`);
      abort.abort(new InterruptedError(signal));
    },
  );
  const stopWatchingOutput = io.onOutputGone?.((error) => {
    outputGone = true;
    abort.abort(error);
  });
  return {
    stop,
    signal: abort.signal,
    get interrupted() {
      return interrupted;
    },
    writeResult: (line) => {
      if (!outputGone) display.around(() => io.writeResult(line));
    },
    dispose: () => {
      stopListening();
      stopWatchingOutput?.();
    },
  };
}
