// How the adapters consume results: count them, and tell the workload the moment an error arrives.

/**
 * Subscribes to an Observable, counts its values and resolves with the count when it completes.
 * `onError` runs inside the `error` callback itself, the first moment a subscriber sees the error.
 *
 * @param {import('rxjs').Observable<unknown>} observable
 * @param {((error: unknown) => void) | undefined} onError
 * @returns {Promise<number>}
 */
export function countObservable(observable, onError) {
  return new Promise((resolve, reject) => {
    let count = 0;
    observable.subscribe({
      next: () => {
        count++;
      },
      error: (error) => {
        onError?.(error);
        reject(error);
      },
      complete: () => resolve(count),
    });
  });
}

/**
 * Counts the values of an async iterable with `for await`; `onError` runs in the loop's `catch`.
 *
 * @param {AsyncIterable<unknown>} iterable
 * @param {((error: unknown) => void) | undefined} onError
 * @returns {Promise<number>}
 */
export async function countAsyncIterable(iterable, onError) {
  let count = 0;
  try {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    for await (const _ of iterable) count++;
  } catch (error) {
    onError?.(error);
    throw error;
  }
  return count;
}

/**
 * Awaits a promise of results; `onError` runs in the `catch` of that `await`.
 *
 * @param {Promise<{ length: number }>} promise
 * @param {((error: unknown) => void) | undefined} onError
 * @returns {Promise<number>}
 */
export async function countArray(promise, onError) {
  try {
    return (await promise).length;
  } catch (error) {
    onError?.(error);
    throw error;
  }
}
