import { of, take } from 'rxjs';
import { channel, ChannelClosedError, poolFrom, poolSource } from '../../src/index.js';
import type { Channel, PoolReport, PoolSource } from '../../src/index.js';
import { eventLoopTurns, flushMicrotasks } from '../helpers/eventLoop.js';

/** Follows a promise without handling it for anyone else. */
function track<V>(promise: Promise<V>): {
  state: 'pending' | 'resolved' | 'rejected';
  error?: unknown;
} {
  const tracked: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = {
    state: 'pending',
  };
  promise.then(
    () => (tracked.state = 'resolved'),
    (error: unknown) => {
      tracked.state = 'rejected';
      tracked.error = error;
    },
  );
  return tracked;
}

function consumerOf<T>(ch: AsyncIterable<T>): AsyncIterator<T, undefined> {
  return ch[Symbol.asyncIterator]() as AsyncIterator<T, undefined>;
}

/** The channel opened as a pool opens it: a PoolSource whose target takes nothing. */
function pooledSourceOf<T>(ch: Channel<T>): PoolSource<T> {
  return ch[poolSource]({
    next: () => true,
    ready: () => undefined,
    complete: () => undefined,
    error: () => undefined,
  });
}

describe('channel', () => {
  describe('put', () => {
    it('stays pending until the consumer takes the item', async () => {
      const ch = channel<string>();
      const it = consumerOf(ch);
      const put = track(ch.put('a'));
      await flushMicrotasks(10);
      expect(put.state).toBe('pending');

      await expect(it.next()).resolves.toEqual({ done: false, value: 'a' });
      await flushMicrotasks(10);
      expect(put.state).toBe('resolved');
    });

    it('hands the item to a consumer that is already waiting and resolves', async () => {
      const ch = channel<string>();
      const it = consumerOf(ch);
      const next = it.next();
      const put = track(ch.put('a'));
      await expect(next).resolves.toEqual({ done: false, value: 'a' });
      await flushMicrotasks(10);
      expect(put.state).toBe('resolved');
    });

    it('delivers items in the order they were put', async () => {
      const ch = channel<number>();
      const it = consumerOf(ch);
      void ch.put(1);
      void ch.put(2);
      const first = it.next();
      void ch.put(3);
      const taken = [await first, await it.next(), await it.next()].map((r) => r.value);
      expect(taken).toEqual([1, 2, 3]);
    });

    it('resolves only the puts whose items were taken', async () => {
      const ch = channel<number>();
      const it = consumerOf(ch);
      const puts = [1, 2, 3].map((n) => track(ch.put(n)));
      await it.next();
      await flushMicrotasks(10);
      expect(puts.map((p) => p.state)).toEqual(['resolved', 'pending', 'pending']);
    });
  });

  describe('close', () => {
    it('ends the consumer once the items already put are delivered', async () => {
      const ch = channel<number>();
      const it = consumerOf(ch);
      const put = track(ch.put(1));
      ch.close();
      await expect(it.next()).resolves.toEqual({ done: false, value: 1 });
      await expect(it.next()).resolves.toEqual({ done: true, value: undefined });
      await flushMicrotasks(10);
      expect(put.state).toBe('resolved');
    });

    it('ends a consumer that is already waiting', async () => {
      const ch = channel<number>();
      const it = consumerOf(ch);
      const next = it.next();
      ch.close();
      await expect(next).resolves.toEqual({ done: true, value: undefined });
    });

    it('refuses every later put with a ChannelClosedError that has no cause', async () => {
      const ch = channel<number>();
      ch.close();
      const error = await ch.put(7).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect(error).toMatchObject({ name: 'ChannelClosedError', item: 7 });
      expect((error as Error).cause).toBeUndefined();
      expect((error as Error).message).toMatch(/close\(\)/);
    });

    it('may be called twice', async () => {
      const ch = channel<number>();
      const it = consumerOf(ch);
      ch.close();
      ch.close();
      await expect(it.next()).resolves.toEqual({ done: true, value: undefined });
    });
  });

  describe('release by the pool', () => {
    it('rejects pending puts with the halting error as cause', async () => {
      const ch = channel<number>();
      const source = pooledSourceOf(ch);
      const put = track(ch.put(1));
      const boom = new Error('boom');
      source.release(boom);
      await flushMicrotasks(10);
      expect(put.state).toBe('rejected');
      expect(put.error).toBeInstanceOf(ChannelClosedError);
      expect((put.error as Error).cause).toBe(boom);
      expect((put.error as ChannelClosedError).item).toBe(1);
    });

    it('rejects every later put with the halting error as cause', async () => {
      const ch = channel<number>();
      const source = pooledSourceOf(ch);
      const boom = new Error('boom');
      source.release(boom);
      const put = track(ch.put(2));
      await flushMicrotasks(10);
      expect(put.state).toBe('rejected');
      expect((put.error as Error).cause).toBe(boom);
    });

    it('rejects pending puts without a cause when released by return() alone (stop, unsubscribe)', async () => {
      const ch = channel<number>();
      const it = consumerOf(ch);
      const put = track(ch.put(1));
      await expect(it.return!()).resolves.toEqual({ done: true, value: undefined });
      await flushMicrotasks(10);
      expect(put.state).toBe('rejected');
      expect(put.error).toBeInstanceOf(ChannelClosedError);
      expect('cause' in (put.error as Error)).toBe(false);
      expect((put.error as Error).message).toMatch(/stopped or was unsubscribed/);
    });

    it('rejects a pending put when stop emits at subscription, before the pool takes anything', async () => {
      const ch = channel<number>();
      const put = track(ch.put(1));
      const reports: PoolReport<number>[] = [];
      poolFrom(ch, (n: number) => Promise.resolve(n), {
        concurrency: 1,
        stop: of(true),
        onFinalize: (report) => reports.push(report),
      }).subscribe();
      await flushMicrotasks(10);
      expect(reports.map((r) => r.reason)).toEqual(['stopped']);
      expect(put.state).toBe('rejected');
      expect(put.error).toBeInstanceOf(ChannelClosedError);
    });

    it('rejects a pending put with the reason as cause when the signal is already aborted', async () => {
      const ch = channel<number>();
      const put = track(ch.put(1));
      const reason = new Error('aborted before the pool started');
      poolFrom(ch, (n: number) => Promise.resolve(n), {
        concurrency: 1,
        signal: AbortSignal.abort(reason),
      }).subscribe({ error: () => undefined });
      await flushMicrotasks(10);
      expect(put.state).toBe('rejected');
      expect((put.error as Error).cause).toBe(reason);
    });

    it("keeps the pool's reason as the cause once the release has called return()", async () => {
      const ch = channel<number>();
      const source = pooledSourceOf(ch);
      const boom = new Error('boom');
      source.release(boom);
      const put = track(ch.put(1));
      await flushMicrotasks(10);
      expect((put.error as Error).cause).toBe(boom);
    });

    it('ends a next() that was waiting', async () => {
      const ch = channel<number>();
      const it = consumerOf(ch);
      const next = it.next();
      await it.return!();
      await expect(next).resolves.toEqual({ done: true, value: undefined });
      await expect(it.next()).resolves.toEqual({ done: true, value: undefined });
    });

    it('refuses an item handed over when the consumer releases before it reads the answer', async () => {
      const ch = channel<number>();
      const it = consumerOf(ch);
      const next = it.next();
      const put = track(ch.put(1));
      await it.return!(); // same call stack: the consumer never got to read the answer
      await next;
      await flushMicrotasks(10);
      expect(put.state).toBe('rejected');
    });

    it('resolves an item handed over when the consumer releases while reading the answer', async () => {
      const ch = channel<number>();
      const it = consumerOf(ch);
      const released = it.next().then(() => it.return!()); // the consumer took it, then halted
      const put = track(ch.put(1));
      await released;
      await flushMicrotasks(10);
      expect(put.state).toBe('resolved');
    });

    it('refuses a queued item when the consumer releases before it reads the answer', async () => {
      const ch = channel<number>();
      const it = consumerOf(ch);
      const put = track(ch.put(1));
      const next = it.next();
      await it.return!();
      await next;
      await flushMicrotasks(10);
      expect(put.state).toBe('rejected');
    });

    // Jest 30 fails the running test on any unhandled rejection that surfaces while it runs (its
    // sandboxed `process` never receives 'unhandledRejection', so a listener there would see
    // nothing): this test fails if either refused put below goes unhandled.
    it('does not crash the process with a refused put that nobody awaits', async () => {
      const ch = channel<number>();
      const source = pooledSourceOf(ch);
      const pending = ch.put(1);
      source.release(new Error('boom'));
      const afterRelease = ch.put(2);
      await eventLoopTurns(2);
      // Looked at only now: a handler attached here would come too late to hide an unhandled one.
      const states = [track(pending), track(afterRelease)];
      await flushMicrotasks(2);
      expect(states.map((put) => put.state)).toEqual(['rejected', 'rejected']);
    });
  });

  describe('consumer', () => {
    it('has a single consumer: a second iterator is refused with a TypeError', () => {
      const ch = channel<number>();
      ch[Symbol.asyncIterator]();
      expect(() => ch[Symbol.asyncIterator]()).toThrow(TypeError);
      expect(() => ch[Symbol.asyncIterator]()).toThrow(/already has a consumer/);
    });

    it('refuses a second next() while the first is waiting', async () => {
      const ch = channel<number>();
      const it = consumerOf(ch);
      void it.next();
      await expect(it.next()).rejects.toThrow(TypeError);
    });

    it('feeds a for-await loop, and a break in it refuses later puts', async () => {
      const ch = channel<number>();
      const seen: number[] = [];
      const loop = (async () => {
        for await (const n of ch) {
          seen.push(n);
          if (n === 2) break;
        }
      })();
      await ch.put(1);
      await ch.put(2);
      await loop;
      await expect(ch.put(3)).rejects.toBeInstanceOf(ChannelClosedError);
      expect(seen).toEqual([1, 2]);
    });
  });

  describe('ChannelClosedError', () => {
    it('is an Error named ChannelClosedError, which names the refused item, from a put after close', async () => {
      const ch = channel<string>();
      ch.close();
      const error: unknown = await ch.put('x').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).name).toBe('ChannelClosedError');
      expect((error as ChannelClosedError<string>).item).toBe('x');
      expect(String(error)).toMatch(/^ChannelClosedError: /);
    });
  });
});

