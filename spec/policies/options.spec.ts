/**
 * Option validation. The rule: every option is validated when `pool(...)` or `poolFrom(...)` is
 * called, before anything is piped, subscribed or pulled, and a bad value throws p-map's message,
 * ``Expected `option` to be …, got `value` (type)``, naming the option and the value received: a
 * RangeError for a number out of range, a TypeError for anything else.
 *
 * One table per option (the values it refuses, with the exact message, and the values it
 * accepts), run through both entry points; the work function, the options object and the
 * `poolFrom` source are checked by the same rule.
 */
import { inspect } from 'node:util';
import { EMPTY, Observable, of } from 'rxjs';
import { pool, poolFrom } from '../../src/index.js';
import type { PoolOptions, Work } from '../../src/index.js';
import { optionTable } from '../../src/policies/options.js';
import { thrownBy } from '../helpers/thrown.js';

const work: Work<number, number> = (x) => of(x);

/** The two public entry points, called with the same (possibly bad) work and options. */
const entries: Array<[string, (work: unknown, options: unknown) => unknown]> = [
  ['pool', (w, o) => pool(w as Work<number, number>, o as PoolOptions<number>)],
  ['poolFrom', (w, o) => poolFrom([1, 2, 3], w as Work<number, number>, o as PoolOptions<number>)],
];

/** How the message shows the value received: got `0` (number), got `'2'` (string). */
function got(value: unknown): string {
  const shown = typeof value === 'string' ? `'${value}'` : String(value);
  return `got \`${shown}\` (${value === null ? 'null' : typeof value})`;
}

/** A value as a test name shows it. */
function label(value: unknown): string {
  return inspect(value, { breakLength: Infinity });
}

type ErrorClass = typeof TypeError | typeof RangeError;

/** A value an option refuses, the error class it throws and its exact message. */
interface Refusal {
  value: unknown;
  errorClass: ErrorClass;
  message: string;
}

/**
 * The refusals of one expectation: ``Expected `option` to be …`` followed by the value received;
 * `shown` is the value the message names when it is not the option's own value (a field of
 * `retry`).
 */
function refused(
  expected: string,
  rows: Array<[value: unknown, errorClass: ErrorClass, shown?: unknown]>,
): Refusal[] {
  return rows.map(([value, errorClass, ...shown]) => ({
    value,
    errorClass,
    message: `${expected}, ${got(shown.length > 0 ? shown[0] : value)}`,
  }));
}

interface OptionTable {
  refuses: Refusal[];
  /** Values accepted besides `undefined` (left out, so the default applies). */
  accepts: Array<[label: string, value: unknown]>;
}

const aFunction = (): Array<[string, unknown]> => [['a function', () => undefined]];
const notAFunction = (option: string): Refusal[] =>
  refused(`Expected \`${option}\` to be a function`, [
    ['log', TypeError],
    [1, TypeError],
    [{}, TypeError],
    [null, TypeError],
  ]);

const MAX_TIMER_DELAY = 2_147_483_647;

/**
 * Every option of `PoolOptions` with its table, in the order of the option table
 * (`src/policies/options.ts`) and the README: an option without a table does not compile.
 */
