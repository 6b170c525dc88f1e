/**
 * An error nobody can receive any more (a throwing `onFinalize` during an error halt) is reported
 * as RxJS reports an unhandled error: to `config.onUnhandledError` when set, else rethrown on a
 * later macrotask.
 */
import { config, of, throwError } from 'rxjs';
import { pool } from '../../src/index.js';

describe('an onFinalize that throws during an error halt', () => {
  const failure = new Error('the item failed');
  const thrown = new Error('onFinalize threw');

  function runHaltWithThrowingOnFinalize(): unknown[] {
    const errors: unknown[] = [];
    of(1)
      .pipe(
        pool(() => throwError(() => failure), {
          concurrency: 1,
          onFinalize: () => {
            throw thrown;
          },
        }),
      )
      .subscribe({ error: (error) => errors.push(error) });
    return errors;
  }

  afterEach(() => {
    config.onUnhandledError = null;
    jest.useRealTimers();
  });

  it('leaves the original error the one delivered, and hands the thrown one to config.onUnhandledError', () => {
    const unhandled: unknown[] = [];
    config.onUnhandledError = (error) => unhandled.push(error);
    expect(runHaltWithThrowingOnFinalize()).toEqual([failure]);
    expect(unhandled).toEqual([thrown]);
  });

  it('is rethrown on a later macrotask when no config.onUnhandledError is set, as RxJS does', () => {
    jest.useFakeTimers();
    expect(runHaltWithThrowingOnFinalize()).toEqual([failure]);
    expect(() => jest.runOnlyPendingTimers()).toThrow(thrown);
  });
});
