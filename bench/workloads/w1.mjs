// W1 promise work: n items, `async x => x`, concurrency 8, from a generator.
import { formatCount, formatMs, formatRatio } from '../lib/harness.mjs';
import { floorTable, measureRows, medianRatio, section, timedConfig } from '../lib/throughput.mjs';

const SIZES = { full: 1_000_000, quick: 10_000 };
/** mergeMap is quadratic here: capped short in the full run. */
const MERGE_MAP_CAP_MS = { full: 20_000, quick: 60_000 };

/**
 * Runs W1 and returns its markdown and its targets.
 *
 * @param {any} ctx - see run.mjs.
 */
export async function run(ctx) {
  const config = timedConfig(ctx.quick);
  const n = ctx.quick ? SIZES.quick : SIZES.full;
  const base = { measure: 'throughput', n, concurrency: 8, source: 'generator', work: 'promise' };
  const row = (label, contender, extra = {}) => ({
    label,
    ...extra,
    job: { ...base, contender, ...(extra.job ?? {}) },
  });
  const rows = [
    row('rxjs-pool `poolFrom(generator, work)`', 'rxjs-pool-poolFrom', { ours: true }),
    row('rxjs-pool `from(generator).pipe(pool(work))`', 'rxjs-pool-pool', { ours: true }),
    row(
      'rxjs-pool `poolFrom(generator, work)`, `bufferSize: 8` (the queue path)',
      'rxjs-pool-poolFrom',
      {
        ours: true,
        job: { bufferSize: 8 },
      },
    ),
    row('rxjs-pool `poolFrom`, no-op `onProgress`', 'rxjs-pool-poolFrom', {
      variant: 'onProgress',
      job: { onProgress: true },
    }),
    row('rxjs-pool `poolFrom`, work reads `context.signal`', 'rxjs-pool-poolFrom', {
      variant: 'signal',
      slow: !ctx.quick,
      job: { work: 'signal' },
    }),
    row('FLOOR with an AbortController per item (reference for the row above)', 'floor', {
      variant: 'reference',
      slow: !ctx.quick,
      job: { work: 'signal' },
    }),
    row('async `mapLimit`', 'async-mapLimit'),
    row('p-map `pMapIterable`', 'p-map-pMapIterable'),
    row('p-map `pMap`', 'p-map-pMap'),
    row('Node `Readable.from().map()`', 'node-readable-map', { slow: !ctx.quick }),
    row('p-limit + `Promise.all`', 'p-limit', { slow: !ctx.quick }),
    row('rxjs `from(generator).pipe(mergeMap(work, 8))`', 'rxjs-mergeMap', {
      slow: !ctx.quick,
      capMs: ctx.quick ? MERGE_MAP_CAP_MS.quick : MERGE_MAP_CAP_MS.full,
    }),
  ];
  const measured = await measureRows(ctx, 'W1', rows, config);
  const markdown = section(
    ctx,
    `W1 promise work: ${formatCount(n)} items, \`async x => x\`, concurrency 8, from a generator`,
    "Each process (a fresh `node`) runs rounds after an unmeasured one; a round times the FLOOR and the contender once each, back to back, in alternating order. Time: median (min–max) over the processes of each one's median. × FLOOR: each process's median of its rounds' contender/FLOOR ratios, then median (min–max) over the processes. Processes: how many, and timed rounds in all.",
    floorTable(measured, 'FLOOR (hand-written loop)', n),
  );

  const ours = measured.filter((r) => r.ours);
  const others = measured.filter((r) => !r.ours && !r.variant);
  const fastestOther = Math.min(
    ...others.map((r) => (r.dnfMs !== undefined ? Infinity : (medianRatio(r) ?? Infinity))),
  );
  const targets = [];
  for (const r of ours) {
    const ratio = medianRatio(r);
    targets.push({
      name: `W1 ${r.label} within 2x FLOOR`,
      met: ratio !== undefined && ratio <= 2,
      detail: ratio === undefined ? 'no measurement' : `${formatRatio(ratio)} FLOOR`,
    });
    targets.push({
      name: `W1 ${r.label} faster than every other contender`,
      met: ratio !== undefined && ratio < fastestOther,
      detail:
        ratio === undefined
          ? 'no measurement'
          : `${formatRatio(ratio)} vs fastest other ${formatRatio(fastestOther)}`,
    });
  }
  const plain = medianRatio(measured[0]);
  const withController = medianRatio(measured.find((m) => m.variant === 'reference'));
  for (const r of measured.filter((m) => m.variant === 'onProgress' || m.variant === 'signal')) {
    const ratio = medianRatio(r);
    let detail = 'no measurement';
    if (r.dnfMs !== undefined) detail = `did not finish in ${formatMs(r.dnfMs)}`;
    else if (ratio !== undefined) {
      detail = `${formatRatio(ratio)} FLOOR, ${formatRatio(ratio / plain)} plain poolFrom`;
      if (r.variant === 'signal' && withController !== undefined) {
        detail += `; ${formatRatio(ratio / withController)} a FLOOR that makes an AbortController per item (${formatRatio(withController)} FLOOR)`;
      }
    }
    targets.push({ name: `W1 ${r.label} (reported, no fixed target)`, met: null, detail });
  }
  return { markdown, targets };
}