const optionTables: { [K in keyof Required<PoolOptions<number>>]: OptionTable } = {
  concurrency: {
    refuses: refused('Expected `concurrency` to be an integer from 1 and up or `Infinity`', [
      [0, RangeError],
      [-1, RangeError],
      [1.5, RangeError],
      [NaN, RangeError],
      [-Infinity, RangeError],
      ['2', TypeError],
      [undefined, TypeError],
      [null, TypeError],
    ]),
    accepts: [
      ['1', 1],
      ['Infinity', Infinity],
    ],
  },
  bufferSize: {
    refuses: refused('Expected `bufferSize` to be an integer from 0 and up or `Infinity`', [
      [-1, RangeError],
      [1.5, RangeError],
      [NaN, RangeError],
      ['2', TypeError],
    ]),
    accepts: [
      ['0', 0],
      ['Infinity', Infinity],
    ],
  },
  overflow: {
    refuses: refused("Expected `overflow` to be one of 'error', 'drop-newest', 'drop-oldest'", [
      ['drop', TypeError],
      [1, TypeError],
    ]),
    accepts: [
      ["'error'", 'error'],
      ["'drop-newest'", 'drop-newest'],
      ["'drop-oldest'", 'drop-oldest'],
    ],
  },
  onDrop: { refuses: notAFunction('onDrop'), accepts: aFunction() },
  onSettle: { refuses: notAFunction('onSettle'), accepts: aFunction() },
  onFinalize: {
    refuses: [
      ...refused('Expected `onFinalize` to be a function', [[42, TypeError]]),
      ...notAFunction('onFinalize'),
    ],
    accepts: aFunction(),
  },
  tolerate: {
    refuses: refused('Expected `tolerate` to be an integer from 0 and up or `Infinity`', [
      [-1, RangeError],
      [1.5, RangeError],
      [NaN, RangeError],
      [-Infinity, RangeError],
      ['2', TypeError],
      [true, TypeError],
      [null, TypeError],
    ]),
    accepts: [
      ['0', 0],
      ['3', 3],
      ['Infinity', Infinity],
    ],
  },
  onFailure: { refuses: notAFunction('onFailure'), accepts: aFunction() },
  halt: {
    refuses: refused("Expected `halt` to be one of 'abort', 'drain'", [
      ['stop', TypeError],
      ['ABORT', TypeError],
      [1, TypeError],
      [true, TypeError],
      [null, TypeError],
    ]),
    accepts: [
      ["'abort'", 'abort'],
      ["'drain'", 'drain'],
    ],
  },
  retry: {
    refuses: [
      ...refused('Expected `retry` to be an integer from 0 and up or `Infinity`', [
        [-1, RangeError],
        [1.5, RangeError],
        [NaN, RangeError],
      ]),
      ...refused(
        'Expected `retry` to be an integer from 0 and up, `Infinity` or `{ count, delay }`',
        [
          ['2', TypeError],
          [true, TypeError],
          [null, TypeError],
        ],
      ),
      ...refused('Expected `retry.count` to be an integer from 0 and up or `Infinity`', [
        [{ count: -1 }, RangeError, -1],
        [{ count: 1.5 }, RangeError, 1.5],
        [{ count: '1' }, TypeError, '1'],
        [{}, TypeError, undefined],
      ]),
      ...refused(
        `Expected \`retry.delay\` to be a number of milliseconds from 0 up to ${MAX_TIMER_DELAY}`,
        [
          [{ count: 1, delay: -1 }, RangeError, -1],
          [{ count: 1, delay: NaN }, RangeError, NaN],
        ],
      ),
      ...refused('Expected `retry.delay` to be a number of milliseconds or a function', [
        [{ count: 1, delay: '5' }, TypeError, '5'],
        [{ count: 1, delay: true }, TypeError, true],
      ]),
    ],
    accepts: [
      ['0', 0],
      ['2', 2],
      ['Infinity', Infinity],
      ['{ count: 2 }', { count: 2 }],
      ['{ count: 2, delay: 0 }', { count: 2, delay: 0 }],
      ['{ count: 2, delay: 100 }', { count: 2, delay: 100 }],
      ['{ count: 2, delay: a function }', { count: 2, delay: () => of(0) }],
    ],
  },
  timeout: {
    refuses: refused(
      `Expected \`timeout\` to be a number of milliseconds greater than 0 up to ${MAX_TIMER_DELAY}`,
      [
        [0, RangeError],
        [-1, RangeError],
        [NaN, RangeError],
        ['5', TypeError],
        [true, TypeError],
        [null, TypeError],
      ],
    ),
    accepts: [
      ['1', 1],
      ['0.5', 0.5],
    ],
  },
  ordered: {
    refuses: refused('Expected `ordered` to be a boolean', [
      ['yes', TypeError],
      [1, TypeError],
      [null, TypeError],
    ]),
    accepts: [
      ['true', true],
      ['false', false],
    ],
  },
  stop: {
    refuses: refused(
      'Expected `stop` to be an ObservableInput (an Observable, a Promise, an array or an iterable)',
      [
        [1, TypeError],
        [true, TypeError],
        [{}, TypeError],
        [null, TypeError],
      ],
    ),
    accepts: [
      ['an Observable', EMPTY],
      ['a Promise', new Promise<void>(() => undefined)],
    ],
  },
  signal: {
    refuses: refused('Expected `signal` to be an AbortSignal', [
      [{}, TypeError],
      ['abort', TypeError],
      [1, TypeError],
      [new AbortController(), TypeError],
      [null, TypeError],
    ]),
    accepts: [['an AbortSignal', new AbortController().signal]],
  },
  onProgress: { refuses: notAFunction('onProgress'), accepts: aFunction() },
};

