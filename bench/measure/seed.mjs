// W4, the seed question: `requests` requests, those above `healthy` fail, `workers` workers, a
// queue of `queueSize`, each request `ms` of real timer. Time from the first failure to the halt
// (the contender's promise settling), and which requests the contender reports as not done.
/* global setTimeout */
import { performance } from 'node:perf_hooks';
import { signalOf, sleep } from '../lib/works.mjs';

/**
 * @param {object} job
 * @param {string} job.contender - file name in bench/contenders, without `.mjs`.
 * @param {number} job.requests
 * @param {number} job.healthy - requests above this number fail.
 * @param {number} job.workers - concurrency.
 * @param {number} job.queueSize - bufferSize.
 * @param {number} job.ms - each request's duration.
 * @param {number} job.capMs - how long after the first failure to wait for a halt.
 */
export async function measure(job) {
  const contender = (await import(`../contenders/${job.contender}.mjs`)).default;
  const started = performance.now();
  let firstFailure;
  let succeeded = 0;
  let unhandled = 0;
  let report;
  process.on('unhandledRejection', () => unhandled++);

  const work = async (request, extra) => {
    await sleep(job.ms, signalOf(extra));
    if (request > job.healthy) {
      firstFailure ??= performance.now();
      throw new Error(`Breaking thing in make requests with request=${request}`);
    }
    succeeded++;
    return request;
  };
  const requests = Array.from({ length: job.requests }, (_, i) => i);

  let halted;
  const capped = new Promise((resolve) => {
    const check = () => {
      if (firstFailure !== undefined && performance.now() - firstFailure >= job.capMs) resolve();
      else setTimeout(check, 20);
    };
    check();
  });
  const run = contender
    .run(requests, work, {
      concurrency: job.workers,
      bufferSize: job.queueSize,
      onFinalize: (r) => (report = r),
    })
    .then(
      (value) => (value === undefined ? 'returns None' : `returns ${value}`),
      (error) => `errored: ${error?.message ?? error}`,
    )
    .then((outcome) => {
      halted = { at: performance.now(), outcome };
    });
  await Promise.race([run, capped]);

  return {
    firstFailureMs: firstFailure === undefined ? null : firstFailure - started,
    halted: halted !== undefined,
    outcome: halted?.outcome ?? null,
    haltAfterFailureMs: halted && firstFailure !== undefined ? halted.at - firstFailure : null,
    succeeded,
    reported: report
      ? {
          succeeded: report.succeeded,
          failed: report.failed,
          unfinished: report.unfinished,
          unstarted: report.unstarted,
        }
      : null,
    unhandled,
  };
}
