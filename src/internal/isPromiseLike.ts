/** A thenable: what the pool treats as a promise (work results, `poolFrom` sources). @internal */
export function isPromiseLike<V>(value: unknown): value is PromiseLike<V> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<V>).then === 'function'
  );
}
