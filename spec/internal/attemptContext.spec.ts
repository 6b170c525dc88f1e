/**
 * The WorkContext a user may copy: a spread or `Object.assign` copy keeps `index`, `attempt` and
 * a working `signal` (still created only when read), and nothing of the pool's bookkeeping.
 */
import { of, throwError } from 'rxjs';
import { pool, type WorkContext } from '../../src/index.js';

function contextsOf(attempts: number): WorkContext[] {
  const seen: WorkContext[] = [];
  of('a')
    .pipe(
      pool(
        (_item: string, context: WorkContext) => {
          seen.push(context);
          return context.attempt < attempts ? throwError(() => new Error('again')) : of(1);
        },
        { concurrency: 1, retry: attempts - 1 },
      ),
    )
    .subscribe();
  return seen;
}

describe('WorkContext copies', () => {
  it.each([
    ['a spread', (c: WorkContext) => ({ ...c })],
    ['Object.assign', (c: WorkContext) => Object.assign({}, c)],
  ])(
    '%s of the first attempt and of a retry keeps index, attempt and a working signal',
    (_how, copy) => {
      const contexts = contextsOf(2);
      expect(contexts).toHaveLength(2);
      contexts.forEach((context, i) => {
        const copied = copy(context);
        expect(Object.keys(copied)).toEqual(['index', 'attempt', 'signal']);
        expect(copied.index).toBe(0);
        expect(copied.attempt).toBe(i + 1);
        expect(copied.signal).toBeInstanceOf(AbortSignal);
        expect(copied.signal).toBe(context.signal);
      });
    },
  );

  it('lists only index, attempt and signal as its keys, on every attempt', () => {
    for (const context of contextsOf(3)) {
      expect(Object.keys(context)).toEqual(['index', 'attempt', 'signal']);
    }
  });

  it('creates its signal only when read', () => {
    let controllers = 0;
    const Original = AbortController;
    class Counting extends Original {
      constructor() {
        super();
        controllers++;
      }
    }
    globalThis.AbortController = Counting;
    try {
      contextsOf(1);
      expect(controllers).toBe(0);
      const [context] = contextsOf(1);
      void context!.signal;
      expect(controllers).toBe(1);
    } finally {
      globalThis.AbortController = Original;
    }
  });
});

describe('the context of work declared with fewer than two parameters', () => {
  const withOneParameter = (seen: WorkContext[]) =>
    function (this: unknown, _item: string) {
      // eslint-disable-next-line prefer-rest-params
      seen.push(arguments[1] as WorkContext);
      return seen.length < 2 ? throwError(() => new Error('again')) : of(1);
    };
  const withRestParameter =
    (seen: WorkContext[]) =>
    (...args: unknown[]) => {
      seen.push(args[1] as WorkContext);
      return seen.length < 2 ? throwError(() => new Error('again')) : of(1);
    };

  it.each([
    ['one parameter, read through arguments', withOneParameter, 1],
    ['a rest parameter only, read through it', withRestParameter, 0],
  ])(
    'with %s: still has index, attempt and a working signal, on the first attempt and a retry',
    (_how, workFor, length) => {
      const seen: WorkContext[] = [];
      const work = workFor(seen);
      expect(work.length).toBe(length);
      of('a')
        .pipe(pool(work, { concurrency: 1, retry: 1 }))
        .subscribe();
      expect(seen).toHaveLength(2);
      seen.forEach((context, i) => {
        expect(context.index).toBe(0);
        expect(context.attempt).toBe(i + 1);
        expect(context.signal).toBeInstanceOf(AbortSignal);
        expect(JSON.stringify(context)).toBe(`{"index":0,"attempt":${i + 1}}`);
        // The plain context: its signal is not an own property, so a copy has none.
        expect(Object.keys({ ...context })).not.toContain('signal');
      });
    },
  );
});
