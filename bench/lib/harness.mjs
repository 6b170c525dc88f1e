// The parent side: fresh child processes, a time cap, statistics and markdown.
/* global URL, setTimeout, clearTimeout */
import { spawn } from 'node:child_process';
import { cpus, platform, arch, totalmem, release } from 'node:os';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('../child.mjs', import.meta.url));

/**
 * Runs one job in a fresh `node` process (with --expose-gc) and parses its `RESULT` line.
 *
 * @param {object} job - handed to bench/child.mjs as JSON.
 * @param {{ capMs: number }} options - the child is killed after `capMs`.
 * @returns {Promise<{ result?: any; timedOut: boolean; crashed?: string; outOfMemory?: boolean; wallMs: number }>}
 */
export function runChild(job, { capMs }) {
  return new Promise((resolve) => {
    const startedAt = Date.now();
    const child = spawn(process.execPath, ['--expose-gc', CHILD, JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, capMs);
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallMs = Date.now() - startedAt;
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (timedOut) resolve({ timedOut, wallMs });
      else if (code !== 0 || line === undefined) {
        const why = signal ? `killed by ${signal}` : `exit code ${code}`;
        // The error's own line (`Error: ...`) says more than the end of its stack.
        const lines = stderr.trim().split('\n');
        const message = lines.find((l) => /^\s*\w*Error\b/.test(l)) ?? lines.at(-1) ?? '';
        // V8 aborting at its heap limit is what a contender that holds every item comes to: a
        // memory measurement reports it as a result, not as a crash of the bench.
        const outOfMemory = /JavaScript heap out of memory|Reached heap limit/.test(stderr);
        resolve({ timedOut, wallMs, outOfMemory, crashed: `${why}: ${message.trim()}` });
      } else resolve({ timedOut, wallMs, result: JSON.parse(line.slice('RESULT '.length)) });
    });
  });
}

/**
 * Median, smallest and largest of some numbers.
 *
 * @param {number[]} values - at least one.
 * @returns {{ median: number; min: number; max: number; count: number }}
 */
export function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], count: sorted.length };
}

/** `123 ms`, `1.23 s`. */
export function formatMs(ms) {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

/** `1.23x`. */
export function formatRatio(ratio) {
  return ratio >= 100
    ? `${ratio.toFixed(0)}x`
    : ratio >= 10
      ? `${ratio.toFixed(1)}x`
      : `${ratio.toFixed(2)}x`;
}

/** `median (min–max)` of `values` in a given format; just the value when there is one. */
export function formatSpread(values, format) {
  const s = stats(values);
  if (s.count === 1) return format(s.median);
  return `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}

/** `1,000,000`. */
export function formatCount(n) {
  return n.toLocaleString('en-US');
}

/**
 * A markdown table.
 *
 * @param {string[]} headers
 * @param {string[][]} rows
 */
export function table(headers, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The date, Node version and machine, for each table's heading. */
export function environment() {
  const cpuList = cpus();
  const model = cpuList[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  const memory = (totalmem() / 1024 ** 3).toFixed(1);
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    node: process.version,
    machine: `${platform()} ${release()} ${arch()}, ${cpuList.length} × ${model}, ${memory} GiB`,
  };
}