/** The options with `option` set to `value` (left out when `undefined`). */
function withOption(option: string, value: unknown): Record<string, unknown> {
  const base: Record<string, unknown> = option === 'concurrency' ? {} : { concurrency: 2 };
  return value === undefined ? base : { ...base, [option]: value };
}

describe.each(entries)('%s(...) validates each option at the call', (_entry, call) => {
  describe.each(Object.entries(optionTables))('`%s`', (option, table) => {
    it.each(
      table.refuses.map(
        (r) => [label(r.value), r.errorClass.name, r.message, r.value, r.errorClass] as const,
      ),
    )('refuses %s with a %s: %s', (_label, _name, message, value, errorClass) => {
      const error = thrownBy(() => call(work, withOption(option, value)));
      expect(error).toBeInstanceOf(errorClass);
      expect(error.message).toBe(message);
    });

    if (option !== 'concurrency') {
      it('accepts undefined (left out: the default applies)', () => {
        expect(() => call(work, withOption(option, undefined))).not.toThrow();
        expect(() => call(work, { concurrency: 2, [option]: undefined })).not.toThrow();
      });
    }

    it.each(table.accepts)('accepts %s', (_label, value) => {
      expect(() => call(work, withOption(option, value))).not.toThrow();
    });
  });

  it('accepts every option but concurrency set to undefined', () => {
    const undefinedOptions = Object.fromEntries(
      Object.keys(optionTables).map((option) => [option, undefined]),
    );
    expect(() => call(work, { ...undefinedOptions, concurrency: 1 })).not.toThrow();
  });

  it.each([undefined, null, 3].map((options) => [label(options), options] as const))(
    'refuses options that are %s with a TypeError naming `options`',
    (_label, options) => {
      const error = thrownBy(() => call(work, options));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toBe(
        `Expected \`options\` to be an object with at least \`concurrency\`, ${got(options)}`,
      );
    },
  );

  it.each([
    ['a number', 42],
    ['undefined', undefined],
    ['a string', 'work'],
    ['an object', { work: true }],
  ])('refuses work that is %s with a TypeError naming `work`', (_label, badWork) => {
    const error = thrownBy(() => call(badWork, { concurrency: 1 }));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe(`Expected \`work\` to be a function, ${got(badWork)}`);
  });
});

describe('the validation tables', () => {
  it('cover every row of the option table, in its order', () => {
    expect(Object.keys(optionTables)).toEqual(Object.keys(optionTable));
  });
});

describe('poolFrom(...) validates its source at the call', () => {
  it.each([
    [undefined, '`undefined` (undefined)'],
    [null, '`null` (null)'],
    [42, '`42` (number)'],
    [{}, '`[object Object]` (object)'],
  ])('refuses a source that is %p with a TypeError naming `source`', (source, shown) => {
    const error = thrownBy(() => poolFrom(source as Iterable<number>, work, { concurrency: 1 }));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe(
      `Expected \`source\` to be an Iterable, an AsyncIterable or an ObservableInput, got ${shown}`,
    );
  });
});

describe('a bad option throws at the call, before anything runs', () => {
  it('throws at the pool(...) call, before anything is piped or subscribed', () => {
    let operator: unknown = 'not created';
    expect(() => {
      operator = pool(work, { concurrency: 0 });
    }).toThrow(RangeError);
    expect(operator).toBe('not created');
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
