import { Readable } from 'node:stream';
import { NEVER, Observable, Subject, lastValueFrom, observable, of, take, toArray } from 'rxjs';
import type { ObservableInput } from 'rxjs';
import { BufferOverflowError, poolFrom } from '../src/index.js';
import { eventLoopTurns } from './helpers/eventLoop.js';
import { newScheduler } from './helpers/marbles.js';
import { reportCollector } from './helpers/reports.js';

/** A generator of 0..n-1 that counts what it yields and whether its `finally` ran. */
function countingGenerator(n: number, onPull: (item: number) => void = () => undefined) {
  const stats = { pulled: 0, finallyRan: 0 };
  const iterator = (function* () {
    try {
      for (let i = 0; i < n; i++) {
        stats.pulled++;
        onPull(i);
        yield i;
      }
    } finally {
      stats.finallyRan++;
    }
  })();
  return { stats, iterator };
}

/** Work whose inner for each item is a Subject the test completes or errors by hand. */
function manualWork() {
  const inners = new Map<number, Subject<number>>();
  const calls: number[] = [];
  const work = (item: number): ObservableInput<number> => {
    calls.push(item);
    const inner = new Subject<number>();
    inners.set(item, inner);
    return inner;
  };
  return { inners, calls, work };
}

/** An async iterator whose `next()` calls the test answers by hand; counts pending calls. */
class ManualAsyncIterator implements AsyncIterableIterator<number> {
  readonly waiting: Array<(result: IteratorResult<number>) => void> = [];
  maxPending = 0;
  nextCalls = 0;
  returnCalls = 0;

  next(): Promise<IteratorResult<number>> {
    this.nextCalls++;
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.maxPending = Math.max(this.maxPending, this.waiting.length);
    });
  }

  return(): Promise<IteratorResult<number>> {
    this.returnCalls++;
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Answers the oldest pending `next()` with `value`; false if none is pending. */
  answer(value: number): boolean {
    const resolve = this.waiting.shift();
    if (resolve === undefined) return false;
    resolve({ value, done: false });
    return true;
  }
}

