// Parent side of the timed workloads (W1, W1-rx, W1-push): runs every row's children, interleaved
// (run 1 of every row, then run 2, ...) so that a change in background load hits all rows alike.
import { formatCount, formatMs, formatRatio, formatSpread, stats, table } from './harness.mjs';

/**
 * How many processes and rounds the timed workloads run, and their caps: the full run, or the
 * quick one (one process per row, one round: proves the bench runs, in CI).
 *
 * @param {boolean} quick
 * @returns {{ runs: number; slowRuns: number; iterations: number; warmup: number; capMs: number; slowMs: number }}
 */
export function timedConfig(quick) {
  return quick
    ? { runs: 1, slowRuns: 1, iterations: 1, warmup: 0, capMs: 60_000, slowMs: 2000 }
    : { runs: 5, slowRuns: 3, iterations: 3, warmup: 1, capMs: 120_000, slowMs: 2000 };
}

/**
 * @typedef {object} Row
 * @property {string} label
 * @property {object} job - the child job, less the measurement counts.
 * @property {number} [capMs] - this row's cap per child (default: the config's).
 * @property {boolean} [slow] - known to take seconds: one measured iteration per child, no warmup.
 */

/**
 * Measures every row. Each child times the FLOOR and the row's contender in the same process.
 * A row whose child passes `slowMs` switches to one iteration per child and `slowRuns` runs; a row
 * whose child hits its cap is not run again (it "did not finish").
 *
 * @param {any} ctx - see run.mjs.
 * @param {string} name - for progress lines.
 * @param {Row[]} rows
 * @param {{ runs: number; slowRuns: number; iterations: number; warmup: number; capMs: number; slowMs: number }} config
 * @returns {Promise<Array<Row & { samples: Array<{ ms: number; floorMs: number }>; dnfMs?: number; crashed?: string }>>}
 */
export async function measureRows(ctx, name, rows, config) {
  const states = rows.map((row) => ({ ...row, samples: [], runsWanted: config.runs }));
  for (let run = 0; run < config.runs; run++) {
    for (const row of states) {
      if (row.dnfMs !== undefined || row.crashed || row.samples.length >= row.runsWanted) continue;
      const slow = row.slow === true;
      if (slow) row.runsWanted = Math.min(config.runs, config.slowRuns);
      if (row.samples.length >= row.runsWanted) continue;
      const capMs = row.capMs ?? config.capMs;
      const job = {
        ...row.job,
        iterations: slow ? 1 : config.iterations,
        warmup: slow ? 0 : config.warmup,
      };
      ctx.log(`[${name}] ${row.label}: run ${row.samples.length + 1}/${row.runsWanted}`);
      const outcome = await ctx.child(job, capMs);
      if (outcome.timedOut) row.dnfMs = capMs;
      else if (outcome.crashed) row.crashed = outcome.crashed;
      else {
        row.samples.push({ ...outcome.result, iterations: job.iterations });
        if (outcome.result.ms > config.slowMs) row.slow = true;
      }
    }
  }
  return states;
}

/** A process's contender/FLOOR ratio: the median of its rounds' ratios. */
function ratioOf(sample) {
  return sample.ratio ?? sample.ms / sample.floorMs;
}

/** The FLOOR's times over all children of these rows. */
export function floorSamples(rows) {
  return rows.flatMap((row) => row.samples.map((s) => s.floorMs));
}

/** Median of a row's contender/FLOOR ratios (one per child), or undefined. */
export function medianRatio(row) {
  return row.samples.length ? stats(row.samples.map(ratioOf)).median : undefined;
}

/** Median of a row's times, or undefined. */
export function medianMs(row) {
  return row.samples.length ? stats(row.samples.map((s) => s.ms)).median : undefined;
}

/** The time cell of a row: median (min–max), or why there is none. */
export function timeCell(row) {
  if (row.crashed) return `crashed: ${row.crashed.slice(0, 120)}`;
  if (row.dnfMs !== undefined) return `did not finish in ${formatMs(row.dnfMs)}`;
  return formatSpread(
    row.samples.map((s) => s.ms),
    formatMs,
  );
}

/** The ratio cell of a row: median (min–max) of its per-process ratios to the FLOOR. */
export function ratioCell(row, floorMedianMs) {
  if (row.crashed) return '—';
  if (row.dnfMs !== undefined) {
    return floorMedianMs ? `> ${formatRatio(row.dnfMs / floorMedianMs)}` : '—';
  }
  return formatSpread(row.samples.map(ratioOf), formatRatio);
}

/** How many processes, and timed iterations in all, a row's numbers come from. */
export function runsCell(row) {
  if (row.crashed) return '—';
  if (row.dnfMs !== undefined) return '1 (capped)';
  const timed = row.samples.reduce((sum, s) => sum + s.iterations, 0);
  return `${row.samples.length} (${timed} timed)`;
}

/**
 * The table of a timed workload at one size: first the FLOOR (its times in every child of these
 * rows), then each row's time, ratio to the FLOOR and processes.
 *
 * @param {Awaited<ReturnType<typeof measureRows>>} measured
 * @param {string} floorLabel
 * @param {number} n - items.
 * @returns {string} markdown.
 */
export function floorTable(measured, floorLabel, n) {
  const floors = floorSamples(measured);
  const floorMedian = floors.length ? stats(floors).median : undefined;
  const lines = [
    [
      floorLabel,
      timeCell({ samples: floors.map((ms) => ({ ms })) }),
      '1.00x',
      `${floors.length} processes`,
    ],
    ...measured.map((r) => [r.label, timeCell(r), ratioCell(r, floorMedian), runsCell(r)]),
  ];
  return table(['contender', `time for ${formatCount(n)} items`, '× FLOOR', 'processes'], lines);
}

/**
 * One workload's section: its title, the machine's stamp, how it was measured, its table.
 *
 * @param {any} ctx - see run.mjs.
 * @param {string} title - without the `###`.
 * @param {string} method - how the numbers were taken.
 * @param {string} body - the table.
 * @returns {string} markdown.
 */
export function section(ctx, title, method, body) {
  return [`### ${title}`, '', ctx.stamp(), '', method, '', body].join('\n');
}
