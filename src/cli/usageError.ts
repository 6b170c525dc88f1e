/**
 * A mistake in how the CLI was called: a bad flag or value, a missing command, an input file that
 * cannot be read. The CLI prints its message and exits with code 2 before any work starts.
 *
 * @example
 * ```ts
 * import { UsageError } from './usageError.js';
 *
 * throw new UsageError('missing the command to run: rxjs-pool run [options] -- <command> [args...]');
 * ```
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
