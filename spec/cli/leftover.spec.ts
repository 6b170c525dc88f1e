import { InputOrderLedger, type ItemOutcome } from '../../src/cli/leftover';

function recorder(): {
  ledger: InputOrderLedger<string>;
  handed: [string, ItemOutcome | undefined][];
} {
  const handed: [string, ItemOutcome | undefined][] = [];
  const ledger = new InputOrderLedger<string>((value, outcome) => handed.push([value, outcome]));
  return { ledger, handed };
}

describe('InputOrderLedger', () => {
  it('hands on a settled item at once when everything before it is settled', () => {
    const { ledger, handed } = recorder();
    ledger.take(0, 'a');
    ledger.settle(0, 'failed');
    expect(handed).toEqual([['a', 'failed']]);
    expect(ledger.size).toBe(0);
  });

  it('holds a settled item until every earlier item is settled', () => {
    const { ledger, handed } = recorder();
    ledger.take(0, 'a');
    ledger.take(1, 'b');
    ledger.take(2, 'c');
    ledger.settle(2, 'failed');
    ledger.settle(1, 'succeeded');
    expect(handed).toEqual([]);
    ledger.settle(0, 'succeeded');
    expect(handed).toEqual([
      ['a', 'succeeded'],
      ['b', 'succeeded'],
      ['c', 'failed'],
    ]);
  });

  it('hands on what remains at the end, in input order, unsettled ones without an outcome', () => {
    const { ledger, handed } = recorder();
    ['a', 'b', 'c', 'd'].forEach((value, index) => ledger.take(index, value));
    ledger.settle(3, 'failed');
    ledger.settle(1, 'succeeded');
    ledger.end();
    expect(handed).toEqual([
      ['a', undefined],
      ['b', 'succeeded'],
      ['c', undefined],
      ['d', 'failed'],
    ]);
  });

  it('ignores a second outcome for the same item', () => {
    const { ledger, handed } = recorder();
    ledger.take(0, 'a');
    ledger.take(1, 'b');
    ledger.settle(1, 'failed');
    ledger.settle(1, 'succeeded');
    ledger.end();
    expect(handed).toEqual([
      ['a', undefined],
      ['b', 'failed'],
    ]);
  });

  it('refuses an item taken after the end', () => {
    const { ledger } = recorder();
    ledger.end();
    expect(() => ledger.take(0, 'a')).toThrow(/after end/);
  });

  it('holds only the items from the oldest unsettled one on', () => {
    const { ledger } = recorder();
    for (let i = 0; i < 1000; i++) {
      ledger.take(i, String(i));
      if (i >= 2) ledger.settle(i - 2, 'succeeded');
    }
    expect(ledger.size).toBe(2);
  });
});
