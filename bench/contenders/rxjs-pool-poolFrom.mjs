// rxjs-pool `poolFrom`: pulls lazily from the iterable, `poolFrom(source, work, options)`.
import { countObservable } from '../lib/consume.mjs';
import { poolFrom } from '../lib/rxjsPool.mjs';

/** @type {import('./types.mjs').Contender} */
export default {
  label: 'rxjs-pool `poolFrom`',
  run(source, work, { concurrency, signal, bufferSize, onError, onFinalize, onProgress }) {
    const fn = signal ? (item, context) => work(item, context.signal) : work;
    const options = { concurrency };
    if (bufferSize !== undefined) options.bufferSize = bufferSize;
    if (onFinalize) options.onFinalize = onFinalize;
    if (onProgress) options.onProgress = onProgress;
    return countObservable(poolFrom(source, fn, options), onError);
  },
};
