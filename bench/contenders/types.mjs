// The contract every adapter in this folder follows. Types only (JSDoc); nothing runs here.

/**
 * A work function: takes an item (and, where the contender has one, the item's AbortSignal) and
 * returns a promise, or for the rxjs contenders any ObservableInput.
 *
 * @typedef {(item: any, signal?: any) => any} BenchWork
 */

/**
 * What a workload asks of a contender.
 *
 * @typedef {object} RunOptions
 * @property {number} concurrency - how many work calls may run at once.
 * @property {boolean} [signal] - hand each work call an AbortSignal, where the contender has one.
 * @property {number} [bufferSize] - how many items may wait for a worker (rxjs-pool, asyncio ports).
 * @property {(error: unknown) => void} [onError] - called at the point where the consumer first
 *   sees an error (the rxjs `error` callback, the `catch` of an `await`).
 * @property {(report: any) => void} [onFinalize] - rxjs-pool's `onFinalize`.
 * @property {(progress: any) => void} [onProgress] - rxjs-pool's `onProgress`.
 */

/**
 * One contender: a label and a `run` that pushes every item of `source` through `work` the way a
 * user of that library would, and resolves with how many results reached the consumer (or rejects
 * with the first error).
 *
 * @typedef {object} Contender
 * @property {string} label - how the tables name it.
 * @property {(source: Iterable<any>, work: BenchWork, options: RunOptions) => Promise<number>} run
 */

export {};
