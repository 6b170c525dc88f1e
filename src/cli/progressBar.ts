import cliProgress from 'cli-progress';
import type { PoolProgress } from '../index.js';

/** What the run tells the progress display. */
export interface ProgressDisplay {
  update(progress: Readonly<PoolProgress>): void;
  stop(): void;
}

const SILENT: ProgressDisplay = { update: () => {}, stop: () => {} };

/**
 * A progress bar on standard error, drawn only when standard error is a terminal (and the user
 * did not pass `--no-progress`); otherwise a display that does nothing, so pipes and log files
 * never see it. The total is the number of items taken so far: the input is streamed, so the full
 * count is not known in advance.
 *
 * @param stream - where to draw, normally `process.stderr`.
 * @param enabled - false for `--no-progress`.
 * @returns the display.
 *
 * @example
 * ```ts
 * const display = progressBar(process.stderr, true);
 * poolFrom(items, work, { concurrency: 4, onProgress: (p) => display.update(p) });
 * // ... when the run is over:
 * display.stop();
 * ```
 */
export function progressBar(stream: NodeJS.WriteStream, enabled: boolean): ProgressDisplay {
  if (!enabled || stream.isTTY !== true) return SILENT;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        '{bar} {value}/{total} done | {active} running | {queued} queued | {failed} failed | {retried} retried',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(progress) {
      const done = progress.succeeded + progress.failed + progress.dropped;
      const payload = {
        active: progress.active,
        queued: progress.queued,
        failed: progress.failed,
        retried: progress.retried,
      };
      if (!started) {
        started = true;
        bar.start(Math.max(progress.accepted, 1), done, payload);
        return;
      }
      bar.setTotal(Math.max(progress.accepted, 1));
      bar.update(done, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
