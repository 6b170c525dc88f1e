// W2: a generator of `n` items through a contender with work resolved on `setImmediate`; peak
// heap, peak RSS and how far the producer ran ahead of completed work. Runs with --expose-gc, alone
// in its process (a FLOOR run here would share the peak), so the FLOOR is a row of its own.
/* global setImmediate, setInterval, clearInterval, setTimeout, clearTimeout */
import { performance } from 'node:perf_hooks';

const MB = 1024 * 1024;

/**
 * @param {object} job
 * @param {string} job.contender - file name in bench/contenders, without `.mjs`.
 * @param {number} job.n - items.
 * @param {number} job.concurrency
 * @param {number} job.capMs - give up after this long and report what was seen so far.
 */
export async function measure(job) {
  const { n, concurrency } = job;
  const contender = (await import(`../contenders/${job.contender}.mjs`)).default;

  let produced = 0;
  let completed = 0;
  let ranAhead = 0;
  let peakHeap = 0;
  const sample = () => {
    const heap = process.memoryUsage().heapUsed;
    if (heap > peakHeap) peakHeap = heap;
  };
  function* source() {
    for (let i = 0; i < n; i++) {
      produced++;
      if (produced - completed > ranAhead) ranAhead = produced - completed;
      if ((i & 0x3fff) === 0) sample();
      yield i;
    }
  }
  // A native async function, so that async's mapLimit recognises it.
  const work = async (x) => {
    await new Promise((resolve) => setImmediate(resolve));
    completed++;
    return x;
  };

  globalThis.gc();
  const baseHeapMB = process.memoryUsage().heapUsed / MB;
  const sampler = setInterval(sample, 20);
  const started = performance.now();
  const report = (finished) => {
    sample();
    return {
      finished,
      ms: performance.now() - started,
      completed,
      baseHeapMB,
      peakHeapMB: peakHeap / MB,
      peakRssMB: (process.resourceUsage().maxRSS * 1024) / MB,
      ranAhead,
    };
  };
  const cap = setTimeout(() => {
    process.stdout.write(`RESULT ${JSON.stringify(report(false))}\n`);
    process.exit(0);
  }, job.capMs);
  const count = await contender.run(source(), work, { concurrency });
  if (count !== n) throw new Error(`expected ${n} results, got ${count}`);
  clearInterval(sampler);
  clearTimeout(cap);
  const result = report(true);
  globalThis.gc();
  // What the run left behind once it is over: anything the contender retains per item shows here.
  result.retainedMB = process.memoryUsage().heapUsed / MB - baseHeapMB;
  return result;
}
