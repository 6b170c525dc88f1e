import type { WorkContext } from '../types.js';

/**
 * The {@link WorkContext} of one attempt. Its AbortController is created on first read of
 * `signal`, so work that never reads it costs no controller.
 *
 * @internal
 */
export class AttemptContext implements WorkContext {
  private controller: AbortController | undefined = undefined;

  constructor(
    readonly index: number,
    readonly attempt: number,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) this.controller = new AbortController();
    return this.controller.signal;
  }

  /** Aborts the signal if work has read it. `undefined` reason means the platform's AbortError. */
  abort(reason: unknown): void {
    if (this.controller === undefined) {
      // Work that reads the signal later still sees it aborted.
      this.controller = new AbortController();
    }
    if (reason === undefined) this.controller.abort();
    else this.controller.abort(reason);
  }
}
