// W4, the seed question: 30 requests, those above 10 fail, a queue (bufferSize) of 19, 3 workers,
// 500 ms of real timer each. Time from the first failure to the halt, and what each contender
// reports as not done; with line-for-line JS ports of the asyncio original and of the accepted fix.
import { formatMs, formatSpread, table } from '../lib/harness.mjs';

const FULL = { ms: 500, capMs: 3000, runs: 3 };
const QUICK = { ms: 20, capMs: 300, runs: 1 };
const SEED = { requests: 30, healthy: 10, workers: 3, queueSize: 19 };
/** The question's own stall condition: REQUESTS >= HEALTHY_REQUESTS + (QUEUE_SIZE + MAX_WORKERS) + 1. */
const STALL = SEED.healthy + SEED.queueSize + SEED.workers + 1;

const ROWS = [
  {
    label: 'asyncio original (JS port)',
    contender: 'asyncio-original',
    requests: SEED.requests,
    once: true,
  },
  {
    label: `asyncio original (JS port), ${STALL} requests (the question's stall condition)`,
    contender: 'asyncio-original',
    requests: STALL,
    once: true,
  },
  { label: 'asyncio accepted fix (JS port)', contender: 'asyncio-fix', requests: SEED.requests },
  {
    label: 'rxjs-pool `poolFrom(requests, work, { concurrency: 3, bufferSize: 19 })`',
    contender: 'rxjs-pool-poolFrom',
    requests: SEED.requests,
    ours: true,
  },
  {
    label: 'FLOOR (hand-written loop, with AbortControllers)',
    contender: 'floor',
    requests: SEED.requests,
  },
  {
    label: 'rxjs `from(requests).pipe(mergeMap(work, 3))`',
    contender: 'rxjs-mergeMap',
    requests: SEED.requests,
  },
  {
    label: 'p-map `pMap(requests, work, { concurrency: 3 })`',
    contender: 'p-map-pMap',
    requests: SEED.requests,
  },
];

/** `12, 13` or `14–29`. */
function spans(items) {
  const parts = [];
  for (let i = 0; i < items.length;) {
    let j = i;
    while (j + 1 < items.length && items[j + 1] === items[j] + 1) j++;
    parts.push(j - i >= 2 ? `${items[i]}–${items[j]}` : items.slice(i, j + 1).join(', '));
    i = j + 1;
  }
  return parts.join(', ') || 'none';
}

function reportCell(r) {
  if (!r.reported) return 'nothing (no report)';
  const { unfinished, unstarted, succeeded, failed } = r.reported;
  return `${unfinished.length + unstarted.length}: unfinished ${spans(unfinished)}; unstarted ${spans(unstarted)} (report: ${succeeded} succeeded, ${failed} failed)`;
}

/**
 * Runs W4 and returns its markdown and its targets.
 *
 * @param {any} ctx - see run.mjs.
 */
export async function run(ctx) {
  const config = ctx.quick ? QUICK : FULL;
  const rows = ROWS.map((row) => ({ ...row, results: [] }));
  for (let i = 0; i < config.runs; i++) {
    for (const row of rows) {
      if (row.crashed || (row.once && i > 0)) continue;
      ctx.log(`[W4] ${row.label}: run ${i + 1}`);
      const job = {
        measure: 'seed',
        contender: row.contender,
        ...SEED,
        requests: row.requests,
        ms: config.ms,
        capMs: config.capMs,
      };
      const outcome = await ctx.child(job, config.capMs + 60_000);
      if (outcome.timedOut) row.crashed = 'killed (unresponsive)';
      else if (outcome.crashed) row.crashed = outcome.crashed;
      else row.results.push(outcome.result);
    }
  }

  const lines = rows.map((row) => {
    if (row.crashed)
      return [
        row.label,
        String(row.requests),
        `crashed: ${row.crashed.slice(0, 120)}`,
        '',
        '',
        '',
        '',
        '',
      ];
    const rs = row.results;
    const last = rs[rs.length - 1];
    const halt = rs.every((r) => r.halted)
      ? formatSpread(
          rs.map((r) => r.haltAfterFailureMs),
          formatMs,
        )
      : `never: no halt ${formatMs(config.capMs)} after the first failure`;
    return [
      row.label,
      String(row.requests),
      formatSpread(
        rs.map((r) => r.firstFailureMs),
        formatMs,
      ),
      halt,
      last.halted
        ? last.outcome.replace(/^errored: .*/, 'rejects with the first error')
        : 'still waiting (`await queue.put()`)',
      `${last.succeeded} of ${row.requests}`,
      reportCell(last),
      String(last.unhandled),
    ];
  });
  const markdown = [
    `### W4 the seed: ${SEED.requests} requests, those above ${SEED.healthy} fail, bufferSize ${SEED.queueSize}, concurrency ${SEED.workers}, ${formatMs(config.ms)} real timers each`,
    '',
    ctx.stamp(),
    '',
    `Halt: the contender's promise settles (rxjs: the \`error\` callback; the asyncio ports: \`main()\` returns). The asyncio ports keep the programs' structure (bounded \`Queue\` with a \`put\` that waits while full, workers that \`get\`, \`asyncio.wait(FIRST_EXCEPTION)\` and \`cancel()\` in the fix); a cancelled task's \`await\` rejects through an AbortSignal. Requests done: work that completed without failing by the halt (or by the cap). ${config.runs} fresh process(es) per row (the originals: 1, capped ${formatMs(config.capMs)} after the first failure).`,
    '',
    table(
      [
        'contender',
        'requests',
        'first failure at',
        'failure → halt',
        'outcome',
        'requests done',
        'reported not done',
        'unhandled rejections',
      ],
      lines,
    ),
  ].join('\n');

  const ours = rows.find((row) => row.ours);
  const problems = [];
  if (ours.crashed || ours.results.length === 0) problems.push('crashed');
  for (const r of ours.results) {
    if (!r.halted) problems.push('did not halt');
    else if (r.haltAfterFailureMs > config.ms / 2)
      problems.push(`halted ${formatMs(r.haltAfterFailureMs)} after the failure`);
    const rep = r.reported;
    const expectUnstarted = Array.from({ length: SEED.requests - 14 }, (_, i) => i + 14);
    if (!rep) problems.push('no report');
    else if (
      rep.succeeded !== 11 ||
      rep.failed !== 1 ||
      spans(rep.unfinished) !== '12, 13' ||
      spans(rep.unstarted) !== spans(expectUnstarted)
    ) {
      problems.push(`report ${reportCell(r)}`);
    }
  }
  const unique = [...new Set(problems)];
  const targets = [
    {
      name: 'W4 rxjs-pool halts at the first failure and reports 11 succeeded, 1 failed, 12 and 13 unfinished, 14–29 unstarted',
      met: unique.length === 0,
      detail: unique.length
        ? unique.join('; ')
        : ours.results.map((r) => formatMs(r.haltAfterFailureMs)).join(', ') +
          ' from the failure to the halt',
    },
  ];
  return { markdown, targets };
}
