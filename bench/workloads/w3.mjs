// W3 teardown: n items, concurrency 8, work a 1 ms timer honouring its signal, item 100 fails.
import { formatCount, formatSpread, table } from '../lib/harness.mjs';

const FULL = { n: 2000, failAt: 100, runs: 3, warmRounds: 3, capMs: 30_000 };
const QUICK = { n: 2000, failAt: 100, runs: 1, warmRounds: 1, capMs: 30_000 };

const CONTENDERS = [
  ['FLOOR (hand-written loop, with AbortControllers)', 'floor'],
  ['rxjs-pool `poolFrom(generator, work)`', 'rxjs-pool-poolFrom', true],
  ['rxjs-pool `from(generator).pipe(pool(work))`', 'rxjs-pool-pool', true],
  ['rxjs `mergeMap`', 'rxjs-mergeMap'],
  ['p-map `pMap`', 'p-map-pMap'],
  ['p-map `pMapIterable`', 'p-map-pMapIterable'],
  ['async `mapLimit`', 'async-mapLimit'],
  ['Node `Readable.from().map()` (passes `{ signal }`)', 'node-readable-map'],
  ['p-limit + `Promise.all`', 'p-limit'],
];

/** One value when all runs agree, else each run's value. */
function agree(values) {
  const unique = [...new Set(values)];
  return unique.length === 1 ? String(unique[0]) : values.join(' / ');
}

function exitsAtOnce(r) {
  const linger = `${r.lingerMs.toFixed(1)} ms`;
  if (r.timersAfterError === 0 && r.startsAfterFailure === 0) return `yes (${linger})`;
  return `no: ${r.timersAfterError} work timers still fired, exit after ${linger}`;
}

/**
 * Runs W3 and returns its markdown and its targets.
 *
 * @param {any} ctx - see run.mjs.
 */
export async function run(ctx) {
  const config = ctx.quick ? QUICK : FULL;
  const rows = CONTENDERS.map(([label, contender, ours]) => ({
    label,
    contender,
    ours,
    results: [],
    crashed: undefined,
  }));
  for (let i = 0; i < config.runs; i++) {
    for (const row of rows) {
      if (row.crashed) continue;
      ctx.log(`[W3] ${row.label}: run ${i + 1}/${config.runs}`);
      const job = {
        measure: 'teardown',
        contender: row.contender,
        n: config.n,
        concurrency: 8,
        failAt: config.failAt,
        warmRounds: config.warmRounds,
      };
      const outcome = await ctx.child(job, config.capMs);
      if (outcome.timedOut) row.crashed = `did not exit within ${config.capMs / 1000} s`;
      else if (outcome.crashed) row.crashed = outcome.crashed;
      else row.results.push(outcome.result);
    }
  }

  const lines = rows.map((row) => {
    if (row.crashed || row.results.length === 0)
      return [row.label, `crashed: ${row.crashed?.slice(0, 120)}`, '', '', '', '', '', '', ''];
    const rs = row.results;
    return [
      row.label,
      rs.every((r) => r.usToError !== null)
        ? formatSpread(
            rs.map((r) => r.usToError),
            (us) => `${us.toFixed(0)} µs`,
          )
        : 'no error seen',
      agree(rs.map((r) => r.startsAfterFailure)),
      agree(rs.map((r) => r.finalized)),
      agree(
        rs.map(
          (r) =>
            `${r.abortedBeforeError}/${r.inFlightAtFailure}` +
            (r.abortedAfterError ? ` (+${r.abortedAfterError} after)` : ''),
        ),
      ),
      agree(rs.map((r) => (r.sameTick ? 'yes' : 'no'))),
      agree(rs.map((r) => r.unhandled)),
      agree(rs.map((r) => (r.sameError ? 'yes' : 'no'))),
      rs.map(exitsAtOnce).join('; '),
    ];
  });
  const markdown = [
    `### W3 teardown: ${formatCount(config.n)} items, concurrency 8, work a 1 ms timer honouring its signal, item ${config.failAt} fails`,
    '',
    ctx.stamp(),
    '',
    `${config.runs} fresh process(es) per contender; in each, the scenario runs ${config.warmRounds} unmeasured time(s) first (fresh source and pipeline each time), so the measured run times warm code. Time: from the failing work's \`reject\` to the consumer's error callback (rxjs \`error\`, the \`catch\` of the \`await\` / \`for await\`). "Source finalized": when the generator's \`finally\` ran. "In-flight aborted": calls in flight at the failure whose signal aborted before the consumer saw the error (only rxjs-pool, Readable.map and the FLOOR hand work a signal). "Same tick": the source's finalization and every abort ran in the same synchronous stretch as the error delivery (no microtask checkpoint between). "Exits at once": no work started or fired after the error, with the time from the error to the process's exit.`,
    '',
    table(
      [
        'contender',
        'failure → error seen',
        'work started after failure',
        'source finalized',
        'in-flight aborted before error',
        'same tick',
        'unhandled rejections',
        'original error',
        'exits at once',
      ],
      lines,
    ),
  ].join('\n');

  const targets = rows
    .filter((row) => row.ours)
    .map((row) => {
      const rs = row.results;
      const problems = [];
      if (row.crashed || rs.length === 0) problems.push('crashed');
      for (const r of rs) {
        if (r.startsAfterFailure > 0)
          problems.push(`${r.startsAfterFailure} starts after the failure`);
        if (r.finalized === 'never' || r.finalized === 'after the error')
          problems.push(`source finalized ${r.finalized}`);
        if (r.abortedBeforeError !== r.inFlightAtFailure)
          problems.push(`${r.abortedBeforeError}/${r.inFlightAtFailure} aborted before the error`);
        if (!r.sameTick) problems.push('not in the same tick');
        if (r.unhandled > 0) problems.push(`${r.unhandled} unhandled rejections`);
        if (!r.sameError) problems.push('a different error reached the consumer');
      }
      const unique = [...new Set(problems)];
      return {
        name: `W3 ${row.label}: 0 starts after the failure, source finalized and all in-flight aborted before the error, same tick`,
        met: unique.length === 0,
        detail: unique.length ? unique.join('; ') : `all ${rs.length} runs`,
      };
    });
  return { markdown, targets };
}
