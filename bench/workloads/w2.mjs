// W2 memory: a generator of N items, work resolved on setImmediate, concurrency 4, one fresh
// process per contender and N (with --expose-gc): peak heap and RSS, their ratio between the two
// N, and the most items the producer ran ahead of completed work.
import { formatCount, formatMs, formatRatio, table } from '../lib/harness.mjs';

const FULL = { sizes: [1_000_000, 10_000_000], capMs: [30_000, 40_000] };
const QUICK = { sizes: [10_000, 100_000], capMs: [60_000, 60_000] };
const CONCURRENCY = 4;
/** A child blocked past its own cap (a long synchronous stretch) is killed this much later. */
const KILL_GRACE_MS = 15_000;

const CONTENDERS = [
  ['FLOOR (hand-written loop)', 'floor'],
  ['rxjs-pool `poolFrom(generator, work)`', 'rxjs-pool-poolFrom', true],
  ['rxjs-pool `from(generator).pipe(pool(work))` (push: buffers all)', 'rxjs-pool-pool'],
  ['async `mapLimit`', 'async-mapLimit'],
  ['p-map `pMapIterable`', 'p-map-pMapIterable'],
  ['p-map `pMap`', 'p-map-pMap'],
  ['Node `Readable.from().map()`', 'node-readable-map'],
  ['p-limit + `Promise.all`', 'p-limit'],
  ['rxjs `from(generator).pipe(mergeMap(work, 4))`', 'rxjs-mergeMap'],
];

const mb = (value) => `${value.toFixed(0)} MB`;

/**
 * Runs W2 and returns its markdown and its targets.
 *
 * @param {any} ctx - see run.mjs.
 */
export async function run(ctx) {
  const config = ctx.quick ? QUICK : FULL;
  const [small, large] = config.sizes;
  const rows = CONTENDERS.map(([label, contender, ours]) => ({ label, contender, ours, by: {} }));
  for (const [i, n] of config.sizes.entries()) {
    for (const row of rows) {
      const earlier = row.by[small];
      if (n === large && (earlier?.crashed || earlier?.result?.finished === false)) {
        row.by[n] = { skipped: true };
        continue;
      }
      ctx.log(`[W2] ${row.label} @ ${formatCount(n)}`);
      const capMs = config.capMs[i];
      const job = {
        measure: 'memory',
        contender: row.contender,
        n,
        concurrency: CONCURRENCY,
        capMs,
      };
      row.by[n] = await ctx.child(job, capMs + KILL_GRACE_MS);
      row.by[n].capMs = capMs;
    }
  }

  const cell = (row, n, pick) => {
    const m = row.by[n];
    if (m.skipped) return 'not run';
    if (m.outOfMemory) return 'out of memory (V8 heap limit)';
    if (m.crashed) return 'crashed';
    if (m.timedOut) return `killed: blocked ${formatMs(m.capMs + KILL_GRACE_MS)}`;
    return pick(m.result);
  };
  const time = (row, n) =>
    cell(row, n, (r) =>
      r.finished
        ? formatMs(r.ms)
        : `did not finish in ${formatMs(r.ms)} (${formatCount(r.completed)} done)`,
    );
  const heap = (row, n) =>
    cell(row, n, (r) => (r.finished ? mb(r.peakHeapMB) : `≥ ${mb(r.peakHeapMB)}`));
  const rss = (row, n) =>
    cell(row, n, (r) => (r.finished ? mb(r.peakRssMB) : `≥ ${mb(r.peakRssMB)}`));
  const ratio = (row) => {
    const a = row.by[small]?.result;
    const b = row.by[large]?.result;
    if (!a?.finished || !b) return '—';
    return b.finished
      ? formatRatio(b.peakRssMB / a.peakRssMB)
      : `≥ ${formatRatio(b.peakRssMB / a.peakRssMB)}`;
  };
  const ahead = (row) =>
    config.sizes.map((n) => cell(row, n, (r) => formatCount(r.ranAhead))).join(' / ');

  const retained = (row) =>
    config.sizes
      .map((n) =>
        cell(row, n, (r) => (r.finished ? `${Math.max(0, r.retainedMB).toFixed(1)} MB` : '—')),
      )
      .join(' / ');
  const lines = rows.map((row) => [
    row.label,
    heap(row, small),
    heap(row, large),
    retained(row),
    rss(row, small),
    rss(row, large),
    ratio(row),
    ahead(row),
    time(row, small),
    time(row, large),
  ]);
  const s = formatCount(small);
  const l = formatCount(large);
  const markdown = [
    `### W2 memory: a generator of ${s} and of ${l} items, work resolved on \`setImmediate\`, concurrency ${CONCURRENCY}`,
    '',
    ctx.stamp(),
    '',
    `One fresh process (\`--expose-gc\`) per contender and size, one run each: a FLOOR in the same process would share the peak, so the FLOOR is a row of its own. Peak heap is sampled (every 16,384 items and every 20 ms). "Heap left after GC": heap in use after a full GC once the run is over, minus before it started (${s} / ${l}). Peak RSS is the process's \`maxRSS\` (Node alone is about 50 MB of it). "Ran ahead": the most items the generator had produced beyond those whose work had completed (${s} / ${l}). A run that passes its cap (${config.capMs.map(formatMs).join(' / ')}) reports what it reached; a contender that did not finish at ${s} is not run at ${l}.`,
    '',
    table(
      [
        'contender',
        `peak heap ${s}`,
        `peak heap ${l}`,
        'heap left after GC',
        `peak RSS ${s}`,
        `peak RSS ${l}`,
        `RSS ${l} / ${s}`,
        'ran ahead',
        `time ${s}`,
        `time ${l}`,
      ],
      lines,
    ),
  ].join('\n');

  const floorRow = rows.find((row) => row.contender === 'floor');
  const floorA = floorRow.by[small]?.result;
  const floorB = floorRow.by[large]?.result;
  const floorRatio =
    floorA?.finished && floorB?.finished
      ? `; the FLOOR's: ${formatRatio(floorB.peakRssMB / floorA.peakRssMB)}`
      : '';
  const targets = rows
    .filter((row) => row.ours)
    .flatMap((row) => {
      const a = row.by[small]?.result;
      const b = row.by[large]?.result;
      const rssRatio = a?.finished && b?.finished ? b.peakRssMB / a.peakRssMB : undefined;
      const most = Math.max(...config.sizes.map((n) => row.by[n]?.result?.ranAhead ?? Infinity));
      return [
        {
          name: `W2 ${row.label} RSS ${l} / ${s} <= 1.1`,
          met: rssRatio !== undefined && rssRatio <= 1.1,
          detail:
            rssRatio === undefined
              ? 'no measurement'
              : `${formatRatio(rssRatio)} (${mb(a.peakRssMB)} → ${mb(b.peakRssMB)})${floorRatio}`,
        },
        {
          name: `W2 ${row.label} ran ahead <= concurrency + bufferSize (${CONCURRENCY} + 0)`,
          met: most <= CONCURRENCY,
          detail: `at most ${formatCount(most)}`,
        },
      ];
    });
  return { markdown, targets };
}
