import type { StreamEntry } from './types.js';

/** Read and write an entry's slot in {@link HeldEntries}; set once, in the class's static block. */
let slotOf: (entry: StreamEntry) => number;
let setSlot: (entry: SourceEntry, slot: number) => void;

/**
 * A {@link StreamEntry} as the source makes it for the pool. Its own properties are `id`, `fields`
 * and `deliveries`, nothing else (a copy, `JSON.stringify` and `Object.keys` see only those); the
 * slot it holds in {@link HeldEntries} is a private field. It shows as `StreamEntry`, the type the
 * user knows it by (`console.log`, `util.inspect`).
 *
 * @internal
 */
export class SourceEntry implements StreamEntry {
  #slot = -1;

  constructor(
    readonly id: string,
    readonly fields: Record<string, string>,
    readonly deliveries: number,
  ) {}

  static {
    Object.defineProperty(this, 'name', { value: 'StreamEntry' });
    slotOf = (entry) => (#slot in entry ? entry.#slot : -1);
    setSlot = (entry, slot) => {
      entry.#slot = slot;
    };
  }
}

/**
 * The entries the pool accepted and has not settled yet. Adding and deleting one is an array write
 * at the slot the entry carries: nothing is hashed per entry (this runs twice for every entry).
 *
 * @internal
 */
export class HeldEntries {
  private readonly slots: (SourceEntry | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(entry: SourceEntry): void {
    const slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.slots.length;
    this.slots[slot] = entry;
    setSlot(entry, slot);
    this.count++;
  }

  /** Deletes the entry if it is held; an entry that is not held (any more) is left as it is. */
  delete(entry: StreamEntry): void {
    const slot = slotOf(entry);
    if (slot < 0 || this.slots[slot] !== entry) return;
    this.slots[slot] = undefined;
    setSlot(entry as SourceEntry, -1);
    this.freeSlots.push(slot);
    this.count--;
  }

  /** The ids of the entries held now. */
  ids(): string[] {
    const ids: string[] = [];
    for (const entry of this.slots) if (entry !== undefined) ids.push(entry.id);
    return ids;
  }
}
