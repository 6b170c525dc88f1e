// Just enough of Python's asyncio to port the seed question's programs line for line: a bounded
// `Queue` whose `put` waits while it is full, tasks that can be cancelled at their next `await`
// (an AbortSignal per task), and `wait(tasks, FIRST_EXCEPTION)`.
/* global AbortController */

/** What a cancelled task's `await` throws, as asyncio's `CancelledError`. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

/** `asyncio.Queue(maxsize)`: FIFO; `put` waits while full, `get` waits while empty. */
export class Queue {
  /** @param {number} maxsize - 0 means unbounded, as in asyncio. */
  constructor(maxsize = 0) {
    this.maxsize = maxsize;
    this.items = [];
    this.getters = [];
    this.putters = [];
  }

  /** @returns {number} how many items wait in the queue. */
  qsize() {
    return this.items.length;
  }

  /** @returns {boolean} whether a `put` would wait. */
  full() {
    return this.maxsize > 0 && this.items.length >= this.maxsize;
  }

  /**
   * `await queue.put(item)`.
   *
   * @param {unknown} item
   * @param {AbortSignal} [signal] - the calling task's cancellation.
   */
  async put(item, signal) {
    while (this.full()) await waitFor(this.putters, signal);
    this.items.push(item);
    this.getters.shift()?.();
  }

  /**
   * `await queue.get()`.
   *
   * @param {AbortSignal} [signal] - the calling task's cancellation.
   * @returns {Promise<any>}
   */
  async get(signal) {
    while (this.items.length === 0) await waitFor(this.getters, signal);
    const item = this.items.shift();
    this.putters.shift()?.();
    return item;
  }
}

function waitFor(waiters, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const wake = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = () => {
      const at = waiters.indexOf(wake);
      if (at >= 0) waiters.splice(at, 1);
      reject(signal.reason);
    };
    waiters.push(wake);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `asyncio.create_task(coroutine)`: starts `coroutine(signal)` and records how it ended.
 * `task.cancel()` aborts the signal with a {@link CancelledError}.
 *
 * @param {(signal: AbortSignal) => Promise<unknown>} coroutine
 */
export function createTask(coroutine) {
  const controller = new AbortController();
  const task = {
    done: false,
    cancelled: false,
    exception: undefined,
    result: undefined,
    cancel() {
      if (!task.done) controller.abort(new CancelledError());
    },
    promise: undefined,
  };
  task.promise = coroutine(controller.signal).then(
    (result) => {
      task.done = true;
      task.result = result;
    },
    (error) => {
      task.done = true;
      if (error instanceof CancelledError) task.cancelled = true;
      else task.exception = error;
    },
  );
  return task;
}

/** `asyncio.FIRST_EXCEPTION`. */
export const FIRST_EXCEPTION = 'FIRST_EXCEPTION';
/** `asyncio.ALL_COMPLETED`. */
export const ALL_COMPLETED = 'ALL_COMPLETED';

/**
 * `done, pending = await asyncio.wait(tasks, return_when=...)`.
 *
 * @param {ReturnType<typeof createTask>[]} tasks
 * @param {string} [returnWhen]
 * @returns {Promise<{ done: any[]; pending: any[] }>}
 */
export function wait(tasks, returnWhen = ALL_COMPLETED) {
  return new Promise((resolve) => {
    const check = () => {
      const done = tasks.filter((task) => task.done);
      const pending = tasks.filter((task) => !task.done);
      const failed = done.some((task) => task.exception !== undefined);
      if (pending.length === 0 || (returnWhen === FIRST_EXCEPTION && failed)) {
        resolve({ done, pending });
      }
    };
    check();
    for (const task of tasks) task.promise.then(check);
  });
}
