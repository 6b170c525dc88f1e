// The seed question's asyncio program, ported line for line: a producer `put`s every request
// into a bounded queue that MAX_WORKERS consumers `get` from. When consumers die, the queue fills,
// `put` waits forever and the program never ends (asyncio's run_until_complete hangs; here the
// promise never settles). Workers are started like `ensure_future`: nobody reads their errors.
import { Queue } from '../lib/asyncio.mjs';

/** @type {import('./types.mjs').Contender} */
export default {
  label: 'asyncio original (JS port)',
  async run(requests, work, { concurrency: MAX_WORKERS, bufferSize: QUEUE_SIZE }) {
    // async def task_producer(requests):
    const requestQueue = new Queue(QUEUE_SIZE);
    const requestWorkers = [];
    for (let i = 0; i < MAX_WORKERS; i++) requestWorkers.push(requestConsumer(requestQueue, work));
    for (const req of requests) {
      await requestQueue.put(req); // COMMENT1: stuck here once the workers are dead
    }
    await requestQueue.put(null);
    await Promise.allSettled(requestWorkers); // await asyncio.wait(request_workers)
    return 0;
  },
};

// async def request_consumer(request_queue): sleep(0.5) then raise for the unhealthy requests
async function requestConsumer(requestQueue, work) {
  for (;;) {
    const requestInfo = await requestQueue.get();
    if (requestInfo === null) {
      await requestQueue.put(null);
      return;
    }
    await work(requestInfo);
  }
}
