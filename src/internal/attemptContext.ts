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
 * The {@link WorkContext} of one attempt, safe to copy: `index`, `attempt` and `signal` are its
 * only own properties, all enumerable, so a spread or `Object.assign` copy keeps a working
 * `signal`; the signal's AbortController is still created only when `signal` is first read (a copy
 * reads it). How `JSON.stringify` and `console.log` show it lives on the prototype, so a copy does
 * not take it. Nothing of the pool's bookkeeping is reachable from it.
 *
 * @internal
 */
class CopyableWorkContext implements WorkContext {
  readonly #holder: AbortableContext;
  declare readonly signal: AbortSignal;

  constructor(
    holder: AbortableContext,
    readonly index: number,
    readonly attempt: number,
  ) {
    this.#holder = holder;
    // An own accessor (one shared descriptor), so that a copy of the context keeps its signal.
    Object.defineProperty(this, 'signal', CopyableWorkContext.signalProperty);
  }

  static readonly signalProperty: PropertyDescriptor = {
    get(this: CopyableWorkContext): AbortSignal {
      return signalOf(this.#holder);
    },
    enumerable: true,
  };

  toJSON(): { index: number; attempt: number } {
    return { index: this.index, attempt: this.attempt };
  }

  [inspectCustom](): WorkContext {
    return { index: this.index, attempt: this.attempt, signal: this.signal };
  }
}

/**
 * The context of a retry of work whose `length` is under 2 (its first attempt gets the job itself):
 * the same `index`, `attempt` and `signal`, with `signal` on the prototype (an own accessor per
 * item costs more than the pool's own work for a promise that settles at once).
 *
 * @internal
 */
class PlainWorkContext implements WorkContext {
  readonly #holder: AbortableContext;

  constructor(
    holder: AbortableContext,
    readonly index: number,
    readonly attempt: number,
  ) {
    this.#holder = holder;
  }

  get signal(): AbortSignal {
    return signalOf(this.#holder);
  }

  toJSON(): { index: number; attempt: number } {
    return { index: this.index, attempt: this.attempt };
  }

  [inspectCustom](): WorkContext {
    return { index: this.index, attempt: this.attempt, signal: this.signal };
  }
}

/**
 * Creates one attempt's {@link WorkContext}: copy-safe when the work's `length` is 2 or more (it
 * names the context as its second parameter); otherwise it reads the context only through
 * `arguments`, a rest parameter or a parameter after a default, and gets the plain one.
 *
 * @internal
 */
export function createWorkContext(
  holder: AbortableContext,
  index: number,
  attempt: number,
  isCopySafe: boolean,
): WorkContext {
  return isCopySafe
    ? new CopyableWorkContext(holder, index, attempt)
    : new PlainWorkContext(holder, index, attempt);
}
