import { reportLost } from '../internal/reportLost.js';

/**
 * The hook an iterator may implement to learn why the pool released it early. Before the pool
 * calls `return()` on an iterator it has not finished (a halt, a stop, an unsubscribe), it calls
 * `iterator[haltCause](error)`, with the pool's error when it halted with one, else `undefined`.
 * `Symbol.for`, so that the ESM and CommonJS builds of this package agree on it.
 *
 * @internal
 */
export const haltCause: unique symbol = Symbol.for('rxjs-pool.haltCause') as never;

/** An iterator that may implement the {@link haltCause} hook. @internal */
export type ReleasableIterator = { [haltCause]?: (error: unknown) => void } & {
  return?: (value?: unknown) => unknown;
};

/**
 * Lets go of an unfinished iterator: the {@link haltCause} hook, then `return()`, so a generator's
 * `finally` runs. A throw, or a rejection of an async `return()`, is reported as lost: the pool is
 * already ending and has nobody to hand it to.
 *
 * @internal
 */
export function releaseIterator(iterator: ReleasableIterator, reason: unknown): void {
  try {
    iterator[haltCause]?.(reason);
    const returned = iterator.return?.();
    // An async iterator's return() settles later; its rejection must not go unhandled.
    if (returned !== null && typeof returned === 'object' && 'then' in returned) {
      (returned as PromiseLike<unknown>).then(undefined, reportLost);
    }
  } catch (thrown) {
    reportLost(thrown);
  }
}

/** The TypeError for an iterator's answer that is not an object (as `for...of` throws), if it is not. @internal */
export function notAnIteratorResult(result: unknown): TypeError | undefined {
  if (typeof result === 'object' && result !== null) return undefined;
  return new TypeError(`Iterator result ${String(result)} is not an object`);
}
