// Node streams: `Readable.from(source).map(work, { concurrency })`, consumed with `for await`.
// Readable.map hands each call `{ signal }` and aborts it when the stream is destroyed.
import { Readable } from 'node:stream';
import { countAsyncIterable } from '../lib/consume.mjs';

/** @type {import('./types.mjs').Contender} */
export default {
  label: 'Node `Readable.from().map()`',
  run(source, work, { concurrency, signal, onError }) {
    const fn = signal ? (item, options) => work(item, options.signal) : work;
    return countAsyncIterable(Readable.from(source).map(fn, { concurrency }), onError);
  },
};
