// p-map `pMapIterable(source, work, { concurrency })`, consumed with `for await`.
import { pMapIterable } from 'p-map';
import { countAsyncIterable } from '../lib/consume.mjs';

/** @type {import('./types.mjs').Contender} */
export default {
  label: 'p-map `pMapIterable`',
  run(source, work, { concurrency, onError }) {
    return countAsyncIterable(pMapIterable(source, work, { concurrency }), onError);
  },
};
