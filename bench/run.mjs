// `npm run bench`: the benchmarks, one markdown table per workload, then whether each
// target is met. Every measurement runs in a fresh child process (bench/child.mjs).
//
//   npm run bench                      full run (about 15 minutes on 2 cores)
//   npm run bench -- --quick           small N, one run each: proves the bench still works (CI);
//                                      BENCH_QUICK=1 does the same
//   npm run bench -- --only w1,w3      some workloads only (w1, w1rx, w1push, w2, w3, w4, w5)
//   npm run bench -- --out FILE        also write the tables to FILE
//   npm run bench -- --readme FILE     also put them in FILE between <!-- bench:start/end -->
//   npm run bench -- --help            this text (an unknown flag is an error, not a full run)
//
// Targets are information: a missed target never fails the run. A crash (a child that dies, or
// a contender that returns the wrong count) does, with exit code 1.
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { environment, runChild } from './lib/harness.mjs';

const WORKLOADS = ['w1', 'w1rx', 'w1push', 'w2', 'w3', 'w4', 'w5'];

const args = process.argv.slice(2);
const HELP = `Usage: npm run bench [-- [--quick] [--only ${WORKLOADS.join(',')}] [--out FILE] [--readme FILE]]

  (no flags)     the full run: every workload, about 15 minutes on 2 cores
  --quick        small N, one run each: proves the bench still works (CI); BENCH_QUICK=1 too
  --only LIST    some workloads only, comma-separated: ${WORKLOADS.join(', ')}
  --out FILE     also write the tables to FILE (Prettier-formatted markdown)
  --readme FILE  also put the tables in FILE, between <!-- bench:start --> and <!-- bench:end -->
  --help         this text`;
if (args.includes('--help') || args.includes('-h')) {
  console.log(HELP);
  process.exit(0);
}
const FLAGS_WITH_VALUE = ['--only', '--out', '--readme'];
const badFlag = args.find((arg, i) =>
  FLAGS_WITH_VALUE.includes(args[i - 1])
    ? arg.startsWith('--')
    : arg !== '--quick' && (!FLAGS_WITH_VALUE.includes(arg) || args[i + 1] === undefined),
);
if (badFlag !== undefined) {
  console.error(`Unknown argument, or a flag without its value: ${badFlag}\n\n${HELP}`);
  process.exit(2);
}
const valueOf = (flag) => {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
};
const quick = args.includes('--quick') || /^(1|true|yes)$/i.test(process.env.BENCH_QUICK ?? '');
const only = valueOf('--only')?.split(',') ?? WORKLOADS;
const out = valueOf('--out');
const readme = valueOf('--readme');
const README_START = '<!-- bench:start -->';
const README_END = '<!-- bench:end -->';
if (readme) {
  let text = '';
  try {
    text = readFileSync(readme, 'utf8');
  } catch (error) {
    console.error(`--readme ${readme}: ${error.code ?? error}`);
    process.exit(2);
  }
  if (!text.includes(README_START) || !text.includes(README_END)) {
    console.error(`--readme ${readme}: no ${README_START} ... ${README_END} block to fill`);
    process.exit(2);
  }
}
const unknown = only.filter((name) => !WORKLOADS.includes(name));
if (unknown.length) {
  console.error(`Unknown workload(s): ${unknown.join(', ')}. Known: ${WORKLOADS.join(', ')}`);
  process.exit(2);
}

