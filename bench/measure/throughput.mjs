// W1, W1-rx and W1-push: time `n` items through a contender and through the FLOOR, in this one
// process, with tinybench (fixed iterations, median of the samples).
import { of } from 'rxjs';
import { Bench } from 'tinybench';
import floor from '../contenders/floor.mjs';
import { echo, echoCheckingSignal, range } from '../lib/works.mjs';

const works = {
  promise: { work: echo, signal: false },
  signal: { work: echoCheckingSignal, signal: true },
  of: { work: (x) => of(x), signal: false },
};

/**
 * @param {object} job
 * @param {string} job.contender - file name in bench/contenders, without `.mjs`.
 * @param {number} job.n - items.
 * @param {number} job.concurrency
 * @param {'generator' | 'array'} job.source
 * @param {'promise' | 'signal' | 'of'} job.work
 * @param {boolean} [job.onProgress] - pass a no-op `onProgress` (rxjs-pool).
 * @param {number} job.iterations - measured iterations of each task.
 * @param {number} job.warmup - unmeasured iterations before them.
 * @returns {Promise<{ floorMs: number; ms: number }>} medians, in milliseconds.
 */
export async function measure(job) {
  const { n, concurrency } = job;
  const contender = (await import(`../contenders/${job.contender}.mjs`)).default;
  const { work, signal } = works[job.work];
  const options = { concurrency, signal };
  if (job.onProgress) options.onProgress = () => {};
  const array = job.source === 'array' ? Array.from({ length: n }, (_, i) => i) : undefined;
  const source = () => array ?? range(n);

  const expectAll = async (count) => {
    if ((await count) !== n) throw new Error(`expected ${n} results`);
  };
  const bench = new Bench({
    time: 0,
    iterations: job.iterations,
    warmup: job.warmup > 0,
    warmupTime: 0,
    warmupIterations: job.warmup,
    throws: true,
  });
  // A full collection before each task's phase (the child runs with --expose-gc), so that one
  // task's garbage is not collected on the other's clock.
  const taskOptions = { async: true, beforeAll: () => globalThis.gc?.() };
  bench.add('FLOOR', () => expectAll(floor.run(source(), echo, { concurrency })), taskOptions);
  bench.add('contender', () => expectAll(contender.run(source(), work, options)), taskOptions);
  await bench.run();
  const [floorTask, contenderTask] = bench.tasks;
  return { floorMs: median(floorTask), ms: median(contenderTask) };
}

function median(task) {
  if (task.result.state !== 'completed') throw new Error(`${task.name}: ${task.result.state}`);
  return task.result.latency.p50;
}
