/**
 * How users write pools, as TypeScript must accept it: compiled by `spec/types.spec.ts` with
 * `strict` and `exactOptionalPropertyTypes`. Nothing here runs.
 */
import { of, type Observable } from 'rxjs';
import { pool, poolFrom, type PoolOptions } from '../../src/index.js';

declare const numbers: Observable<number>;

// Work returning different kinds of ObservableInput: the results are the union, as with mergeMap.
export const mixed: Observable<number | string> = numbers.pipe(
  pool((n: number) => (n > 1 ? of(n) : Promise.resolve('small')), { concurrency: 2 }),
);
export const mixedFrom: Observable<number | string> & AsyncIterable<number | string> = poolFrom(
  [1, 2, 3],
  (n: number) => (n > 1 ? of(n) : Promise.resolve('small')),
  { concurrency: 2 },
);

// An optional option given a value that may be undefined (exactOptionalPropertyTypes).
declare const config: { bufferSize: number | undefined; timeout: number | undefined };
export const fromConfig: PoolOptions<number> = {
  concurrency: 2,
  bufferSize: config.bufferSize,
  timeout: config.timeout,
  onSettle: undefined,
  signal: undefined,
};
