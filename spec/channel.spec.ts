import { channel, ChannelClosedError } from '../src/channel';

const haltCause = Symbol.for('rxjs-pool.haltCause');

/** Lets every queued promise reaction run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

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

type Releasable<T> = AsyncIterator<T, undefined> & { [haltCause]: (error: unknown) => void };

function consumerOf<T>(ch: AsyncIterable<T>): Releasable<T> {
  return ch[Symbol.asyncIterator]() as Releasable<T>;
}

describe('channel', () => {
  describe('put', () => {
    it('stays pending until the consumer takes the item', async () => {
      const ch = channel<string>();
      const it = consumerOf(ch);
      const put = track(ch.put('a'));
      await flush();
      expect(put.state).toBe('pending');

      await expect(it.next()).resolves.toEqual({ done: false, value: 'a' });
      await flush();
      expect(put.state).toBe('resolved');
    });

    it('hands the item to a consumer that is already waiting and resolves', async () => {
      const ch = channel<string>();
      const it = consumerOf(ch);
      const next = it.next();
      const put = track(ch.put('a'));
      await expect(next).resolves.toEqual({ done: false, value: 'a' });
      await flush();
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
      await flush();
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
      await flush();
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
      const it = consumerOf(ch);
      const put = track(ch.put(1));
      const boom = new Error('boom');
      it[haltCause](boom);
      await it.return!();
      await flush();
      expect(put.state).toBe('rejected');
      expect(put.error).toBeInstanceOf(ChannelClosedError);
      expect((put.error as Error).cause).toBe(boom);
      expect((put.error as ChannelClosedError).item).toBe(1);
    });

    it('rejects every later put with the halting error as cause', async () => {
      const ch = channel<number>();
      const it = consumerOf(ch);
      const boom = new Error('boom');
      it[haltCause](boom);
      await it.return!();
      const put = track(ch.put(2));
      await flush();
      expect(put.state).toBe('rejected');
      expect((put.error as Error).cause).toBe(boom);
    });

    it('rejects pending puts without a cause when released by return() alone (stop, unsubscribe)', async () => {
      const ch = channel<number>();
      const it = consumerOf(ch);
      const put = track(ch.put(1));
      await expect(it.return!()).resolves.toEqual({ done: true, value: undefined });
      await flush();
      expect(put.state).toBe('rejected');
      expect(put.error).toBeInstanceOf(ChannelClosedError);
      expect('cause' in (put.error as Error)).toBe(false);
      expect((put.error as Error).message).toMatch(/stopped or was unsubscribed/);
    });

    it('keeps the cause of the hook when return() follows it', async () => {
      const ch = channel<number>();
      const it = consumerOf(ch);
      const boom = new Error('boom');
      it[haltCause](boom);
      await it.return!();
      await it.return!();
      const put = track(ch.put(1));
      await flush();
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
      await flush();
      expect(put.state).toBe('rejected');
    });

    it('resolves an item handed over when the consumer releases while reading the answer', async () => {
      const ch = channel<number>();
      const it = consumerOf(ch);
      const released = it.next().then(() => it.return!()); // the consumer took it, then halted
      const put = track(ch.put(1));
      await released;
      await flush();
      expect(put.state).toBe('resolved');
    });

    it('refuses a queued item when the consumer releases before it reads the answer', async () => {
      const ch = channel<number>();
      const it = consumerOf(ch);
      const put = track(ch.put(1));
      const next = it.next();
      await it.return!();
      await next;
      await flush();
      expect(put.state).toBe('rejected');
    });

    it('does not crash the process with a refused put that nobody awaits', async () => {
      const unhandled = jest.fn();
      process.on('unhandledRejection', unhandled);
      try {
        const ch = channel<number>();
        const it = consumerOf(ch);
        void ch.put(1);
        it[haltCause](new Error('boom'));
        await it.return!();
        void ch.put(2);
        await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setImmediate(resolve));
        expect(unhandled).not.toHaveBeenCalled();
      } finally {
        process.off('unhandledRejection', unhandled);
      }
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
    it('is an Error named ChannelClosedError', () => {
      const error = new ChannelClosedError('x', 'closed');
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('ChannelClosedError');
      expect(error.item).toBe('x');
      expect(error.message).toBe('closed');
    });
  });
});
