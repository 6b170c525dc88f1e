import { integerFrom, oneOf, positiveMilliseconds } from '../../src/cli/args';
import { UsageError } from '../../src/cli/usageError';

describe('integerFrom', () => {
  it('parses a whole number at or above the minimum', () => {
    expect(integerFrom(1, false)('4', '--n')).toBe(4);
    expect(integerFrom(0, false)('0', '--n')).toBe(0);
    expect(integerFrom(-1, false)('-1', '--n')).toBe(-1);
  });

  it('refuses a number below the minimum, naming the flag and the value', () => {
    expect(() => integerFrom(1, true)('0', '--concurrency')).toThrow(UsageError);
    expect(() => integerFrom(1, true)('0', '--concurrency')).toThrow(
      'Expected `--concurrency` to be an integer from 1 and up, or Infinity, received `0`',
    );
  });

  it.each(['1.5', 'abc', '', '2x', '1e3', 'NaN', '99999999999999999999'])('refuses %p', (value) => {
    expect(() => integerFrom(0, false)(value, '--n')).toThrow(
      `Expected \`--n\` to be an integer from 0 and up, received \`${value}\``,
    );
  });

  it.each(['Infinity', 'inf', 'INF', 'unlimited'])('reads %p as Infinity when allowed', (value) => {
    expect(integerFrom(1, true)(value, '--n')).toBe(Infinity);
  });

  it('refuses Infinity when not allowed', () => {
    expect(() => integerFrom(0, false)('Infinity', '--retry')).toThrow(
      'Expected `--retry` to be an integer from 0 and up, received `Infinity`',
    );
  });
});

describe('positiveMilliseconds', () => {
  it('parses a positive number, decimals included', () => {
    expect(positiveMilliseconds('1500', '--timeout')).toBe(1500);
    expect(positiveMilliseconds('0.5', '--timeout')).toBe(0.5);
  });

  it.each(['0', '-1', 'abc', '', 'Infinity'])('refuses %p', (value) => {
    expect(() => positiveMilliseconds(value, '--timeout')).toThrow(
      `Expected \`--timeout\` to be a number of milliseconds greater than 0, received \`${value}\``,
    );
  });
});

describe('oneOf', () => {
  const halt = oneOf(['abort', 'drain'] as const);

  it('accepts each of its words', () => {
    expect([halt('abort', '--halt'), halt('drain', '--halt')]).toEqual(['abort', 'drain']);
  });

  it.each(['soon', 'ABORT', ''])('refuses %p, naming the choices', (value) => {
    expect(() => halt(value, '--halt')).toThrow(
      `Expected \`--halt\` to be one of abort, drain, received \`${value}\``,
    );
  });
});
