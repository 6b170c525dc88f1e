import type { PoolProgress } from '../index.js';

/** What the run tells the progress display, and how it writes around it. */
export interface ProgressDisplay {
  /** Whether anything is drawn (a terminal, and no `--no-progress`). */
  readonly enabled: boolean;
  /** The pool's counters changed. */
  update(progress: Readonly<PoolProgress>): void;
  /** How many items the run will have in all, once known (`--input FILE`). */
  setTotal(total: number): void;
  /**
   * Writes output on the same terminal without garbling it: clears the bar, calls `write` (which
   * writes whole lines, to standard output or standard error), then draws the bar again below.
   */
  around(write: () => void): void;
  /** Clears the bar for good; later calls draw nothing. */
  stop(): void;
}

/** Terminal control: to the start of the line, and erase it. */
const CLEAR_LINE = '\r\x1b[2K';
/** Cells of the bar itself. */
const BAR_WIDTH = 20;
/** At most one redraw per this many milliseconds for counter changes (output redraws at once). */
const REDRAW_MS = 100;
/** The width assumed when the terminal does not say. */
const DEFAULT_COLUMNS = 80;

const SILENT: ProgressDisplay = {
  enabled: false,
  update: () => {},
  setTotal: () => {},
  around: (write) => write(),
  stop: () => {},
};

/**
 * The text of the progress line: with a known total, a bar and `done/total`; without one, only
 * the counts (a total of "items read so far" would always look nearly done). Pure.
 *
 * @param progress - the pool's counters.
 * @param total - how many items the run has in all, if known.
 * @returns the line, without any terminal control.
 *
 * @example
 * ```ts
 * progressLine({ accepted: 5, queued: 1, active: 1, succeeded: 2, failed: 1, retried: 0, dropped: 0 }, 10);
 * // '[██████░░░░░░░░░░░░░░] 3/10 done | 1 running | 1 queued | 1 failed | 0 retried'
 * progressLine({ accepted: 5, queued: 1, active: 1, succeeded: 2, failed: 1, retried: 0, dropped: 0 });
 * // '3 done | 1 running | 1 queued | 1 failed | 0 retried'
 * ```
 */
export function progressLine(progress: Readonly<PoolProgress>, total?: number): string {
  const done = progress.succeeded + progress.failed + progress.dropped;
  const counts =
    `${progress.active} running | ${progress.queued} queued | ` +
    `${progress.failed} failed | ${progress.retried} retried`;
  if (total === undefined) return `${done} done | ${counts}`;
  const filled =
    total <= 0 ? BAR_WIDTH : Math.min(BAR_WIDTH, Math.floor((done / total) * BAR_WIDTH));
  const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
  return `[${bar}] ${done}/${total} done | ${counts}`;
}

/**
 * A one-line progress display on standard error, drawn only when standard error is a terminal
 * (and the user did not pass `--no-progress`); otherwise a display that draws nothing and writes
 * straight through, so pipes and log files never see it.
 *
 * The bar always sits on the last line of the terminal: every result line and message goes
 * through {@link ProgressDisplay.around}, which erases the bar, writes the line, and draws the bar
 * again beneath it. The bar is cut to the terminal's width, so it never wraps (a wrapped line
 * could not be erased). Counter changes redraw at most every 100 ms, with a last redraw for the
 * final counts (its timer never holds the process open).
 *
 * @param stream - where to draw, normally `process.stderr`.
 * @param enabled - false for `--no-progress`.
 * @returns the display.
 *
 * @example
 * ```ts
 * const display = progressBar(process.stderr, true);
 * poolFrom(items, work, { concurrency: 4, onProgress: (p) => display.update(p) }).subscribe((r) =>
 *   display.around(() => process.stdout.write(`${r}\n`)),
 * );
 * // ... when the run is over:
 * display.stop();
 * ```
 */
export function progressBar(stream: NodeJS.WriteStream, enabled: boolean): ProgressDisplay {
  if (!enabled || stream.isTTY !== true) return SILENT;
  let latest: Readonly<PoolProgress> | undefined;
  let total: number | undefined;
  let drawn = false;
  let stopped = false;
  let lastDraw = -Infinity;
  let pending: ReturnType<typeof setTimeout> | undefined;

  const cancelPending = (): void => {
    if (pending !== undefined) clearTimeout(pending);
    pending = undefined;
  };
  const draw = (): void => {
    cancelPending();
    if (stopped || latest === undefined) return;
    const width = Math.max(1, (stream.columns || DEFAULT_COLUMNS) - 1);
    const text = Array.from(progressLine(latest, total)).slice(0, width).join('');
    stream.write(`${CLEAR_LINE}${text}`);
    drawn = true;
    lastDraw = performance.now();
  };
  const clear = (): void => {
    if (!drawn) return;
    stream.write(CLEAR_LINE);
    drawn = false;
  };
  const drawSoon = (): void => {
    if (stopped || pending !== undefined) return;
    const wait = lastDraw + REDRAW_MS - performance.now();
    if (wait <= 0) return draw();
    pending = setTimeout(draw, wait);
    pending.unref();
  };

  return {
    enabled: true,
    update(progress) {
      latest = { ...progress };
      drawSoon();
    },
    setTotal(count) {
      total = count;
      drawSoon();
    },
    around(write) {
      clear();
      write();
      if (latest !== undefined && !stopped) draw();
    },
    stop() {
      if (stopped) return;
      cancelPending();
      clear();
      stopped = true;
    },
  };
}
