import { InvalidArgumentError } from 'commander';
import { integerFrom, positiveMilliseconds } from '../../src/cli/args';

describe('integerFrom', () => {
  it('parses a whole number at or above the minimum', () => {
    expect(integerFrom(1, false)('4')).toBe(4);
    expect(integerFrom(0, false)('0')).toBe(0);
    expect(integerFrom(-1, false)('-1')).toBe(-1);
  });

  it('refuses a number below the minimum', () => {
    expect(() => integerFrom(1, true)('0')).toThrow(InvalidArgumentError);
    expect(() => integerFrom(1, true)('0')).toThrow(
      'Expected an integer from 1 and up, or Infinity.',
    );
  });

  it.each(['1.5', 'abc', '', '2x', '1e3', 'NaN'])('refuses %p', (value) => {
    expect(() => integerFrom(0, false)(value)).toThrow(InvalidArgumentError);
  });

  it.each(['Infinity', 'inf', 'INF', 'unlimited'])('reads %p as Infinity when allowed', (value) => {
    expect(integerFrom(1, true)(value)).toBe(Infinity);
  });

  it('refuses Infinity when not allowed', () => {
    expect(() => integerFrom(0, false)('Infinity')).toThrow('Expected an integer from 0 and up.');
  });
});

describe('positiveMilliseconds', () => {
  it('parses a positive number, decimals included', () => {
    expect(positiveMilliseconds('1500')).toBe(1500);
    expect(positiveMilliseconds('0.5')).toBe(0.5);
  });

  it.each(['0', '-1', 'abc', '', 'Infinity'])('refuses %p', (value) => {
    expect(() => positiveMilliseconds(value)).toThrow(InvalidArgumentError);
  });
});
