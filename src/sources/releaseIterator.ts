import { reportLost } from '../internal/reportLost.js';

/**
 * Lets go of an unfinished iterator: `onRelease` hears the pool's reason, then `return()` is
 * called, so a generator's `finally` runs. A throw, or a rejection of an async `return()`, is
 * reported as lost: the pool is already ending and has nobody to hand it to.
 *
 * @internal
 */
export function releaseIterator(
  iterator: { return?: (value?: unknown) => unknown },
  onRelease: ((reason: unknown) => void) | undefined,
  reason: unknown,
): void {
  try {
    onRelease?.(reason);
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