// The children import rxjs-pool by its package name, which resolves to dist/esm. Other work on
// this machine may rebuild dist/ while the bench runs, so the bench copies that build once, here,
// into node_modules/.cache and points every child at the copy (BENCH_RXJS_POOL).
let snapshot;
if (!process.env.BENCH_RXJS_POOL) {
  let entry;
  try {
    entry = fileURLToPath(import.meta.resolve('rxjs-pool'));
    await import('rxjs-pool');
  } catch (error) {
    console.error(`Cannot import rxjs-pool (${error.message}). Build it first: npm run build`);
    process.exit(1);
  }
  snapshot = join(
    dirname(fileURLToPath(import.meta.url)),
    '..',
    'node_modules',
    '.cache',
    `rxjs-pool-bench-${process.pid}`,
  );
  cpSync(dirname(entry), snapshot, { recursive: true });
  process.env.BENCH_RXJS_POOL = join(snapshot, basename(entry));
  process.on('exit', () => rmSync(snapshot, { recursive: true, force: true }));
}
try {
  await import('./lib/rxjsPool.mjs');
} catch (error) {
  console.error(`Cannot import rxjs-pool (${error.message}). Build it first: npm run build`);
  process.exit(1);
}

const crashes = [];
const started = performance.now();
const ctx = {
  quick,
  log: (line) => process.stderr.write(`${line}\n`),
  stamp: () => {
    const env = environment();
    const load = loadavg()[0].toFixed(1);
    return `${env.date} · Node ${env.node} · ${env.machine} · load average ${load} when the table was done`;
  },
  async child(job, capMs) {
    const outcome = await runChild(job, { capMs });
    if (outcome.crashed && !(outcome.outOfMemory && job.measure === 'memory')) {
      crashes.push(`${JSON.stringify(job)}: ${outcome.crashed}`);
      ctx.log(`  crashed: ${outcome.crashed}`);
    }
    return outcome;
  },
};

const command = `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`;
const sections = [
  `## Benchmarks${quick ? ' (quick mode: small N, proves the bench runs; the numbers mean nothing)' : ''}`,
  '',
  `Produced by \`${command}\`${sourceVersion()}.`,
];
console.log(sections.join('\n'));
const targets = [];
for (const name of WORKLOADS.filter((w) => only.includes(w))) {
  const workload = await import(`./workloads/${name}.mjs`);
  const result = await workload.run(ctx);
  sections.push('', result.markdown);
  console.log(`\n${result.markdown}`);
  targets.push(...result.targets);
}

/** `, rxjs-pool built from commit abc1234` (and whether src/ had uncommitted changes). */
function sourceVersion() {
  try {
    const git = (...argv) => execFileSync('git', argv, { encoding: 'utf8' }).trim();
    const commit = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--', 'src') !== '';
    return `, rxjs-pool built from commit ${commit}${dirty ? ' plus uncommitted changes in src/' : ''}`;
  } catch {
    return '';
  }
}

const mark = (t) => (t.met === null ? 'info' : t.met ? 'met' : 'MISSED');
const summary = [
  '',
  `### Targets${quick ? ' (quick mode: not judged)' : ''}`,
  '',
  ...targets.map(
    (t) => `- **${quick && t.met !== null ? 'not judged' : mark(t)}**: ${t.name}: ${t.detail}`,
  ),
  '',
  `Total ${((performance.now() - started) / 1000).toFixed(0)} s.`,
];
if (crashes.length)
  summary.push('', `**${crashes.length} crash(es):**`, ...crashes.map((c) => `- ${c}`));
sections.push(...summary);
console.log(summary.join('\n'));
// Written as Prettier would, so that the project's `prettier --check .` stays green.
async function writeFormatted(file, text) {
  const prettier = await import('prettier');
  const options = { ...(await prettier.resolveConfig(file)), filepath: file };
  writeFileSync(file, await prettier.format(text, options));
}
if (out) await writeFormatted(out, `${sections.join('\n')}\n`);
if (readme) {
  // The README's block gets everything but the heading: its section has its own.
  const text = readFileSync(readme, 'utf8');
  const before = text.slice(0, text.indexOf(README_START) + README_START.length);
  const after = text.slice(text.indexOf(README_END));
  await writeFormatted(readme, `${before}\n\n${sections.slice(2).join('\n')}\n\n${after}`);
}
process.exitCode = crashes.length ? 1 : 0;
