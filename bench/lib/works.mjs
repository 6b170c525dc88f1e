// Sources and work functions shared by the workloads.
/* global AbortSignal, setTimeout, clearTimeout */

/**
 * A generator of the integers `0 .. n - 1`: the pull source of W1, W2 and W3.
 *
 * @param {number} n - how many items.
 * @returns {Generator<number, void, undefined>}
 */
export function* range(n) {
  for (let i = 0; i < n; i++) yield i;
}

/**
 * W1's promise work: `async x => x`, the cheapest work that still makes a promise per item.
 *
 * @param {number} x - the item.
 * @returns {Promise<number>}
 */
export const echo = async (x) => x;

/**
 * W1's work that reads its signal, as careful user code does before starting anything.
 *
 * @param {number} x - the item.
 * @param {AbortSignal} signal - the item's signal.
 * @returns {Promise<number>}
 */
export const echoCheckingSignal = async (x, signal) => {
  signal.throwIfAborted();
  return x;
};

/**
 * The signal among a work function's extra arguments, if the contender passed one. p-map and
 * mergeMap pass the index there, Readable.map passes `{ signal }`, the rxjs-pool adapters and the
 * FLOOR pass the signal itself.
 *
 * @param {unknown} arg - the second argument a work function received.
 * @returns {AbortSignal | undefined}
 */
export function signalOf(arg) {
  return arg instanceof AbortSignal ? arg : undefined;
}

/**
 * A promise that resolves after `ms` milliseconds, or rejects with the signal's reason as soon as
 * the signal aborts (clearing its timer, so an aborted sleep keeps nothing alive).
 *
 * @param {number} ms - milliseconds.
 * @param {AbortSignal | undefined} signal - honoured when given.
 * @param {() => void} [onTimer] - called when the timer fires (not when aborted).
 * @returns {Promise<void>}
 */
export function sleep(ms, signal, onTimer) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      onTimer?.();
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
