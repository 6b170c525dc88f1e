/** One fixed-size block of a {@link RingQueue}; blocks form a singly linked list, oldest first. */
interface Chunk<T> {
  readonly slots: (T | undefined)[];
  /** Next slot to read. */
  read: number;
  /** Next slot to write. */
  write: number;
  next: Chunk<T> | undefined;
}

/** The first block's size; each new block doubles it, up to {@link MAX_CHUNK}. */
const FIRST_CHUNK = 16;
/** The largest block: a million queued items take about a thousand blocks. */
const MAX_CHUNK = 1024;

function newChunk<T>(size: number): Chunk<T> {
  return { slots: new Array<T | undefined>(size), read: 0, write: 0, next: undefined };
}

/**
 * A first-in, first-out queue on a linked list of fixed-size blocks: `push` and `shift` are O(1)
 * and growing never copies, so a million waiting items cost linear time (an array's `shift()` is
 * O(n) on large arrays, which makes `mergeMap`'s buffer quadratic), and a draining queue lets go
 * of each block as soon as it is read to the end.
 *
 * The rules it keeps: a taken item's slot is cleared at once (the queue never keeps a taken item
 * alive); at most one spare block is kept for reuse, so a queue that hovers around a block's
 * boundary allocates nothing, and an emptied queue holds at most two blocks.
 *
 * @internal
 */
export class RingQueue<T> {
  /** The block holding the oldest item: while the queue is not empty it has an unread slot. */
  private head: Chunk<T> = newChunk<T>(FIRST_CHUNK);
  /** The block the next item goes to; a new block is linked only when it is full. */
  private tail: Chunk<T> = this.head;
  /** A read-out block kept for the next growth, or `undefined`. */
  private spare: Chunk<T> | undefined = undefined;
  length = 0;

  push(item: T): void {
    let tail = this.tail;
    if (tail.write === tail.slots.length) tail = this.grow(tail);
    tail.slots[tail.write++] = item;
    this.length++;
  }

  /** Removes and returns the oldest item; the queue must not be empty. */
  shift(): T {
    const head = this.head;
    const item = head.slots[head.read] as T;
    // The slot is cleared so the queue never keeps a taken item alive.
    head.slots[head.read++] = undefined;
    if (--this.length === 0) {
      // Empty, so this is the only block: start it over.
      head.read = head.write = 0;
    } else if (head.read === head.write) {
      this.leave(head);
    }
    return item;
  }

  /** The tail block is full: a new one, twice as large up to MAX_CHUNK, becomes the tail. */
  private grow(tail: Chunk<T>): Chunk<T> {
    return (this.tail = tail.next = this.takeChunk(Math.min(tail.slots.length * 2, MAX_CHUNK)));
  }

  /** Read out (it was full) and the rest is in the next block: let go of it, keep it as spare. */
  private leave(head: Chunk<T>): void {
    this.head = head.next!;
    head.next = undefined;
    head.read = head.write = 0;
    this.spare = head;
  }

  /** The oldest item, or `undefined` when the queue is empty. */
  peek(): T | undefined {
    return this.length === 0 ? undefined : this.head.slots[this.head.read];
  }

  /** Empties the queue and returns its items, oldest first. */
  drain(): T[] {
    const items: T[] = [];
    while (this.length > 0) items.push(this.shift());
    return items;
  }

  /** A block of `size` slots: the spare if it has that size, else a new one. */
  private takeChunk(size: number): Chunk<T> {
    const spare = this.spare;
    if (spare !== undefined && spare.slots.length === size) {
      this.spare = undefined;
      return spare;
    }
    return newChunk<T>(size);
  }
}
