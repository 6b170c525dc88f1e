import { from, isObservable, observable as observableSymbol } from 'rxjs';
import type { SourceConnector } from './engine.js';
import { isPromiseLike } from './isPromiseLike.js';
import { AsyncPullSource, SyncPullSource } from './pullSource.js';
import { received } from './received.js';

/**
 * Decides how `poolFrom` takes items from its source. Anything iterable or async-iterable (arrays,
 * generators, Node Readables) is pulled, lazily; an Observable, an interop observable or a promise
 * cannot be paused, so it is a push source, exactly as with `pool`. Checked at the call.
 *
 * @internal
 */
export function toSourceConnector<T>(source: unknown): SourceConnector<T> {
  if (source !== null && source !== undefined) {
    const candidate = source as Record<PropertyKey, unknown>;
    if (
      isObservable(source) ||
      typeof candidate[observableSymbol] === 'function' ||
      isPromiseLike(source)
    ) {
      return { kind: 'push', observable: from(source as Parameters<typeof from>[0]) as never };
    }
    if (typeof candidate[Symbol.asyncIterator] === 'function') {
      const iterable = source as AsyncIterable<T>;
      return {
        kind: 'pull',
        open: (target) => new AsyncPullSource(iterable[Symbol.asyncIterator](), target),
      };
    }
    if (typeof candidate[Symbol.iterator] === 'function') {
      const iterable = source as Iterable<T>;
      return {
        kind: 'pull',
        open: (target) => new SyncPullSource(iterable[Symbol.iterator](), target),
      };
    }
  }
  try {
    // What is left of ObservableInput (array-likes, ReadableStream-likes) is pushed.
    return { kind: 'push', observable: from(source as Parameters<typeof from>[0]) as never };
  } catch {
    throw new TypeError(
      `Expected \`source\` to be an Iterable, an AsyncIterable or an ObservableInput, ${received(source)}`,
    );
  }
}
