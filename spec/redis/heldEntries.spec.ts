/**
 * The entries a redisStream source holds (accepted by the pool, not settled yet), and the entries
 * it makes: a StreamEntry whose own properties are id, fields and deliveries, nothing else.
 */
import { inspect } from 'node:util';
import fc from 'fast-check';
import { HeldEntries, SourceEntry } from '../../src/redis/heldEntries.js';

const entry = (id: string) => new SourceEntry(id, { n: id }, 1);

describe('SourceEntry', () => {
  it('has id, fields and deliveries as its only own properties: a copy, JSON and keys see only those', () => {
    const made = new SourceEntry('1-0', { job: 'a' }, 2);
    expect(Object.keys(made)).toEqual(['id', 'fields', 'deliveries']);
    expect({ ...made }).toStrictEqual({ id: '1-0', fields: { job: 'a' }, deliveries: 2 });
    expect(JSON.parse(JSON.stringify(made))).toStrictEqual({
      id: '1-0',
      fields: { job: 'a' },
      deliveries: 2,
    });
  });

  it('shows as a StreamEntry, the type the user knows it by (console.log, util.inspect)', () => {
    const made = new SourceEntry('1-0', { job: 'a' }, 2);
    expect(inspect(made)).toBe("StreamEntry { id: '1-0', fields: { job: 'a' }, deliveries: 2 }");
  });

  it('keeps no trace of having been held: a held and deleted entry still has the same keys', () => {
    const held = new HeldEntries();
    const made = entry('1-0');
    held.add(made);
    held.delete(made);
    expect(Object.keys(made)).toEqual(['id', 'fields', 'deliveries']);
  });
});

describe('HeldEntries', () => {
  it('counts and lists what is held; deleting twice, or what was never held, changes nothing', () => {
    const held = new HeldEntries();
    const [a, b, c] = [entry('1-0'), entry('2-0'), entry('3-0')];
    held.add(a);
    held.add(b);
    held.delete(a);
    held.delete(a);
    held.delete(c);
    held.delete({ id: '2-0', fields: {}, deliveries: 1 }); // the same id, not the held entry
    expect(held.size).toBe(1);
    expect(held.ids()).toEqual(['2-0']);
    held.add(c);
    held.add(a);
    expect(held.size).toBe(3);
    expect(held.ids().sort()).toEqual(['1-0', '2-0', '3-0']);
  });

  it('always holds exactly what a Set of the same entries holds, whatever the order of adds and deletes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ add: fc.boolean(), which: fc.nat({ max: 7 }) }), { maxLength: 200 }),
        (steps) => {
          const entries = Array.from({ length: 8 }, (_, i) => entry(`${i}-0`));
          const held = new HeldEntries();
          const model = new Set<SourceEntry>();
          for (const { add, which } of steps) {
            const target = entries[which]!;
            // An entry is added only while it is not held (the source hands each entry once).
            if (add && !model.has(target)) {
              held.add(target);
              model.add(target);
            } else if (!add) {
              held.delete(target);
              model.delete(target);
            }
            expect(held.size).toBe(model.size);
          }
          expect(held.ids().sort()).toEqual([...model].map((e) => e.id).sort());
        },
      ),
    );
  });
});
