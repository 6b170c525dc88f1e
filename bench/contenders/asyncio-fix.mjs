// The seed question's accepted answer, ported line for line: `asyncio.wait(consumers,
// return_when=FIRST_EXCEPTION)`, then cancel what is pending. It halts, but `main` just returns
// None: nothing says which requests were never done.
import { createTask, FIRST_EXCEPTION, Queue, wait } from '../lib/asyncio.mjs';

/** @type {import('./types.mjs').Contender} */
export default {
  label: 'asyncio accepted fix (JS port)',
  async run(requests, work, { concurrency: MAX_WORKERS, bufferSize: QUEUE_SIZE }) {
    // asyncio.run(main()): when main returns, the tasks still pending (the producer) are cancelled.
    const leftovers = [];
    const result = await main(requests, work, MAX_WORKERS, QUEUE_SIZE, leftovers);
    for (const task of leftovers) task.cancel();
    await wait(leftovers);
    return result; // None (undefined) after an exception
  },
};

async function taskProducer(requestQueue, requests, MAX_WORKERS, signal) {
  for (const req of requests) await requestQueue.put(req, signal);
  for (let i = 0; i < MAX_WORKERS; i++) await requestQueue.put(null, signal); // tell tasks to end
}

async function requestConsumer(requestQueue, work, signal) {
  for (;;) {
    const requestInfo = await requestQueue.get(signal);
    if (requestInfo === null) return;
    await work(requestInfo, signal); // asyncio.sleep(0.5), then raise for the unhealthy ones
  }
}

async function main(requests, work, MAX_WORKERS, QUEUE_SIZE, leftovers) {
  const requestQueue = new Queue(QUEUE_SIZE);
  const tasks = [];
  for (let i = 0; i < MAX_WORKERS; i++) {
    tasks.push(createTask((signal) => requestConsumer(requestQueue, work, signal)));
  }
  const producerTask = createTask((signal) =>
    taskProducer(requestQueue, requests, MAX_WORKERS, signal),
  );
  leftovers.push(producerTask);
  const { done, pending } = await wait(tasks, FIRST_EXCEPTION);
  let hadException = false;
  for (const task of done) if (task.exception !== undefined) hadException = true;
  if (pending.length > 0) {
    for (const task of pending) task.cancel();
    await wait(pending);
  }
  if (!hadException) return requests.length; // get_parser_results()
  return undefined;
}
