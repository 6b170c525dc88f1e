// W3: `n` items, work a 1 ms timer that honours its signal, item `failAt` fails. Measures what
// happens between that failure and the consumer seeing the error, and what keeps running after.
// The same scenario first runs `warmRounds` times in this process (each with a fresh source and
// pipeline, waiting until all its work is quiet), so that the measured round times warm code, not
// the first compilation of each error path. The measured round is last; its result line is written
// when the process exits, so that work still running after the error is counted too.
/* global setTimeout, queueMicrotask */
import { writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { signalOf, sleep } from '../lib/works.mjs';

/**
 * `epoch` counts the microtask checkpoints between the events we stamp: two events with the same
 * epoch ran in one synchronous stretch, with no queued microtask run in between.
 */
let epoch = 0;
let bumpQueued = false;
function stamp() {
  if (!bumpQueued) {
    bumpQueued = true;
    queueMicrotask(() => {
      bumpQueued = false;
      epoch++;
    });
  }
  return { at: performance.now(), epoch };
}

let lastActivity = 0;

/**
 * One run of the scenario through `contender`.
 *
 * @returns {object} the round's live state, read when it is over.
 */
function round(contender, { n, concurrency, failAt }) {
  const state = {
    failure: undefined, // stamp of the failing work's reject
    seen: undefined, // stamp of the consumer seeing the error
    seenError: undefined,
    finalized: undefined, // stamp of the generator's finally
    started: 0,
    startsAfterFailure: 0,
    timersAfterSeen: 0,
    inFlight: new Set(),
    inFlightAtFailure: [],
    aborts: [], // stamps of aborts of calls that were in flight at the failure
    settled: undefined,
  };

  function* source() {
    try {
      for (let i = 0; i < n; i++) yield i;
    } finally {
      state.finalized = stamp();
    }
  }

  const work = async (item, extra) => {
    const signal = signalOf(extra);
    lastActivity = performance.now();
    state.started++;
    if (state.failure) state.startsAfterFailure++;
    const call = {};
    state.inFlight.add(call);
    const onAbort = () => {
      if (state.inFlightAtFailure.includes(call)) state.aborts.push(stamp());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await sleep(1, signal, () => {
        lastActivity = performance.now();
        if (state.seen) state.timersAfterSeen++;
        if (item === failAt) {
          state.inFlightAtFailure = [...state.inFlight].filter((other) => other !== call);
          state.failure = stamp();
        }
      });
      if (item === failAt) throw new Error(`item ${failAt} failed`);
      return item;
    } finally {
      state.inFlight.delete(call);
      signal?.removeEventListener('abort', onAbort);
    }
  };

  const onError = (error) => {
    if (state.seen) return;
    state.seen = stamp();
    state.seenError = error;
  };

  state.settled = contender.run(source(), work, { concurrency, signal: true, onError }).then(
    () => {},
    () => {},
  );
  return state;
}

/** Resolves once the round settled and no work started or ended for 20 ms. */
async function quiet(state) {
  await state.settled;
  while (state.inFlight.size > 0 || performance.now() - lastActivity < 20) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function summary(state, failAt, unhandled, exited) {
  const { failure, seen, finalized, aborts, inFlightAtFailure } = state;
  return {
    sawError: seen !== undefined,
    sameError:
      state.seenError instanceof Error && state.seenError.message === `item ${failAt} failed`,
    usToError: seen && failure ? (seen.at - failure.at) * 1000 : null,
    started: state.started,
    startsAfterFailure: state.startsAfterFailure,
    finalized: !finalized
      ? 'never'
      : failure && finalized.at < failure.at
        ? 'before the failure (source exhausted)'
        : seen && finalized.at <= seen.at
          ? 'before the error'
          : 'after the error',
    inFlightAtFailure: inFlightAtFailure.length,
    abortedBeforeError: aborts.filter((a) => seen && a.at <= seen.at).length,
    abortedAfterError: aborts.filter((a) => !seen || a.at > seen.at).length,
    sameTick:
      seen !== undefined &&
      finalized !== undefined &&
      (finalized.at < failure.at || finalized.epoch === seen.epoch) &&
      aborts.length === inFlightAtFailure.length &&
      aborts.every((a) => a.epoch === seen.epoch),
    unhandled,
    timersAfterError: state.timersAfterSeen,
    lingerMs: seen ? exited - seen.at : null,
  };
}

/**
 * @param {object} job
 * @param {string} job.contender - file name in bench/contenders, without `.mjs`.
 * @param {number} job.n - items.
 * @param {number} job.concurrency
 * @param {number} job.failAt - the item whose work fails.
 * @param {number} job.warmRounds - unmeasured rounds first.
 */
export async function measure(job) {
  const contender = (await import(`../contenders/${job.contender}.mjs`)).default;
  let unhandled = 0;
  process.on('unhandledRejection', () => unhandled++);

  for (let i = 0; i < job.warmRounds; i++) await quiet(round(contender, job));
  const unhandledBefore = unhandled;
  const state = round(contender, job);
  process.on('exit', () => {
    const result = summary(state, job.failAt, unhandled - unhandledBefore, performance.now());
    result.warmUnhandled = unhandledBefore;
    writeSync(1, `RESULT ${JSON.stringify(result)}\n`);
  });
  return undefined;
}
