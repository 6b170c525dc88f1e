// W1-rx Observable work: the same as W1 with `of(x)` work, against mergeMap.
import { formatCount, formatRatio } from '../lib/harness.mjs';
import { floorTable, measureRows, medianRatio, section, timedConfig } from '../lib/throughput.mjs';

const SIZES = { full: 1_000_000, quick: 10_000 };

/**
 * Runs W1-rx and returns its markdown and its targets.
 *
 * @param {any} ctx - see run.mjs.
 */
export async function run(ctx) {
  const config = timedConfig(ctx.quick);
  const n = ctx.quick ? SIZES.quick : SIZES.full;
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
  const markdown = section(
    ctx,
    `W1-rx Observable work: ${formatCount(n)} items, \`x => of(x)\`, concurrency 8, from a generator`,
    'Measured as W1 (rounds of FLOOR and contender back to back in each fresh process). The FLOOR runs its promise work as a common yardstick; the target compares rxjs-pool with mergeMap through their ratios to it.',
    floorTable(measured, 'FLOOR (hand-written loop, promise work)', n),
  );

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
