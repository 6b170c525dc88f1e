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