describe('poolFrom', () => {
  describe('sync pull sources', () => {
    it('pulls a sync iterable (a Set) and completes with every result', async () => {
      const result = await lastValueFrom(
        poolFrom(new Set([1, 2, 3, 4]), (x: number) => of(x * 10), { concurrency: 2 }).pipe(
          toArray(),
        ),
      );
      expect(result).toEqual([10, 20, 30, 40]);
    });

    it('pulls an array one item per freed slot, in the same frame as the slot frees', () => {
      newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const a = cold('  --x|');
        const aSubs = '   ^--!';
        const b = cold('  ----y|');
        const bSubs = '   ^----!';
        const c = cold('     --z|');
        const cSubs = '   ---^--!';
        const d = cold('       -w|');
        const dSubs = '   -----^-!';
        const expected = '--x-yzw|';
        const inners = { a, b, c, d };
        type Key = keyof typeof inners;
        const result = poolFrom(['a', 'b', 'c', 'd'] as Key[], (k) => inners[k], {
          concurrency: 2,
        });
        expectObservable(result).toBe(expected);
        expectSubscriptions(a.subscriptions).toBe(aSubs);
        expectSubscriptions(b.subscriptions).toBe(bSubs);
        expectSubscriptions(c.subscriptions).toBe(cSubs);
        expectSubscriptions(d.subscriptions).toBe(dSubs);
      });
    });

    it.each([[undefined], [null], [42]])(
      "fails with a TypeError when a sync iterator's next() returns %p, not an object",
      (answer) => {
        const iterable = {
          [Symbol.iterator]: () => ({ next: () => answer as unknown as IteratorResult<number> }),
        };
        const errors: unknown[] = [];
        const collector = reportCollector<number>();
        poolFrom(iterable, (n: number) => of(n), {
          concurrency: 1,
          onFinalize: collector.onFinalize,
        }).subscribe({ error: (e: unknown) => errors.push(e) });
        expect(errors).toHaveLength(1);
        expect(errors[0]).toBeInstanceOf(TypeError);
        expect((errors[0] as Error).message).toBe(
          `Iterator result ${String(answer)} is not an object`,
        );
        expect(collector.reports[0]).toMatchObject({ reason: 'error', accepted: 0 });
      },
    );

    it('pulls nothing before it is subscribed', () => {
      const { stats, iterator } = countingGenerator(5);
      const pooled = poolFrom(iterator, (x: number) => of(x), { concurrency: 2 });
      expect(stats.pulled).toBe(0);
      pooled.subscribe();
      expect(stats.pulled).toBe(5);
    });

    it('pulls an array lazily: a halt at the first failure leaves the rest unaccepted', () => {
      const { inners, work } = manualWork();
      const collector = reportCollector<number>();
      const error = new Error('item 0 failed');
      const errors: unknown[] = [];
      poolFrom([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], work, {
        concurrency: 2,
        onFinalize: collector.onFinalize,
      }).subscribe({ error: (e) => errors.push(e) });
      inners.get(0)!.error(error);
      expect(errors).toEqual([error]);
      expect(collector.reports[0]).toMatchObject({
        reason: 'error',
        accepted: 2,
        failed: 1,
        unstarted: [],
        unfinished: [1],
      });
    });

    it('defaults a pull source to bufferSize 0: pulls only as many items as workers', () => {
      const { stats, iterator } = countingGenerator(100);
      poolFrom(iterator, () => NEVER, { concurrency: 3 }).subscribe();
      expect(stats.pulled).toBe(3);
    });

    it('pulls ahead up to concurrency + bufferSize items', () => {
      const { stats, iterator } = countingGenerator(100);
      const { calls, work } = manualWork();
      poolFrom(iterator, work, { concurrency: 2, bufferSize: 3 }).subscribe();
      expect(stats.pulled).toBe(5);
      expect(calls).toEqual([0, 1]);
    });

    it('never holds more than concurrency + bufferSize items pulled and not finished', () => {
      const bound = 2 + 3;
      let finished = 0;
      let maxAhead = 0;
      const { stats, iterator } = countingGenerator(40, () => {
        maxAhead = Math.max(maxAhead, stats.pulled - finished);
      });
      const { inners, work } = manualWork();
      const results: number[] = [];
      let completed = false;
      poolFrom(iterator, work, { concurrency: 2, bufferSize: 3 }).subscribe({
        next: (v) => results.push(v),
        complete: () => (completed = true),
      });
      // Finish the running items one at a time, the later-started one first when two run.
      for (let round = 0; round < 40 && !completed; round++) {
        const running = [...inners.entries()].filter(([, s]) => !s.closed && s.observed);
        const [item, inner] = running[running.length - 1];
        inner.next(item);
        finished++;
        inner.complete();
      }
      expect(completed).toBe(true);
      expect(results).toHaveLength(40);
      expect(maxAhead).toBeLessThanOrEqual(bound);
      expect(maxAhead).toBe(bound);
    });

    it('pulls the next item synchronously, in the call stack in which a worker slot frees', () => {
      let insideComplete = false;
      const pulledInside: number[] = [];
      const { iterator } = countingGenerator(3, (item) => {
        if (insideComplete) pulledInside.push(item);
      });
      const { inners, calls, work } = manualWork();
      poolFrom(iterator, work, { concurrency: 1 }).subscribe();
      expect(calls).toEqual([0]);
      insideComplete = true;
      inners.get(0)!.complete();
      insideComplete = false;
      expect(pulledInside).toEqual([1]);
      expect(calls).toEqual([0, 1]);
    });

    it("runs a generator's finally when the pool halts, before the error reaches downstream", () => {
      const log: string[] = [];
      const iterator = (function* () {
        try {
          for (let i = 0; i < 100; i++) yield i;
        } finally {
          log.push('generator finally');
        }
      })();
      const { inners, work } = manualWork();
      poolFrom(iterator, work, {
        concurrency: 2,
        onFinalize: () => log.push('onFinalize'),
      }).subscribe({ error: () => log.push('downstream error') });
      inners.get(1)!.error(new Error('item 1 failed'));
      expect(log).toEqual(['generator finally', 'onFinalize', 'downstream error']);
    });

    it("runs a generator's finally when downstream unsubscribes (take)", async () => {
      const { stats, iterator } = countingGenerator(100);
      const collector = reportCollector<number>();
      await lastValueFrom(
        poolFrom(iterator, (x: number) => Promise.resolve(x), {
          concurrency: 1,
          onFinalize: collector.onFinalize,
        }).pipe(take(3)),
      );
      expect(stats.pulled).toBeLessThan(100);
      expect(stats.finallyRan).toBe(1);
      expect(collector.reports[0].reason).toBe('unsubscribed');
    });

    it('stops pulling once a synchronous take(3) has unsubscribed during subscribe', () => {
      const { stats, iterator } = countingGenerator(100);
      let workCalls = 0;
      poolFrom(
        iterator,
        (x: number) => {
          workCalls++;
          return of(x);
        },
        { concurrency: 1 },
      )
        .pipe(take(3))
        .subscribe();
      expect(workCalls).toBe(3);
      expect(stats.pulled).toBe(3);
    });

    it("runs a generator's finally exactly once when it is pulled to the end", () => {
      const { stats, iterator } = countingGenerator(4);
      poolFrom(iterator, (x: number) => of(x), { concurrency: 2 }).subscribe();
      expect(stats.finallyRan).toBe(1);
    });

    it('calls return() once on a sync iterator that the pool releases early', () => {
      let returnCalls = 0;
      let nextCalls = 0;
      const source: Iterable<number> = {
        [Symbol.iterator]: () => ({
          next: () => ({ value: nextCalls++, done: false }),
          return: () => {
            returnCalls++;
            return { value: undefined, done: true };
          },
        }),
      };
      const { inners, work } = manualWork();
      poolFrom(source, work, { concurrency: 2 }).subscribe({ error: () => undefined });
      inners.get(0)!.error(new Error('item 0 failed'));
      expect(returnCalls).toBe(1);
      expect(nextCalls).toBe(2);
    });

    it('halts with the error the generator throws, tearing down in-flight items', () => {
      const error = new Error('generator failed');
      const iterator = (function* () {
        yield 0;
        yield 1;
        throw error;
      })();
      const { inners, work } = manualWork();
      const collector = reportCollector<number>();
      const errors: unknown[] = [];
      poolFrom(iterator, work, { concurrency: 1, onFinalize: collector.onFinalize }).subscribe({
        error: (e) => errors.push(e),
      });
      inners.get(0)!.complete();
      inners.get(1)!.complete();
      expect(errors).toEqual([error]);
      expect(collector.reports[0]).toMatchObject({ reason: 'error', accepted: 2, succeeded: 2 });
      expect(collector.reports[0].error).toBe(error);
    });

    it('halts on a pull-source error with in-flight items unfinished and their inners unsubscribed', () => {
      const error = new Error('generator failed');
      const iterator = (function* () {
        yield 0;
        yield 1;
        yield 2;
        throw error;
      })();
      const { inners, work } = manualWork();
      const collector = reportCollector<number>();
      poolFrom(iterator, work, { concurrency: 2, onFinalize: collector.onFinalize }).subscribe({
        error: () => undefined,
      });
      inners.get(0)!.complete();
      inners.get(1)!.complete();
      expect(inners.get(2)!.observed).toBe(false);
      expect(collector.reports[0]).toMatchObject({ accepted: 3, succeeded: 2, unfinished: [2] });
    });

    it("never overflows a pull source, whatever 'overflow' says", () => {
      const { iterator } = countingGenerator(5);
      const { inners, work } = manualWork();
      const events: string[] = [];
      poolFrom(iterator, work, { concurrency: 1, bufferSize: 0, overflow: 'error' }).subscribe({
        next: (v) => events.push(`next ${v}`),
        error: (e) => events.push(`error ${String(e)}`),
        complete: () => events.push('complete'),
      });
      for (let i = 0; i < 5; i++) {
        inners.get(i)!.next(i);
        inners.get(i)!.complete();
      }
      expect(events).toEqual(['next 0', 'next 1', 'next 2', 'next 3', 'next 4', 'complete']);
    });

    it('runs a 10,000,000-item generator in flat memory: never more than one item pulled ahead', () => {
      const n = 10_000_000;
      let pulled = 0;
      let finished = 0;
      let maxAhead = 0;
      function* items() {
        for (let i = 0; i < n; i++) {
          pulled++;
          if (pulled - finished > maxAhead) maxAhead = pulled - finished;
          yield i;
        }
      }
      // A minimal synchronous inner; the item is finished the moment it completes.
      const work = (x: number) =>
        new Observable<number>((s) => {
          s.next(x);
          finished++;
          s.complete();
        });
      let received = 0;
      let completed = false;
      poolFrom(items(), work, { concurrency: 1 }).subscribe({
        next: () => void received++,
        complete: () => void (completed = true),
      });
      expect(completed).toBe(true);
      expect(received).toBe(n);
      expect(maxAhead).toBe(1);
    }, 120_000);
  });

  describe('async pull sources', () => {
    it('never has more than one next() pending on an async iterator', async () => {
      const iterator = new ManualAsyncIterator();
      poolFrom(iterator, () => NEVER, { concurrency: 3, bufferSize: 2 }).subscribe();
      for (let i = 0; i < 10; i++) {
        await eventLoopTurns(1);
        iterator.answer(i);
      }
      await eventLoopTurns(5);
      expect(iterator.maxPending).toBe(1);
    });

    it('pulls an async iterator up to concurrency + bufferSize items, one next() at a time', async () => {
      const iterator = new ManualAsyncIterator();
      const { calls, work } = manualWork();
      poolFrom(iterator, work, { concurrency: 3, bufferSize: 2 }).subscribe();
      for (let i = 0; i < 10; i++) {
        await eventLoopTurns(1);
        iterator.answer(i);
      }
      await eventLoopTurns(5);
      expect(iterator.nextCalls).toBe(5);
      expect(calls).toEqual([0, 1, 2]);
    });

    it('pulls an async generator and completes with every result', async () => {
      async function* items() {
        for (let i = 0; i < 5; i++) {
          await Promise.resolve();
          yield i;
        }
      }
      const result = await lastValueFrom(
        poolFrom(items(), (x: number) => Promise.resolve(x * 10), { concurrency: 2 }).pipe(
          toArray(),
        ),
      );
      expect([...result].sort((p, q) => p - q)).toEqual([0, 10, 20, 30, 40]);
    });

    it('keeps the pulled-ahead bound with an async generator', async () => {
      const bound = 2 + 1;
      let pulled = 0;
      let finished = 0;
      let maxAhead = 0;
      async function* items() {
        for (let i = 0; i < 30; i++) {
          await Promise.resolve();
          pulled++;
          maxAhead = Math.max(maxAhead, pulled - finished);
          yield i;
        }
      }
      const { inners, work } = manualWork();
      let completed = false;
      poolFrom(items(), work, { concurrency: 2, bufferSize: 1 }).subscribe({
        complete: () => (completed = true),
      });
      for (let round = 0; round < 200 && !completed; round++) {
        await eventLoopTurns(1);
        const running = [...inners.values()].filter((s) => !s.closed && s.observed);
        if (running.length > 0) {
          finished++;
          running[0].complete();
        }
      }
      expect(completed).toBe(true);
      expect(pulled).toBe(30);
      expect(maxAhead).toBeLessThanOrEqual(bound);
    });

    it('calls return() on an async generator when the pool halts, so its finally runs', async () => {
      let finallyRan = 0;
      async function* items() {
        try {
          for (let i = 0; i < 100; i++) {
            await Promise.resolve();
            yield i;
          }
        } finally {
          finallyRan++;
        }
      }
      const { inners, work } = manualWork();
      const errors: unknown[] = [];
      poolFrom(items(), work, { concurrency: 2 }).subscribe({ error: (e) => errors.push(e) });
      await eventLoopTurns(5);
      inners.get(0)!.error(new Error('item 0 failed'));
      await eventLoopTurns(5);
      expect(errors).toHaveLength(1);
      expect(finallyRan).toBe(1);
    });

    it('calls return() on an async iterator released while none of its next() is pending', async () => {
      const iterator = new ManualAsyncIterator();
      const { inners, work } = manualWork();
      poolFrom(iterator, work, { concurrency: 1 }).subscribe({ error: () => undefined });
      await eventLoopTurns(1);
      iterator.answer(0);
      await eventLoopTurns(5);
      expect(iterator.waiting).toHaveLength(0);
      inners.get(0)!.error(new Error('item 0 failed'));
      expect(iterator.returnCalls).toBe(1);
      expect(iterator.nextCalls).toBe(1);
    });

    it("halts with the error an async iterator's next() rejects with", async () => {
      const error = new Error('next() rejected');
      let calls = 0;
      const source: AsyncIterable<number> = {
        [Symbol.asyncIterator]: () => ({
          next: () =>
            ++calls === 1 ? Promise.resolve({ value: 0, done: false }) : Promise.reject(error),
        }),
      };
      const collector = reportCollector<number>();
      const errors: unknown[] = [];
      poolFrom(source, () => NEVER, { concurrency: 2, onFinalize: collector.onFinalize }).subscribe(
        {
          error: (e) => errors.push(e),
        },
      );
      await eventLoopTurns(5);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBe(error);
      expect(collector.reports[0]).toMatchObject({ reason: 'error', accepted: 1, unfinished: [0] });
    });
  });

  describe('Node Readable', () => {
    it('pulls a Node Readable in object mode and completes with every result', async () => {
      const readable = Readable.from(['a', 'b', 'c']);
      const result = await lastValueFrom(
        poolFrom(readable as AsyncIterable<string>, (s: string) => of(s.toUpperCase()), {
          concurrency: 2,
        }).pipe(toArray()),
      );
      expect(result).toEqual(['A', 'B', 'C']);
    });

    it('destroys a Node Readable when the pool halts', async () => {
      const readable = Readable.from(Array.from({ length: 1000 }, (_, i) => i));
      const { inners, work } = manualWork();
      poolFrom(readable as AsyncIterable<number>, work, { concurrency: 1 }).subscribe({
        error: () => undefined,
      });
      await eventLoopTurns(5);
      expect(inners.has(0)).toBe(true);
      inners.get(0)!.error(new Error('item 0 failed'));
      await eventLoopTurns(5);
      expect(readable.destroyed).toBe(true);
    });
  });

  describe('a pool that ends before it takes anything', () => {
    it.each([
      ['stop emits at subscription', { stop: of(true) }],
      ['the signal is already aborted', { signal: AbortSignal.abort(new Error('no')) }],
    ])('still releases an iterator it never pulled from when %s', (_, options) => {
      const calls = { next: 0, return: 0 };
      const iterable: Iterable<number> = {
        [Symbol.iterator]: () => ({
          next: () => ({ done: false, value: calls.next++ }),
          return: () => {
            calls.return++;
            return { done: true, value: undefined };
          },
        }),
      };
      poolFrom(iterable, (n: number) => of(n), { concurrency: 1, ...options }).subscribe({
        error: () => undefined,
      });
      expect(calls).toEqual({ next: 0, return: 1 });
    });
  });

  describe('Node Readable released before it was read', () => {
    it.each([
      ['stop emits at subscription', { stop: of(true) }],
      ['the signal is already aborted', { signal: AbortSignal.abort(new Error('no')) }],
    ])('destroys a Node Readable when %s', async (_, options) => {
      const readable = Readable.from([1, 2, 3]);
      poolFrom(readable as AsyncIterable<number>, (n: number) => of(n), {
        concurrency: 1,
        ...options,
      }).subscribe({ error: () => undefined });
      await eventLoopTurns(5);
      expect(readable.destroyed).toBe(true);
    });
  });

  describe('push sources given to poolFrom', () => {
    it('treats an Observable as a push source with an unbounded buffer, like mergeMap', () => {
      newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-a--b--c--|');
        const sourceSubs = ' ^---------!';
        const a = cold('      ----x|');
        const aSubs = '      -^----!';
        const b = cold('           --y|');
        const bSubs = '      ------^--!';
        const c = cold('              -z|');
        const cSubs = '      ---------^-!';
        const expected = '   -----x--y-z|';
        const inners = { a, b, c };
        const result = poolFrom(source, (v: string) => inners[v as keyof typeof inners], {
          concurrency: 1,
        });
        expectObservable(result).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(sourceSubs);
        expectSubscriptions(a.subscriptions).toBe(aSubs);
        expectSubscriptions(b.subscriptions).toBe(bSubs);
        expectSubscriptions(c.subscriptions).toBe(cSubs);
      });
    });

    it('overflows a bounded buffer when given an Observable, as pool does', () => {
      const collector = reportCollector<string>();
      newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-a-b-c-|');
        const sourceSubs = ' ^----!';
        const a = cold('      --------x|');
        const aSubs = '      -^---!';
        const b = cold('     -y|'); // never subscribed
        const c = cold('     -z|'); // never subscribed
        const expected = '   -----#';
        const inners = { a, b, c };
        const result = poolFrom(source, (v: string) => inners[v as keyof typeof inners], {
          concurrency: 1,
          bufferSize: 1,
          onFinalize: collector.onFinalize,
        });
        expectObservable(result).toBe(expected, undefined, expect.any(BufferOverflowError));
        expectSubscriptions(source.subscriptions).toBe(sourceSubs);
        expectSubscriptions(a.subscriptions).toBe(aSubs);
        expectSubscriptions(b.subscriptions).toBe([]);
        expectSubscriptions(c.subscriptions).toBe([]);
      });
      expect((collector.reports[0].error as BufferOverflowError<string>).item).toBe('c');
    });

    it('treats an interop observable (Symbol.observable) as a push source', () => {
      const interop = {
        [observable]: () => of(1, 2, 3),
      } as unknown as ObservableInput<number>;
      const errors: unknown[] = [];
      poolFrom(interop, () => NEVER, { concurrency: 1, bufferSize: 0 }).subscribe({
        error: (e) => errors.push(e),
      });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(BufferOverflowError);
    });

    it('treats a promise as a push source', async () => {
      const result = await lastValueFrom(
        poolFrom(Promise.resolve(7), (x: number) => of(x * 2), { concurrency: 1 }).pipe(toArray()),
      );
      expect(result).toEqual([14]);
    });
  });

  describe('for await', () => {
    it('yields every result to a for await loop', async () => {
      const results: number[] = [];
      for await (const r of poolFrom([1, 2, 3], (x: number) => of(x * 10), { concurrency: 1 })) {
        results.push(r);
      }
      expect(results).toEqual([10, 20, 30]);
    });

    it("tears down on a break out of for await: reason 'unsubscribed', the generator's finally runs", async () => {
      const { stats, iterator } = countingGenerator(100);
      const collector = reportCollector<number>();
      for await (const r of poolFrom(iterator, (x: number) => Promise.resolve(x), {
        concurrency: 2,
        onFinalize: collector.onFinalize,
      })) {
        if (r === 3) break;
      }
      expect(stats.finallyRan).toBe(1);
      expect(collector.reports).toHaveLength(1);
      expect(collector.reports[0].reason).toBe('unsubscribed');
    });

    it('starts nothing and reports nothing when return() comes before any next()', async () => {
      const { stats, iterator } = countingGenerator(10);
      const collector = reportCollector<number>();
      const loop = poolFrom(iterator, (x: number) => Promise.resolve(x), {
        concurrency: 2,
        onFinalize: collector.onFinalize,
      })[Symbol.asyncIterator]();
      await expect(loop.return!()).resolves.toEqual({ value: undefined, done: true });
      await expect(loop.next()).resolves.toEqual({ value: undefined, done: true });
      expect(stats.pulled).toBe(0);
      expect(collector.reports).toEqual([]);
    });
  });
});
