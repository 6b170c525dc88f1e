import { EMPTY, of } from 'rxjs';
import { pool, poolFrom } from '../../src/index.js';
import type { PoolOptions } from '../../src/index.js';

type Factory = (options: PoolOptions<number>) => unknown;

const factories: [string, Factory][] = [
  ['pool', (options) => pool((n: number) => of(n), options)],
  ['poolFrom', (options) => poolFrom([1, 2, 3], (n: number) => of(n), options)],
];

type Kind = 'TypeError' | 'RangeError';

/**
 * A bad value of an issue-3 option: the option's name, the options patch, the error class, and
 * the value the message must show (for nested `retry` fields, the bad field's value).
 */
interface BadValue {
  option: string;
  patch: Record<string, unknown>;
  kind: Kind;
  shown: unknown;
}

function bad(option: string, value: unknown, kind: Kind): BadValue {
  return { option, patch: { [option]: value }, kind, shown: value };
}

function badRetry(value: Record<string, unknown>, shown: unknown, kind: Kind): BadValue {
  return { option: 'retry', patch: { retry: value }, kind, shown };
}

const badValues: BadValue[] = [
  bad('tolerate', -1, 'RangeError'),
  bad('tolerate', 1.5, 'RangeError'),
  bad('tolerate', NaN, 'RangeError'),
  bad('tolerate', -Infinity, 'RangeError'),
  bad('tolerate', '2', 'TypeError'),
  bad('tolerate', true, 'TypeError'),
  bad('tolerate', null, 'TypeError'),
  bad('onFailure', 'log', 'TypeError'),
  bad('onFailure', 1, 'TypeError'),
  bad('onFailure', {}, 'TypeError'),
  bad('onFailure', null, 'TypeError'),
  bad('halt', 'stop', 'TypeError'),
  bad('halt', 'ABORT', 'TypeError'),
  bad('halt', 1, 'TypeError'),
  bad('halt', true, 'TypeError'),
  bad('halt', null, 'TypeError'),
  bad('retry', -1, 'RangeError'),
  bad('retry', 1.5, 'RangeError'),
  bad('retry', NaN, 'RangeError'),
  bad('retry', '2', 'TypeError'),
  bad('retry', true, 'TypeError'),
  bad('retry', null, 'TypeError'),
  badRetry({ count: -1 }, -1, 'RangeError'),
  badRetry({ count: 1.5 }, 1.5, 'RangeError'),
  badRetry({ count: '1' }, '1', 'TypeError'),
  badRetry({}, undefined, 'TypeError'),
  badRetry({ count: 1, delay: -1 }, -1, 'RangeError'),
  badRetry({ count: 1, delay: NaN }, NaN, 'RangeError'),
  badRetry({ count: 1, delay: '5' }, '5', 'TypeError'),
  badRetry({ count: 1, delay: true }, true, 'TypeError'),
  bad('timeout', 0, 'RangeError'),
  bad('timeout', -1, 'RangeError'),
  bad('timeout', NaN, 'RangeError'),
  bad('timeout', '5', 'TypeError'),
  bad('timeout', true, 'TypeError'),
  bad('timeout', null, 'TypeError'),
  bad('ordered', 'yes', 'TypeError'),
  bad('ordered', 1, 'TypeError'),
  bad('ordered', null, 'TypeError'),
  bad('stop', 1, 'TypeError'),
  bad('stop', true, 'TypeError'),
  bad('stop', {}, 'TypeError'),
  bad('stop', null, 'TypeError'),
  bad('signal', {}, 'TypeError'),
  bad('signal', 'abort', 'TypeError'),
  bad('signal', 1, 'TypeError'),
  bad('signal', new AbortController(), 'TypeError'),
  bad('signal', null, 'TypeError'),
  bad('onProgress', 'log', 'TypeError'),
  bad('onProgress', 1, 'TypeError'),
  bad('onProgress', {}, 'TypeError'),
  bad('onProgress', null, 'TypeError'),
];

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value) ?? String(value);
  return String(value);
}

const rows = factories.flatMap(([name, factory]) =>
  badValues.map(
    (row) =>
      [name, row.option, describeValue(row.patch[row.option]), row.kind, factory, row] as const,
  ),
);

function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('issue-3 option validation', () => {
  it.each(rows)(
    '%s rejects `%s: %s` with a %s at the call',
    (_name, _option, _value, kind, factory, row) => {
      const error = thrownBy(() =>
        factory({ concurrency: 2, ...row.patch } as PoolOptions<number>),
      );
      expect(error).toBeInstanceOf(kind === 'TypeError' ? TypeError : RangeError);
    },
  );

  it.each(rows)(
    '%s names the option and the value received for `%s: %s`',
    (_name, option, _value, _kind, factory, row) => {
      const error = thrownBy(() =>
        factory({ concurrency: 2, ...row.patch } as PoolOptions<number>),
      );
      expect(error).toBeInstanceOf(Error);
      const message = (error as Error).message;
      expect(message).toMatch(new RegExp(`\`${option}(\\.[a-z]+)?\``));
      const shown = row.shown;
      // The value appears in backticks, strings possibly quoted: got `-1`, got `'2'`, got `2`.
      const text = typeof shown === 'string' ? `('${shown}'|${shown})` : escape(String(shown));
      expect(message).toMatch(new RegExp(`got \`${text}\``));
      const type = shown === null ? '(null|object)' : typeof shown;
      expect(message).toMatch(new RegExp(`\\(${type}\\)`));
    },
  );

  it.each(factories)('%s words a bad tolerate p-map style', (_name, factory) => {
    expect(() => factory({ concurrency: 2, tolerate: -1 })).toThrow(
      new RangeError(
        'Expected `tolerate` to be an integer from 0 and up or `Infinity`, got `-1` (number)',
      ),
    );
  });

  const goodValues: [string, Partial<PoolOptions<number>>][] = [
    ['tolerate: 0', { tolerate: 0 }],
    ['tolerate: 3', { tolerate: 3 }],
    ['tolerate: Infinity', { tolerate: Infinity }],
    ['onFailure: a function', { onFailure: () => undefined }],
    ["halt: 'abort'", { halt: 'abort' }],
    ["halt: 'drain'", { halt: 'drain' }],
    ['retry: 0', { retry: 0 }],
    ['retry: 2', { retry: 2 }],
    ['retry: Infinity', { retry: Infinity }],
    ['retry: { count: 2 }', { retry: { count: 2 } }],
    ['retry: { count: 2, delay: 0 }', { retry: { count: 2, delay: 0 } }],
    ['retry: { count: 2, delay: 100 }', { retry: { count: 2, delay: 100 } }],
    ['retry: { count: 2, delay: fn }', { retry: { count: 2, delay: () => of(0) } }],
    ['timeout: 1', { timeout: 1 }],
    ['timeout: 0.5', { timeout: 0.5 }],
    ['ordered: true', { ordered: true }],
    ['ordered: false', { ordered: false }],
    ['stop: an Observable', { stop: EMPTY }],
    ['stop: a Promise', { stop: new Promise<void>(() => undefined) }],
    ['signal: an AbortSignal', { signal: new AbortController().signal }],
    ['onProgress: a function', { onProgress: () => undefined }],
    ['every new option left undefined', {}],
  ];

  it.each(
    factories.flatMap(([name, factory]) =>
      goodValues.map(([label, patch]) => [name, label, factory, patch] as const),
    ),
  )('%s accepts %s', (_name, _label, factory, patch) => {
    expect(() => factory({ concurrency: 2, ...patch })).not.toThrow();
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
