// FLOOR: the simplest hand-written loop that keeps `concurrency` promises in flight, each worker
// pulling the next item from the same iterator. Nothing can push promise work through faster; every
// other contender is timed against it in the same process.
/* global AbortController */

/**
 * The plain loop: `concurrency` workers share one iterator.
 *
 * @param {Iterable<any>} source
 * @param {import('./types.mjs').BenchWork} work
 * @param {number} concurrency
 * @returns {Promise<number>}
 */
async function loop(source, work, concurrency) {
  const iterator = source[Symbol.iterator]();
  let count = 0;
  const worker = async () => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      await work(next.value);
      count++;
    }
  };
  const workers = [];
  for (let i = 0; i < concurrency; i++) workers.push(worker());
  await Promise.all(workers);
  return count;
}

/**
 * The same loop made careful, for the workloads that fail (W3, W4): each call gets an
 * AbortSignal; the first failure closes the iterator and aborts the calls in flight before it
 * rejects.
 *
 * @param {Iterable<any>} source
 * @param {import('./types.mjs').BenchWork} work
 * @param {number} concurrency
 * @returns {Promise<number>}
 */
async function abortableLoop(source, work, concurrency) {
  const iterator = source[Symbol.iterator]();
  const inFlight = new Set();
  let failed = false;
  let count = 0;
  const worker = async () => {
    while (!failed) {
      const next = iterator.next();
      if (next.done) return;
      const controller = new AbortController();
      inFlight.add(controller);
      try {
        await work(next.value, controller.signal);
        count++;
      } catch (error) {
        if (!failed) {
          failed = true;
          iterator.return?.();
          for (const other of inFlight) if (other !== controller) other.abort();
        }
        throw error;
      } finally {
        inFlight.delete(controller);
      }
    }
  };
  const workers = [];
  for (let i = 0; i < concurrency; i++) workers.push(worker());
  await Promise.all(workers);
  return count;
}

/** @type {import('./types.mjs').Contender} */
export default {
  label: 'FLOOR (hand-written loop)',
  async run(source, work, { concurrency, signal, onError }) {
    if (!signal) return loop(source, work, concurrency);
    try {
      return await abortableLoop(source, work, concurrency);
    } catch (error) {
      onError?.(error);
      throw error;
    }
  },
};
