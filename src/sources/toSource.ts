import { from, isObservable, observable as observableSymbol, type Observable } from 'rxjs';
import { isPromiseLike } from '../internal/isPromiseLike.js';
import { received } from '../internal/received.js';
import type { PoolOptions } from '../types.js';
import { AsyncIterableSource } from './asyncIterableSource.js';
import { IterableSource } from './iterableSource.js';
import {
  poolSource,
  type PoolSource,
  type PoolSourceInput,
  type PoolSourceTarget,
} from './poolSource.js';
import { isReadableLike, readableIterator } from './readableSource.js';

/** How the engine connects to its source when it starts. @internal */
export type SourceConnector<T> =
  | { readonly kind: 'push'; readonly observable: Observable<T> }
  | {
      readonly kind: 'pull';
      readonly open: (target: PoolSourceTarget<T>) => PoolSource<T>;
      readonly check?: ((options: Readonly<PoolOptions<T>>) => void) | undefined;
    };

/** Whether a value is a {@link PoolSourceInput}. @internal */
export function isPoolSourceInput<T>(source: unknown): source is PoolSourceInput<T> {
  return (
    typeof source === 'object' &&
    source !== null &&
    typeof (source as Partial<PoolSourceInput<T>>)[poolSource] === 'function'
  );
}

/**
 * The one dispatch over the kinds of source `poolFrom` takes (the shape of rxjs's `innerFrom`),
 * checked at the call:
 * - a {@link PoolSourceInput} (a `channel()`, a broker's consumer) speaks the pull protocol itself;
 * - an Observable, an interop observable or a promise cannot be paused: a push source, exactly as
 *   with `pool`;
 * - an async iterable (a Node Readable included) and a sync iterable are pulled, lazily;
 * - what is left of `ObservableInput` (array-likes, ReadableStream-likes) is pushed.
 *
 * @internal
 */
export function toSource<T>(source: unknown): SourceConnector<T> {
  if (isPoolSourceInput<T>(source)) {
    const factory = source[poolSource];
    return { kind: 'pull', open: (target) => factory(target), check: factory.check };
  }
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
        open: (target) =>
          new AsyncIterableSource(
            isReadableLike(iterable)
              ? readableIterator(iterable)
              : iterable[Symbol.asyncIterator](),
            target,
          ),
      };
    }
    if (typeof candidate[Symbol.iterator] === 'function') {
      const iterable = source as Iterable<T>;
      return {
        kind: 'pull',
        open: (target) => new IterableSource(iterable[Symbol.iterator](), target),
      };
    }
  }
  try {
    return { kind: 'push', observable: from(source as Parameters<typeof from>[0]) as never };
  } catch {
    throw new TypeError(
      `Expected \`source\` to be an Iterable, an AsyncIterable or an ObservableInput, ${received(source)}`,
    );
  }
}
