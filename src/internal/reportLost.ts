import { config } from 'rxjs';

/**
 * Reports an error that nobody can receive any more (a throwing `onFinalize` during an error
 * halt, an iterator's `return()` that throws, a source that cannot settle after an error) as RxJS
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
