// W1-rx Observable work: the same as W1 with `of(x)` work, against mergeMap.
import { formatCount, formatRatio, stats, table } from '../lib/harness.mjs';
import {
  floorSamples,
  measureRows,
  medianRatio,
  ratioCell,
  runsCell,
  timeCell,
} from '../lib/throughput.mjs';

const FULL = {
  n: 1_000_000,
  runs: 5,
  slowRuns: 3,
  iterations: 3,
  warmup: 1,
  capMs: 120_000,
  slowMs: 2000,
};
const QUICK = {
  n: 10_000,
  runs: 1,
  slowRuns: 1,
  iterations: 1,
  warmup: 0,
  capMs: 60_000,
  slowMs: 2000,
};

/**
 * Runs W1-rx and returns its markdown and its targets.
 *
 * @param {any} ctx - see run.mjs.
 */
export async function run(ctx) {
  const config = ctx.quick ? QUICK : FULL;
  const { n } = config;
  const base = { measure: 'throughput', n, concurrency: 8, source: 'generator', work: 'of' };
  const rows = [
    {
      label: 'rxjs-pool `poolFrom(generator, x => of(x))`',
      ours: true,
      job: { ...base, contender: 'rxjs-pool-poolFrom' },
    },
    {
      label: 'rxjs-pool `from(generator).pipe(pool(x => of(x)))`',
      ours: true,
      job: { ...base, contender: 'rxjs-pool-pool' },
    },
    {
      label: 'rxjs `from(generator).pipe(mergeMap(x => of(x), 8))`',
      job: { ...base, contender: 'rxjs-mergeMap' },
    },
  ];
  const measured = await measureRows(ctx, 'W1-rx', rows, config);
  const floors = floorSamples(measured);
  const floorMedian = floors.length ? stats(floors).median : undefined;
  const lines = [
    [
      'FLOOR (hand-written loop, promise work)',
      timeCell({ samples: floors.map((ms) => ({ ms })) }),
      '1.00x',
      `${floors.length} processes`,
    ],
    ...measured.map((r) => [r.label, timeCell(r), ratioCell(r, floorMedian), runsCell(r)]),
  ];
  const markdown = [
    `### W1-rx Observable work: ${formatCount(n)} items, \`x => of(x)\`, concurrency 8, from a generator`,
    '',
    ctx.stamp(),
    '',
    'Measured as W1 (rounds of FLOOR and contender back to back in each fresh process). The FLOOR runs its promise work as a common yardstick; the target compares rxjs-pool with mergeMap through their ratios to it.',
    '',
    table(['contender', `time for ${formatCount(n)} items`, '× FLOOR', 'processes'], lines),
  ].join('\n');

  const mergeMapRatio = medianRatio(measured[2]);
  const targets = measured.slice(0, 2).map((r) => {
    const ratio = medianRatio(r);
    const relative =
      ratio !== undefined && mergeMapRatio !== undefined ? ratio / mergeMapRatio : undefined;
    return {
      name: `W1-rx ${r.label} within 1.05x of mergeMap`,
      met: relative !== undefined && relative <= 1.05,
      detail: relative === undefined ? 'no measurement' : `${formatRatio(relative)} mergeMap`,
    };
  });
  return { markdown, targets };
}
