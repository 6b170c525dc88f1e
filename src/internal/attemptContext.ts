import type { WorkContext } from '../types.js';

/**
 * What the pool aborts when it abandons an attempt in flight: the holder of the attempt's
 * AbortController (an item's {@link Job} for its first attempt, a fresh holder for each retry),
 * which exists only once the attempt's `signal` was read (or the attempt was aborted).
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

/** The holder's signal, its AbortController created on first read. @internal */
export function signalOf(holder: AbortableContext): AbortSignal {
  if (holder.controller === undefined) holder.controller = new AbortController();
  return holder.controller.signal;
}

/**
 * Aborts the holder's signal. Work that reads the signal later still sees it aborted.
 * `undefined` reason means the platform's AbortError.
 *
 * @internal
 */
export function abortContext(holder: AbortableContext, reason: unknown): void {
  if (holder.controller === undefined) holder.controller = new AbortController();
  if (reason === undefined) holder.controller.abort();
  else holder.controller.abort(reason);
}

/**
 * What every context shares, on its prototype so that a copy does not take them: how
 * `JSON.stringify` and `console.log` show it.
 */
const contextPrototype = {
  toJSON(this: WorkContext): { index: number; attempt: number } {
    return { index: this.index, attempt: this.attempt };
  },
  [inspectCustom](this: WorkContext): WorkContext {
    return { index: this.index, attempt: this.attempt, signal: this.signal };
  },
};

/**
 * The {@link WorkContext} of one attempt. `index`, `attempt` and `signal` are its only own
 * properties, all enumerable, so a spread or `Object.assign` copy keeps a working `signal`; the
 * signal's AbortController is still created only when `signal` is first read (a copy reads it).
 * Nothing of the pool's bookkeeping is reachable from it.
 *
 * @internal
 */
export function createWorkContext(
  holder: AbortableContext,
  index: number,
  attempt: number,
): WorkContext {
  return {
    __proto__: contextPrototype,
    index,
    attempt,
    get signal(): AbortSignal {
      return signalOf(holder);
    },
  } as WorkContext;
}
