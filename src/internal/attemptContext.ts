import type { WorkContext } from '../types.js';

/**
 * What the pool aborts when it abandons an attempt in flight: the attempt's {@link WorkContext}
 * (an item's {@link Job} for its first attempt, an {@link AttemptContext} for a retry), whose
 * AbortController exists only once `signal` was read (or the attempt was aborted).
 *
 * @internal
 */
export interface AbortableContext {
  controller: AbortController | undefined;
}

/**
 * Node's `util.inspect.custom`, from the global symbol registry, so the library imports nothing
 * from Node: what `console.log` shows of a context.
 *
 * @internal
 */
export const inspectCustom: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/** The context's signal, its AbortController created on first read. @internal */
export function signalOf(context: AbortableContext): AbortSignal {
  if (context.controller === undefined) context.controller = new AbortController();
  return context.controller.signal;
}

/**
 * Aborts the context's signal. Work that reads the signal later still sees it aborted.
 * `undefined` reason means the platform's AbortError.
 *
 * @internal
 */
export function abortContext(context: AbortableContext, reason: unknown): void {
  if (context.controller === undefined) context.controller = new AbortController();
  if (reason === undefined) context.controller.abort();
  else context.controller.abort(reason);
}

/**
 * The {@link WorkContext} of a retry (attempt 2 and later): its own `attempt` number and its own
 * signal, so work still running from an earlier attempt keeps seeing that attempt's. Its
 * AbortController is created on first read of `signal`, so work that never reads it costs none.
 *
 * @internal
 */
export class AttemptContext implements WorkContext, AbortableContext {
  controller: AbortController | undefined = undefined;

  constructor(
    readonly index: number,
    readonly attempt: number,
  ) {}

  get signal(): AbortSignal {
    return signalOf(this);
  }

  /** What `JSON.stringify` shows: the {@link WorkContext}'s numbers, not the controller. */
  toJSON(): { index: number; attempt: number } {
    return { index: this.index, attempt: this.attempt };
  }

  /** What `console.log` and `util.inspect` show in Node: the {@link WorkContext}. */
  [inspectCustom](): WorkContext {
    return { index: this.index, attempt: this.attempt, signal: this.signal };
  }
}
