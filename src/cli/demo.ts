import { defer, map, tap, timer } from 'rxjs';
import { poolFrom, type PoolReport } from '../index.js';
import { describeError, formatReport } from './reportText.js';
import { MARKS, renderTimeline, type Span } from './timeline.js';

/** The knobs of the seed scenario (`rxjs-pool demo`). */
export interface DemoOptions {
  /** How many requests the producer has (`REQUESTS`). Default 30. */
  readonly requests: number;
  /** Requests above this number fail (`HEALTHY_REQUESTS`). Default 10. */
  readonly healthy: number;
  /** How many taken requests may wait for a worker (`QUEUE_SIZE`). Default 19. */
  readonly bufferSize: number;
  /** How many workers (`MAX_WORKERS`). Default 3. */
  readonly concurrency: number;
  /** Milliseconds of work per request (the seed's `asyncio.sleep(0.5)`). Default 500. */
  readonly delay: number;
}

/** The seed scenario's numbers. */
export const DEMO_DEFAULTS: DemoOptions = {
  requests: 30,
  healthy: 10,
  bufferSize: 19,
  concurrency: 3,
  delay: 500,
};

/** Hands out the lowest free worker slot, so that the timeline can draw one lane per slot. */
class Lanes {
  private readonly busy: boolean[] = [];

  take(): number {
    let lane = this.busy.indexOf(false);
    if (lane === -1) lane = this.busy.length;
    this.busy[lane] = true;
    return lane;
  }

  free(lane: number): void {
    this.busy[lane] = false;
  }

  get count(): number {
    return this.busy.length;
  }
}

/**
 * Runs the seed scenario of this project (an asyncio producer, a queue of 19, 3 workers, requests
 * above 10 failing after 500 ms) through `poolFrom`, and writes what happened: each start, finish,
 * failure and abort with its time; a timeline of the run (one lane per worker slot, one column per
 * step of `delay` ms); and the pool's report.
 *
 * Time steps are counted, not measured: every request takes exactly one step, so an item started
 * when another finished belongs to the step in which that one finished. The timeline is therefore
 * the same on every run, however busy the machine; the times printed beside the events are the
 * measured ones.
 *
 * @param options - the scenario's numbers.
 * @param write - where each line of output goes.
 * @returns the exit code: 1 when the pool halted, else 0.
 *
 * @example
 * ```ts
 * import { runDemo, DEMO_DEFAULTS } from './demo.js';
 *
 * const code = await runDemo({ ...DEMO_DEFAULTS, delay: 50 }, (line) => console.log(line));
 * process.exitCode = code; // 1: request 11 failed and the pool halted
 * ```
 */
export async function runDemo(
  options: DemoOptions,
  write: (line: string) => void,
): Promise<number> {
  const { requests, healthy, bufferSize, concurrency, delay } = options;
  const lanes = new Lanes();
  const spans: Span[] = [];
  const queue: number[] = [];
  let step = 0;
  let haltStep: number | undefined;
  let report: PoolReport<number> | undefined;
  const started = performance.now();

  const log = (event: string, request: number, lane: number, detail = ''): void => {
    const ms = Math.round(performance.now() - started);
    write(
      `${String(ms).padStart(7)} ms  step ${String(step).padStart(2)}  ${event.padEnd(8)} ` +
        `request ${String(request).padEnd(3)} worker ${lane + 1}${detail}`,
    );
  };

  write(
    `rxjs-pool demo: ${requests} requests, requests above ${healthy} fail, bufferSize ${bufferSize}, ` +
      `concurrency ${concurrency}, ${delay} ms of work each`,
  );
  write('');

  const work = (request: number) =>
    defer(() => {
      const lane = lanes.take();
      const start = step;
      let ended = false;
      const end = (outcome: Span['outcome']): void => {
        ended = true;
        lanes.free(lane);
        spans.push({ lane, label: String(request), start, end: step, outcome });
      };
      log('start', request, lane);
      return timer(delay).pipe(
        map(() => {
          step = start + 1;
          if (request > healthy) {
            throw new Error(`Breaking thing in make requests with request=${request}`);
          }
          return request;
        }),
        tap({
          next: () => {
            end('succeeded');
            log('finish', request, lane);
          },
          error: (error: unknown) => {
            end('failed');
            haltStep = step;
            log('fail', request, lane, `: ${describeError(error)}`);
          },
          unsubscribe: () => {
            if (ended) return;
            end('aborted');
            log('abort', request, lane, ' (the pool halted while it ran)');
          },
        }),
      );
    });

  const requestList = Array.from({ length: requests }, (_, i) => i);
  let error: unknown;
  let failed = false;
  await new Promise<void>((resolve) => {
    poolFrom(requestList, work, {
      concurrency,
      bufferSize,
      onProgress: (progress) => {
        if (haltStep === undefined) queue[step] = progress.queued;
      },
      onFinalize: (finalReport) => {
        report = finalReport;
      },
    }).subscribe({
      error: (thrown: unknown) => {
        failed = true;
        error = thrown;
        resolve();
      },
      complete: resolve,
    });
  });

  write('');
  write(
    `timeline: one column per ${delay} ms step; ${MARKS.running} running, ${MARKS.failed} failed, ` +
      `${MARKS.aborted} aborted by the halt, ${MARKS.halt} the halt; queue: requests waiting`,
  );
  const lines = renderTimeline({
    lanes: lanes.count,
    spans,
    queue,
    ...(haltStep === undefined ? {} : { haltStep }),
    stepLabel: (at) => `${at * delay}ms`,
  });
  for (const line of lines) write(line);
  write('');
  write('report');
  for (const line of formatReport(report!)) write(`  ${line}`);
  write('');
  if (failed) {
    write(
      `The pool halted at the first failure (${describeError(error)}); ` +
        'every request it took is accounted for above. Exit code 1.',
    );
    return 1;
  }
  write('Every request succeeded. Exit code 0.');
  return 0;
}