/** A piece of work that ends when the test says so: one "500 ms" step of the seed program. */
interface Running {
  readonly request: number;
  readonly resolve: (value: number) => void;
  readonly reject: (error: Error) => void;
}

interface SeedScenario {
  requests: number;
  healthy: number;
  bufferSize: number;
  concurrency: number;
}

interface SeedOutcome {
  producer: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown };
  putsTaken: number;
  poolEnded: boolean;
  poolError: unknown;
  report: PoolReport<number> | undefined;
  steps: number;
}

/**
 * The seed program rewritten with a channel: a producer `for (const r of requests) await
 * ch.put(r)`, a pool of `concurrency` workers with a `bufferSize` queue, requests above `healthy`
 * fail. Time is a sequence of steps: in each one, every work that was running at its start ends
 * (in start order), as with the seed's 500 ms sleeps.
 */
async function runSeedWithChannel(scenario: SeedScenario): Promise<SeedOutcome> {
  const { requests, healthy, bufferSize, concurrency } = scenario;
  const ch = channel<number>();
  const running: Running[] = [];
  const outcome: SeedOutcome = {
    producer: { state: 'pending' },
    putsTaken: 0,
    poolEnded: false,
    poolError: undefined,
    report: undefined,
    steps: 0,
  };
  poolFrom(
    ch,
    (request: number) =>
      new Promise<number>((resolve, reject) => running.push({ request, resolve, reject })),
    { concurrency, bufferSize, onFinalize: (report) => (outcome.report = report) },
  ).subscribe({
    error: (error: unknown) => {
      outcome.poolEnded = true;
      outcome.poolError = error;
    },
    complete: () => (outcome.poolEnded = true),
  });
  outcome.producer = track(
    (async () => {
      for (let r = 0; r < requests; r++) {
        await ch.put(r);
        outcome.putsTaken++;
      }
      ch.close();
    })(),
  );
  await eventLoopTurns(1);
  // Enough steps for every request to run one after the other, and then some.
  for (let step = 0; step < requests + 3; step++) {
    if (outcome.poolEnded && outcome.producer.state !== 'pending') break;
    outcome.steps++;
    for (const work of running.splice(0)) {
      if (work.request > healthy) {
        work.reject(new Error(`Breaking thing in make requests with request=${work.request}`));
      } else {
        work.resolve(work.request);
      }
    }
    await eventLoopTurns(1);
  }
  return outcome;
}

