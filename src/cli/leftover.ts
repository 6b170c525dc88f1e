import type { PoolOutcome } from '../index.js';

/** What became of an item the pool took: the pool's own {@link PoolOutcome}, from its `onSettle`. */
export type ItemOutcome = PoolOutcome;

interface Entry<V> {
  readonly value: V;
  outcome: ItemOutcome | undefined;
}

/**
 * Keeps the items the pool took, by input index, until everything before them is settled, and
 * hands them on in input order: settled items go to `onSettled` as soon as every earlier item is
 * settled too; at the end, {@link InputOrderLedger.end} hands on what remains (items whose outcome
 * never came: unstarted or unfinished), still in input order.
 *
 * The CLI uses two: one writes `--leftover` (every item that did not succeed, in input order) and
 * one prints results with `--ordered`. It holds only the items between the oldest unsettled one
 * and the newest taken one.
 *
 * @typeParam V - what is kept for each item (its line, its result...).
 *
 * @example
 * ```ts
 * const leftover: string[] = [];
 * const ledger = new InputOrderLedger<string>((line, outcome) => {
 *   if (outcome !== 'succeeded') leftover.push(line);
 * });
 * ledger.take(0, 'a'); ledger.take(1, 'b'); ledger.take(2, 'c');
 * ledger.settle(1, 'failed'); // held: 'a' is not settled yet
 * ledger.settle(0, 'succeeded'); // hands on 'a', then 'b'
 * ledger.end(); // hands on 'c' (never settled)
 * leftover; // ['b', 'c']
 * ```
 */
export class InputOrderLedger<V> {
  private readonly entries = new Map<number, Entry<V>>();
  /** The lowest index not handed on yet. */
  private nextIndex = 0;
  private ended = false;

  /**
   * @param onSettled - called once per item, in input order: with its outcome, or with
   *   `undefined` for an item handed on by `end()` without one.
   */
  constructor(private readonly onSettled: (value: V, outcome: ItemOutcome | undefined) => void) {}

  /** How many items are held. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Records that the pool took the item at `index`. Indexes are taken in order, from 0, without
   * gaps.
   */
  take(index: number, value: V): void {
    if (this.ended) throw new Error('InputOrderLedger: take() after end()');
    this.entries.set(index, { value, outcome: undefined });
  }

  /**
   * Forgets the item at `index`, the last one taken: the pool refused it (it had let go of its
   * source), so it never gets an outcome and is no longer this ledger's.
   */
  withdraw(index: number): void {
    this.entries.delete(index);
  }

  /** Records an item's outcome, and hands on every item that is now settled in order. */
  settle(index: number, outcome: ItemOutcome): void {
    const entry = this.entries.get(index);
    if (entry === undefined || entry.outcome !== undefined) return;
    entry.outcome = outcome;
    this.flush();
  }

  /**
   * Hands on every item still held, in input order, settled or not. Nothing can be taken after.
   */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const rest = [...this.entries.entries()].sort(([a], [b]) => a - b);
    this.entries.clear();
    for (const [, entry] of rest) this.onSettled(entry.value, entry.outcome);
  }

  private flush(): void {
    for (;;) {
      const entry = this.entries.get(this.nextIndex);
      if (entry === undefined || entry.outcome === undefined) return;
      this.entries.delete(this.nextIndex);
      this.nextIndex++;
      this.onSettled(entry.value, entry.outcome);
    }
  }
}
