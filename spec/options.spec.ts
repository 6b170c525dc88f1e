import { Observable, of } from 'rxjs';
import { pool, poolFrom } from '../src/index.js';
import type { PoolOptions, Work } from '../src/index.js';

/** The error `fn` throws, or a failure if it throws nothing. */
function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw, but nothing was thrown');
}

const work: Work<number, number> = (x) => of(x);

/** The two public entry points, called with the same (possibly bad) work and options. */
const entries: Array<[string, (w: unknown, o: unknown) => unknown]> = [
  ['pool', (w, o) => pool(w as Work<number, number>, o as PoolOptions<number>)],
  ['poolFrom', (w, o) => poolFrom([1, 2, 3], w as Work<number, number>, o as PoolOptions<number>)],
];

/** The value as a message shows it: `0` (number); a string may be shown with or without quotes. */
function shown(value: unknown): RegExp {
  const text = String(value).replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  const quoted = typeof value === 'string' ? `'?${text}'?` : text;
  return new RegExp(`\`${quoted}\` \\(${value === null ? 'null' : typeof value}\\)`);
}

type BadCase = [label: string, options: unknown, errorClass: typeof TypeError, option: string];

const badOptions: BadCase[] = [
  ['concurrency 0', { concurrency: 0 }, RangeError, 'concurrency'],
  ['concurrency -1', { concurrency: -1 }, RangeError, 'concurrency'],
  ['concurrency 1.5', { concurrency: 1.5 }, RangeError, 'concurrency'],
  ['concurrency NaN', { concurrency: NaN }, RangeError, 'concurrency'],
  ['concurrency -Infinity', { concurrency: -Infinity }, RangeError, 'concurrency'],
  ["concurrency '2'", { concurrency: '2' }, TypeError, 'concurrency'],
  ['concurrency missing', {}, TypeError, 'concurrency'],
  ['concurrency null', { concurrency: null }, TypeError, 'concurrency'],
  ['bufferSize -1', { concurrency: 1, bufferSize: -1 }, RangeError, 'bufferSize'],
  ['bufferSize 1.5', { concurrency: 1, bufferSize: 1.5 }, RangeError, 'bufferSize'],
  ['bufferSize NaN', { concurrency: 1, bufferSize: NaN }, RangeError, 'bufferSize'],
  ["bufferSize '2'", { concurrency: 1, bufferSize: '2' }, TypeError, 'bufferSize'],
  ["overflow 'drop'", { concurrency: 1, overflow: 'drop' }, TypeError, 'overflow'],
  ['overflow 1', { concurrency: 1, overflow: 1 }, TypeError, 'overflow'],
  ["onDrop 'log'", { concurrency: 1, onDrop: 'log' }, TypeError, 'onDrop'],
  ['onFinalize 42', { concurrency: 1, onFinalize: 42 }, TypeError, 'onFinalize'],
];

/** The value the message must show for each case: the bad option's own value. */
function badValue(options: unknown, option: string): unknown {
  return (options as Record<string, unknown>)[option];
}

describe.each(entries)('%s options', (_name, call) => {
  it('throws the exact p-map style message for concurrency 0', () => {
    const error = thrownBy(() => call(work, { concurrency: 0 }));
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toBe(
      'Expected `concurrency` to be an integer from 1 and up or `Infinity`, got `0` (number)',
    );
  });

  it.each(badOptions)('rejects %s with the right error class', (_label, options, errorClass) => {
    const error = thrownBy(() => call(work, options));
    expect(error).toBeInstanceOf(errorClass);
  });

  it.each(badOptions)(
    'names the option and the value received for %s',
    (_label, options, _errorClass, option) => {
      const error = thrownBy(() => call(work, options));
      expect(error.message).toContain(`\`${option}\``);
      expect(error.message).toMatch(shown(badValue(options, option)));
    },
  );

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 3],
  ])('rejects options that are %s with a TypeError naming `options`', (_label, options) => {
    const error = thrownBy(() => call(work, options));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('`options`');
    expect(error.message).toMatch(shown(options));
  });

  it.each([
    ['a number', 42],
    ['undefined', undefined],
    ['a string', 'work'],
    ['an object', { work: true }],
  ])('rejects work that is %s with a TypeError naming `work`', (_label, badWork) => {
    const error = thrownBy(() => call(badWork, { concurrency: 1 }));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('`work`');
    expect(error.message).toMatch(shown(badWork));
  });

  it.each([
    ['concurrency 1', { concurrency: 1 }],
    ['concurrency Infinity', { concurrency: Infinity }],
    ['bufferSize 0', { concurrency: 2, bufferSize: 0 }],
    ['bufferSize Infinity', { concurrency: 2, bufferSize: Infinity }],
    ["overflow 'error'", { concurrency: 2, bufferSize: 1, overflow: 'error' }],
    ["overflow 'drop-newest'", { concurrency: 2, bufferSize: 1, overflow: 'drop-newest' }],
    ["overflow 'drop-oldest'", { concurrency: 2, bufferSize: 1, overflow: 'drop-oldest' }],
    [
      'every option undefined but concurrency',
      { concurrency: 1, bufferSize: undefined, overflow: undefined, onDrop: undefined },
    ],
  ])('accepts %s', (_label, options) => {
    expect(() => call(work, options)).not.toThrow();
  });
});

describe('when bad options throw', () => {
  it('throws at the pool(...) call, before anything is piped or subscribed', () => {
    let operator: unknown = 'not created';
    expect(() => {
      operator = pool(work, { concurrency: 0 });
    }).toThrow(RangeError);
    expect(operator).toBe('not created');
  });

  it.each([
    [undefined, '`undefined` (undefined)'],
    [null, '`null` (null)'],
    [42, '`42` (number)'],
    [{}, '`[object Object]` (object)'],
  ])('refuses a poolFrom source that is %p with a TypeError naming `source`', (source, got) => {
    const error = thrownBy(() => poolFrom(source as Iterable<number>, work, { concurrency: 1 }));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe(
      `Expected \`source\` to be an Iterable, an AsyncIterable or an ObservableInput, got ${got}`,
    );
  });

  it('throws at the poolFrom(...) call without asking the source for an iterator', () => {
    let iteratorsRequested = 0;
    const source: Iterable<number> = {
      [Symbol.iterator]() {
        iteratorsRequested++;
        return [1, 2, 3][Symbol.iterator]();
      },
    };
    expect(() => poolFrom(source, work, { concurrency: 1.5 })).toThrow(RangeError);
    expect(iteratorsRequested).toBe(0);
  });

  it('throws at the poolFrom(...) call for an Observable source without subscribing to it', () => {
    let subscriptions = 0;
    const counted = new Observable<number>((subscriber) => {
      subscriptions++;
      subscriber.next(1);
      subscriber.complete();
    });
    expect(() => poolFrom(counted, work, { concurrency: 1, bufferSize: -1 })).toThrow(RangeError);
    expect(subscriptions).toBe(0);
  });
});
