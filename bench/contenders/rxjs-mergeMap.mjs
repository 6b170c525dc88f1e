// RxJS `mergeMap` with a concurrency limit: `from(source).pipe(mergeMap(work, concurrency))`.
// mergeMap has no signal to hand to work, and no buffer bound.
import { from, mergeMap } from 'rxjs';
import { countObservable } from '../lib/consume.mjs';

/** @type {import('./types.mjs').Contender} */
export default {
  label: 'rxjs `mergeMap`',
  run(source, work, { concurrency, onError }) {
    return countObservable(from(source).pipe(mergeMap(work, concurrency)), onError);
  },
};
