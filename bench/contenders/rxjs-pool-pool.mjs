// rxjs-pool `pool`: the operator on a push source, `from(source).pipe(pool(work, options))`.
import { from } from 'rxjs';
import { countObservable } from '../lib/consume.mjs';
import { pool } from '../lib/rxjsPool.mjs';

/** @type {import('./types.mjs').Contender} */
export default {
  label: 'rxjs-pool `pool`',
  run(source, work, { concurrency, signal, bufferSize, onError, onFinalize, onProgress }) {
    const fn = signal ? (item, context) => work(item, context.signal) : work;
    const options = { concurrency };
    if (bufferSize !== undefined) options.bufferSize = bufferSize;
    if (onFinalize) options.onFinalize = onFinalize;
    if (onProgress) options.onProgress = onProgress;
    return countObservable(from(source).pipe(pool(fn, options)), onError);
  },
};
