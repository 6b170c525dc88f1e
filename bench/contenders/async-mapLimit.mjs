// async `mapLimit(source, concurrency, work)` (promise form; async 3 takes iterables and detects
// `async` functions, so work must be a native async function).
import { mapLimit } from 'async';
import { countArray } from '../lib/consume.mjs';

/** @type {import('./types.mjs').Contender} */
export default {
  label: 'async `mapLimit`',
  run(source, work, { concurrency, onError }) {
    return countArray(mapLimit(source, concurrency, work), onError);
  },
};
