/**
 * Waiting for the event loop without a clock: the specs never sleep for a time, they wait for the
 * work already queued to run.
 */

/**
 * Waits `hops` microtask hops (each one `await Promise.resolve()`): promise reactions queued up
 * to that depth run first; no timer, immediate or I/O callback does.
 */
export async function flushMicrotasks(hops: number): Promise<void> {
  for (let i = 0; i < hops; i++) await Promise.resolve();
}

/**
 * Waits `turns` turns of the event loop (each one a `setImmediate`): every pending promise
 * reaction, and every immediate or I/O callback queued before each turn, runs first.
 */
export async function eventLoopTurns(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}
