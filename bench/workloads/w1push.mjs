// W1-push scaling: `from(array).pipe(pool(promiseWork, { concurrency: 8 }))` at three sizes; time
// must grow linearly where mergeMap's grows with the square of the input.
import { formatCount, formatMs, formatRatio, formatSpread, table } from '../lib/harness.mjs';
import {
  measureRows,
  medianMs,
  ratioCell,
  section,
  timeCell,
  timedConfig,
} from '../lib/throughput.mjs';

const SIZES = { full: [100_000, 200_000, 1_000_000], quick: [1_000, 2_000, 10_000] };
/** mergeMap is quadratic here: capped short in the full run. */
const MERGE_MAP_CAP_MS = { full: 20_000, quick: 60_000 };

/**
 * Runs W1-push and returns its markdown and its targets.
 *
 * @param {any} ctx - see run.mjs.
 */
export async function run(ctx) {
  const config = timedConfig(ctx.quick);
  const sizes = ctx.quick ? SIZES.quick : SIZES.full;
  const job = (contender, n) => ({
    measure: 'throughput',
    n,
    concurrency: 8,
    source: 'array',
    work: 'promise',
    contender,
  });
  const contenders = [
    {
      key: 'pool',
      label: 'rxjs-pool `from(array).pipe(pool(work, { concurrency: 8 }))`',
      contender: 'rxjs-pool-pool',
    },
    {
      key: 'mergeMap',
      label: 'rxjs `from(array).pipe(mergeMap(work, 8))`',
      contender: 'rxjs-mergeMap',
      capMs: ctx.quick ? MERGE_MAP_CAP_MS.quick : MERGE_MAP_CAP_MS.full,
      slow: !ctx.quick,
    },
  ];
  const rows = contenders.flatMap((c) =>
    sizes.map((n) => ({
      key: c.key,
      n,
      label: `${c.label} @ ${formatCount(n)}`,
      capMs: c.capMs,
      slow: c.slow,
      job: job(c.contender, n),
    })),
  );
  const measured = await measureRows(ctx, 'W1-push', rows, config);
  const at = (key, n) => measured.find((r) => r.key === key && r.n === n);
  const first = sizes[0];
  const last = sizes[sizes.length - 1];

  const floorRow = (n) => ({
    samples: measured
      .filter((r) => r.n === n)
      .flatMap((r) => r.samples.map((s) => ({ ms: s.floorMs }))),
  });
  const floorMedian = (n) => medianMs(floorRow(n));
  const growth = (msFirst, msLast) =>
    msFirst === undefined || msLast === undefined ? '—' : formatRatio(msLast / msFirst);
  const cell = (r) =>
    r.dnfMs !== undefined || r.crashed
      ? timeCell(r)
      : `${timeCell(r)}, ${ratioCell(r, floorMedian(r.n))} FLOOR`;

  const lines = [
    [
      'FLOOR (hand-written loop over the array)',
      ...sizes.map((n) =>
        formatSpread(
          floorRow(n).samples.map((s) => s.ms),
          formatMs,
        ),
      ),
      growth(floorMedian(first), floorMedian(last)),
    ],
    ...contenders.map((c) => {
      const grow =
        at(c.key, last).dnfMs !== undefined
          ? `> ${growth(medianMs(at(c.key, first)), at(c.key, last).dnfMs)}`
          : growth(medianMs(at(c.key, first)), medianMs(at(c.key, last)));
      return [c.label, ...sizes.map((n) => cell(at(c.key, n))), grow];
    }),
  ];
  const markdown = section(
    ctx,
    `W1-push scaling: promise work from an array, concurrency 8, at ${sizes.map(formatCount).join(', ')} items`,
    `Measured as W1 (rounds of FLOOR and contender back to back in each fresh process). Each cell: time median (min–max) over the processes, then the median (min–max) of the per-process ratios to the FLOOR run over the same array. Last column: median time at ${formatCount(last)} / median time at ${formatCount(first)} (linear = ${last / first}x).`,
    table(
      ['contender', ...sizes.map(formatCount), `${formatCount(last)} / ${formatCount(first)}`],
      lines,
    ),
  );

  const poolFirst = medianMs(at('pool', first));
  const poolLast = medianMs(at('pool', last));
  const bound = (last / first) * 1.1;
  const ratio =
    poolFirst !== undefined && poolLast !== undefined ? poolLast / poolFirst : undefined;
  const targets = [
    {
      name: `W1-push rxjs-pool \`pool\` time ${formatCount(last)} / ${formatCount(first)} <= ${bound.toFixed(0)}x (linear)`,
      met: ratio !== undefined && ratio <= bound,
      detail:
        ratio === undefined
          ? 'no measurement'
          : `${formatRatio(ratio)} (mergeMap: ${lines[2][lines[2].length - 1]})`,
    },
  ];
  return { markdown, targets };
}
