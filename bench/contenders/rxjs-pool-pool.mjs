// rxjs-pool `pool`: the operator on a push source, `from(source).pipe(pool(work, options))`.
import { from } from 'rxjs';
import { countObservable } from '../lib/consume.mjs';
import { pool, poolArguments } from '../lib/rxjsPool.mjs';

/** @type {import('./types.mjs').Contender} */
export default {
  label: 'rxjs-pool `pool`',
  run(source, work, options) {
    return countObservable(
      from(source).pipe(pool(...poolArguments(work, options))),
      options.onError,
    );
  },
};
