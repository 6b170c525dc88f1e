import { config } from 'rxjs';

/**
 * Reports an error that nobody can receive any more (a throwing `onFinalize` during an error
 * halt, an iterator's `return()` that throws, a callback that throws after the end) as RxJS
 * reports an unhandled error: to `config.onUnhandledError` when the application set one, else
 * rethrown on a later macrotask, so that it is seen (in Node it ends the process unless an
 * `uncaughtException` handler takes it) without breaking the teardown under way.
 *
 * @internal
 */
export function reportLost(error: unknown): void {
  const hook = config.onUnhandledError;
  if (hook !== null && hook !== undefined) {
    try {
      hook(error);
    } catch {
      // The application's own hook threw: there is nowhere left to send it.
    }
    return;
  }
  setTimeout(() => {
    throw error;
  });
}

/**
 * Hands an error that nobody can receive any more, and that costs nothing (a source that could
 * not settle its items after the run already failed: they stay with the broker), to
 * `config.onUnhandledError` when the application set one, and drops it otherwise: an expected
 * failure of a broker must never end the process.
 *
 * @internal
 */
export function reportIfHandled(error: unknown): void {
  const hook = config.onUnhandledError;
  if (hook === null || hook === undefined) return;
  try {
    hook(error);
  } catch {
    // The application's own hook threw: there is nowhere left to send it.
  }
}
