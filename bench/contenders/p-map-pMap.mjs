// p-map `pMap(source, work, { concurrency })`: resolves with the array of results.
import pMap from 'p-map';
import { countArray } from '../lib/consume.mjs';

/** @type {import('./types.mjs').Contender} */
export default {
  label: 'p-map `pMap`',
  run(source, work, { concurrency, onError }) {
    return countArray(pMap(source, work, { concurrency }), onError);
  },
};
