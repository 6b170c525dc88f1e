/** What `poolFrom` needs to know of a Node `Readable` (the library imports nothing from Node). @internal */
export interface ReadableLike {
  destroy(): unknown;
  read(): unknown;
  pipe(...args: never[]): unknown;
}

/** Whether an async iterable is a Node `Readable` (duck-typed). @internal */
export function isReadableLike(source: object): source is ReadableLike {
  const candidate = source as Record<string, unknown>;
  return (
    typeof candidate['destroy'] === 'function' &&
    typeof candidate['read'] === 'function' &&
    typeof candidate['pipe'] === 'function'
  );
}

/**
 * The iterator `poolFrom` pulls from a Node `Readable`. The Readable is destroyed whenever the pool
 * lets go of it early, even before its first `next()`: Node's own iterator destroys its stream on
 * `return()` only once iteration has begun, and a pool that ends at subscription (a `stop` that
 * emits at once, an aborted `signal`) must not leave an open file behind. The Readable's iterator
 * is wrapped, never changed.
 *
 * @internal
 */
export function readableIterator<T>(readable: ReadableLike & AsyncIterable<T>): AsyncIterator<T> {
  const iterator = readable[Symbol.asyncIterator]();
  return {
    next: () => iterator.next(),
    return: (value?: unknown) => {
      try {
        return iterator.return?.(value) ?? Promise.resolve({ done: true, value: undefined });
      } finally {
        readable.destroy();
      }
    },
  };
}
