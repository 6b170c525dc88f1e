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
        open: (target) => new AsyncPullSource(asyncIteratorOf(iterable), target),
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

/** What `poolFrom` needs to know of a Node `Readable` (the library imports nothing from Node). */
interface ReadableLike {
  destroy(): unknown;
  read(): unknown;
  pipe(...args: never[]): unknown;
}

function isReadableLike(source: object): source is ReadableLike {
  const candidate = source as Record<string, unknown>;
  return (
    typeof candidate['destroy'] === 'function' &&
    typeof candidate['read'] === 'function' &&
    typeof candidate['pipe'] === 'function'
  );
}

/**
 * The iterator `poolFrom` pulls. A Node `Readable` is destroyed whenever the pool lets go of it
 * early, even before its first `next()`: Node's own iterator destroys its stream on `return()` only
 * once iteration has begun, and a pool that ends at subscription (a `stop` that emits at once, an
 * aborted `signal`) must not leave an open file behind. The Readable's iterator is wrapped, never
 * changed.
 */
function asyncIteratorOf<T>(iterable: AsyncIterable<T>): AsyncIterator<T> {
  const iterator = iterable[Symbol.asyncIterator]();
  if (!isReadableLike(iterable)) return iterator;
  return {
    next: () => iterator.next(),
    return: (value?: unknown) => {
      try {
        return iterator.return?.(value) ?? Promise.resolve({ done: true, value: undefined });
      } finally {
        iterable.destroy();
      }
    },
  };
}
