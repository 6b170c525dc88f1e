// rxjs-pool imported the way a user imports it: by the package's own name, which Node resolves
// through package.json `exports` to the built dist/ (run `npm run build` first; `npm run bench`
// does). BENCH_RXJS_POOL=<path to an ESM entry> points the bench at another build instead.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const override = process.env.BENCH_RXJS_POOL;
const library = await import(override ? pathToFileURL(resolve(override)).href : 'rxjs-pool');

/** rxjs-pool's `pool` operator. */
export const pool = library.pool;
/** rxjs-pool's `poolFrom`. */
export const poolFrom = library.poolFrom;

/**
 * The work function and options both rxjs-pool adapters hand to the library: the bench's work
 * takes the item's signal as its second argument, rxjs-pool passes a context, so work that wants
 * the signal reads `context.signal` (only then does rxjs-pool create an AbortController).
 *
 * @param {import('../contenders/types.mjs').BenchWork} work
 * @param {import('../contenders/types.mjs').RunOptions} options
 * @returns {[(item: any, context: any) => any, object]} the work and the options for rxjs-pool.
 */
export function poolArguments(work, { concurrency, signal, bufferSize, onFinalize, onProgress }) {
  const fn = signal ? (item, context) => work(item, context.signal) : work;
  const options = { concurrency };
  if (bufferSize !== undefined) options.bufferSize = bufferSize;
  if (onFinalize) options.onFinalize = onFinalize;
  if (onProgress) options.onProgress = onProgress;
  return [fn, options];
}
