/**
 * The error `call` throws synchronously; fails the test when it throws nothing, or throws
 * something that is not an `Error`.
 */
export function thrownBy(call: () => unknown): Error {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error('expected a throw, but nothing was thrown');
}
