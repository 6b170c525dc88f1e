/**
 * A first-in, first-out queue on a growable ring buffer: `push` and `shift` are O(1), so a
 * million waiting items cost linear time (an array's `shift()` is O(n) on large arrays, which
 * makes `mergeMap`'s buffer quadratic).
 *
 * @internal
 */
export class RingQueue<T> {
  private slots: (T | undefined)[] = new Array<T | undefined>(16);
  /** Index of the first item; the capacity is always a power of two so `& mask` wraps. */
  private head = 0;
  private mask = 15;
  length = 0;

  push(item: T): void {
    if (this.length > this.mask) this.grow();
    this.slots[(this.head + this.length) & this.mask] = item;
    this.length++;
  }

  /** Removes and returns the oldest item; the queue must not be empty. */
  shift(): T {
    const item = this.slots[this.head] as T;
    // The slot is cleared so the queue never keeps a taken item alive.
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    return item;
  }

  /** The oldest item, or `undefined` when the queue is empty. */
  peek(): T | undefined {
    return this.length === 0 ? undefined : this.slots[this.head];
  }

  /** Empties the queue and returns its items, oldest first. */
  drain(): T[] {
    const items: T[] = [];
    while (this.length > 0) items.push(this.shift());
    return items;
  }

  private grow(): void {
    const capacity = this.mask + 1;
    const slots = new Array<T | undefined>(capacity * 2);
    for (let i = 0; i < this.length; i++) slots[i] = this.slots[(this.head + i) & this.mask];
    this.slots = slots;
    this.head = 0;
    this.mask = capacity * 2 - 1;
  }
}
