import { config } from 'rxjs';

/**
 * Hands an error that nobody can receive any more (thrown by a user callback after downstream has
 * gone, or by an iterator's `return()`) to RxJS's `config.onUnhandledError` when the application
 * set one. Otherwise it is dropped: the pool never crashes the process from a teardown.
 *
 * @internal
 */
export function reportLost(error: unknown): void {
  const hook = config.onUnhandledError;
  if (hook === null || hook === undefined) return;
  try {
    hook(error);
  } catch {
    // The application's own hook threw: there is nowhere left to send it.
  }
}
