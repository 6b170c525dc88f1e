// p-limit: `Promise.all(Array.from(source, (x) => limit(() => work(x))))`, its documented use.
import pLimit from 'p-limit';
import { countArray } from '../lib/consume.mjs';

/** @type {import('./types.mjs').Contender} */
export default {
  label: 'p-limit + `Promise.all`',
  run(source, work, { concurrency, onError }) {
    const limit = pLimit(concurrency);
    return countArray(Promise.all(Array.from(source, (item) => limit(() => work(item)))), onError);
  },
};
