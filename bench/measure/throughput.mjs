// W1, W1-rx and W1-push: time `n` items through a contender and through the FLOOR, in this one
// process, with tinybench: `warmup` unmeasured rounds, then `iterations` measured rounds.
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
 * @param {number} [job.bufferSize] - pass this `bufferSize` (rxjs-pool: the queue path).
 * @param {number} job.iterations - measured rounds (each times the FLOOR and the contender once).
 * @param {number} job.warmup - unmeasured rounds before them.
 * @returns {Promise<{ floorMs: number; ms: number; ratio: number }>} medians over the rounds: the
 *   FLOOR's time, the contender's time (ms), and the contender/FLOOR ratio of each round.
 */
export async function measure(job) {
  const { n, concurrency } = job;
  const contender = (await import(`../contenders/${job.contender}.mjs`)).default;
  const { work, signal } = works[job.work];
  const options = { concurrency, signal };
  if (job.onProgress) options.onProgress = () => {};
  if (job.bufferSize !== undefined) options.bufferSize = job.bufferSize;
  const array = job.source === 'array' ? Array.from({ length: n }, (_, i) => i) : undefined;
  const source = () => array ?? range(n);

  const expectAll = async (count) => {
    if ((await count) !== n) throw new Error(`expected ${n} results`);
  };
  const tasks = {
    FLOOR: () => expectAll(floor.run(source(), echo, { concurrency })),
    contender: () => expectAll(contender.run(source(), work, options)),
  };
  // One round times each task once, with tinybench, the two back to back so that a change in the
  // machine's load hits both alike; the order alternates between rounds. No forced GC between
  // them: the heap (and its young generation) stays as a running application would have it.
  const round = async (index, names) => {
    const bench = new Bench({ time: 0, iterations: 1, warmup: false, throws: true });
    const ordered = index % 2 === 0 ? names : [...names].reverse();
    for (const name of ordered) bench.add(name, tasks[name], { async: true });
    await bench.run();
    return Object.fromEntries(bench.tasks.map((task) => [task.name, latency(task)]));
  };
  for (let i = 0; i < job.warmup; i++) await round(i, ['FLOOR', 'contender']);
  const floorMs = [];
  const ms = [];
  const ratios = [];
  for (let i = 0; i < job.iterations; i++) {
    const timed = await round(i, ['FLOOR', 'contender']);
    floorMs.push(timed.FLOOR);
    ms.push(timed.contender);
    ratios.push(timed.contender / timed.FLOOR);
  }
  return { floorMs: median(floorMs), ms: median(ms), ratio: median(ratios) };
}

function latency(task) {
  if (task.result.state !== 'completed') throw new Error(`${task.name}: ${task.result.state}`);
  return task.result.latency.p50;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
