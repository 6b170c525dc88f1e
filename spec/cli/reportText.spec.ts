import { describeError, formatReport } from '../../src/cli/reportText';

const base = { accepted: 0, succeeded: 0, failed: 0, dropped: 0, retried: 0 };

describe('formatReport', () => {
  it('names the reason, every counter and the lists', () => {
    const lines = formatReport({
      ...base,
      reason: 'error',
      error: new Error('request 11 failed'),
      accepted: 6,
      succeeded: 2,
      failed: 1,
      unstarted: [5],
      unfinished: [3, 4],
    });
    expect(lines).toEqual([
      'reason      error: Error: request 11 failed',
      'accepted    6',
      'succeeded   2',
      'failed      1',
      'dropped     0',
      'retried     0',
      'unfinished  2: 3, 4',
      'unstarted   1: 5',
      'ledger      6 = 2 + 1 + 0 + 1 + 2 (succeeded + failed + dropped + unstarted + unfinished)',
    ]);
  });

  it('sums up long lists after 20 items', () => {
    const unstarted = Array.from({ length: 25 }, (_, i) => i);
    const lines = formatReport({
      ...base,
      reason: 'stopped',
      accepted: 25,
      unstarted,
      unfinished: [],
    });
    expect(lines).toContain(
      'unstarted   25: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, ... and 5 more',
    );
  });

  it('shows a ledger that does not balance with !=', () => {
    const lines = formatReport({
      ...base,
      reason: 'complete',
      accepted: 3,
      succeeded: 1,
      unstarted: [],
      unfinished: [],
    });
    expect(lines[lines.length - 1]).toMatch(/^ledger {6}3 != 1 \+/);
  });
});

describe('describeError', () => {
  it('writes an Error as name: message', () => {
    expect(describeError(new RangeError('bad'))).toBe('RangeError: bad');
  });

  it('writes anything else as a string', () => {
    expect(describeError(42)).toBe('42');
  });
});
