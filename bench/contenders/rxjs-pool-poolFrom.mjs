// rxjs-pool `poolFrom`: pulls lazily from the iterable, `poolFrom(source, work, options)`.
import { countObservable } from '../lib/consume.mjs';
import { poolArguments, poolFrom } from '../lib/rxjsPool.mjs';

/** @type {import('./types.mjs').Contender} */
export default {
  label: 'rxjs-pool `poolFrom`',
  run(source, work, options) {
    return countObservable(poolFrom(source, ...poolArguments(work, options)), options.onError);
  },
};