const grid: SeedScenario[] = [];
for (const requests of [0, 1, 5, 12, 30]) {
  for (const healthy of [-1, 0, 3, 10, 100]) {
    for (const bufferSize of [0, 1, 19, Infinity]) {
      for (const concurrency of [1, 2, 3, Infinity]) {
        grid.push({ requests, healthy, bufferSize, concurrency });
      }
    }
  }
}

describe('the seed program with a channel', () => {
  it.each(grid)(
    'ends the producer loop: requests $requests, healthy $healthy, bufferSize $bufferSize, concurrency $concurrency',
    async (scenario) => {
      const outcome = await runSeedWithChannel(scenario);
      const failing = scenario.requests > scenario.healthy + 1;

      expect(outcome.producer.state).not.toBe('pending');
      expect(outcome.poolEnded).toBe(true);
      if (failing) {
        expect(outcome.poolError).toBeInstanceOf(Error);
        expect((outcome.poolError as Error).message).toMatch(
          new RegExp(`request=${scenario.healthy + 1}$`),
        );
      } else {
        expect(outcome.poolError).toBeUndefined();
        expect(outcome.producer.state).toBe('resolved');
      }
      if (outcome.producer.state === 'rejected') {
        expect(outcome.producer.error).toBeInstanceOf(ChannelClosedError);
        expect((outcome.producer.error as Error).cause).toBe(outcome.poolError);
      }
    },
  );

  it.each(grid)(
    'accounts for every put: requests $requests, healthy $healthy, bufferSize $bufferSize, concurrency $concurrency',
    async (scenario) => {
      const outcome = await runSeedWithChannel(scenario);
      const report = outcome.report!;

      expect(report.accepted).toBe(outcome.putsTaken);
      expect(
        report.succeeded + report.failed + report.unstarted.length + report.unfinished.length,
      ).toBe(report.accepted);
      expect(report.succeeded).toBe(Math.min(scenario.requests, scenario.healthy + 1));
      // The producer stops at its first refused put; every request before it was taken.
      const refused = outcome.producer.state === 'rejected' ? 1 : 0;
      expect(outcome.putsTaken + refused).toBeLessThanOrEqual(scenario.requests);
    },
  );

  it('matches the seed run: 30 requests, 10 healthy, bufferSize 19, concurrency 3', async () => {
    const outcome = await runSeedWithChannel({
      requests: 30,
      healthy: 10,
      bufferSize: 19,
      concurrency: 3,
    });
    const report = outcome.report!;

    // As in the seed's output, the queue never fills up: the producer gets all 30 in and ends.
    expect(outcome.producer.state).toBe('resolved');
    expect(report).toMatchObject({ reason: 'error', accepted: 30, succeeded: 11, failed: 1 });
    expect(report.unfinished).toEqual([12, 13]);
    expect(report.unstarted).toEqual(range(14, 30));
  });

  it('refuses the producer at the bound when the pool halts early: 30 requests, none healthy', async () => {
    const outcome = await runSeedWithChannel({
      requests: 30,
      healthy: -1,
      bufferSize: 19,
      concurrency: 3,
    });

    expect(outcome.producer.state).toBe('rejected');
    // 3 running + 19 waiting were taken; the 23rd put waited and was refused.
    expect(outcome.putsTaken).toBe(22);
    expect((outcome.producer.error as ChannelClosedError).item).toBe(22);
    expect(outcome.report).toMatchObject({ accepted: 22, failed: 1, unfinished: [1, 2] });
  });

  it('refuses the pending put without a cause when the consumer unsubscribes', async () => {
    const ch = channel<number>();
    const got: number[] = [];
    poolFrom(ch, async (n: number) => n, { concurrency: 1 })
      .pipe(take(2))
      .subscribe((n) => got.push(n));
    const producer = track(
      (async () => {
        for (let r = 0; ; r++) await ch.put(r);
      })(),
    );
    for (let i = 0; i < 20 && producer.state === 'pending'; i++) await eventLoopTurns(1);
    expect(got).toEqual([0, 1]);
    expect(producer.state).toBe('rejected');
    expect(producer.error).toBeInstanceOf(ChannelClosedError);
    expect((producer.error as Error).cause).toBeUndefined();
  });

  it('completes the pool after the items put before close()', async () => {
    const ch = channel<number>();
    const got: number[] = [];
    let report: PoolReport<number> | undefined;
    const done = new Promise<void>((resolve) =>
      poolFrom(ch, async (n: number) => n * 10, {
        concurrency: 2,
        onFinalize: (r) => (report = r),
      }).subscribe({ next: (n) => got.push(n), complete: resolve }),
    );
    const puts = [ch.put(1), ch.put(2), ch.put(3)];
    ch.close();
    await Promise.all(puts);
    await done;
    expect(got.sort()).toEqual([10, 20, 30]);
    expect(report).toMatchObject({ reason: 'complete', accepted: 3, succeeded: 3 });
  });

  it('refuses the pending put without a cause when the pool stops', async () => {
    const ch = channel<number>();
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    let report: PoolReport<number> | undefined;
    poolFrom(ch, async (n: number) => n, {
      concurrency: 1,
      stop: stopped,
      onFinalize: (r) => (report = r),
    }).subscribe();
    const producer = track(
      (async () => {
        for (let r = 0; ; r++) {
          await ch.put(r);
          if (r === 3) stop();
        }
      })(),
    );
    for (let i = 0; i < 20 && producer.state === 'pending'; i++) await eventLoopTurns(1);
    expect(producer.state).toBe('rejected');
    expect((producer.error as Error).cause).toBeUndefined();
    await eventLoopTurns(1);
    expect(report?.reason).toBe('stopped');
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}
