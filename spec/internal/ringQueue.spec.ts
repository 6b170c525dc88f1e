import fc from 'fast-check';
import { RingQueue } from '../../src/internal/ringQueue';

describe('RingQueue', () => {
  it('shifts items in the order they were pushed, across many blocks', () => {
    const queue = new RingQueue<number>();
    for (let i = 0; i < 5000; i++) queue.push(i);
    expect(queue.length).toBe(5000);
    const taken: number[] = [];
    while (queue.length > 0) taken.push(queue.shift());
    expect(taken).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  it('peeks at the oldest item without taking it, and gives undefined when empty', () => {
    const queue = new RingQueue<string>();
    expect(queue.peek()).toBeUndefined();
    for (let i = 0; i < 16; i++) queue.push(`item ${i}`);
    queue.push('next block');
    for (let i = 0; i < 16; i++) queue.shift();
    expect(queue.peek()).toBe('next block');
    expect(queue.length).toBe(1);
  });

  it('drains every item, oldest first, and is empty and usable afterwards', () => {
    const queue = new RingQueue<number>();
    for (let i = 0; i < 40; i++) queue.push(i);
    queue.shift();
    expect(queue.drain()).toEqual(Array.from({ length: 39 }, (_, i) => i + 1));
    expect(queue.length).toBe(0);
    queue.push(7);
    expect(queue.shift()).toBe(7);
  });

  it('behaves as an array used as a queue, for any mix of pushes, shifts and drains', () => {
    const operation = fc.oneof(
      { arbitrary: fc.record({ push: fc.integer({ min: 1, max: 2500 }) }), weight: 3 },
      { arbitrary: fc.record({ shift: fc.integer({ min: 1, max: 2500 }) }), weight: 3 },
      { arbitrary: fc.constant({ drain: true }), weight: 1 },
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 30 }), (operations) => {
        const queue = new RingQueue<number>();
        const model: number[] = [];
        let next = 0;
        for (const op of operations) {
          if ('push' in op) {
            for (let i = 0; i < op.push; i++) {
              queue.push(next);
              model.push(next++);
            }
          } else if ('shift' in op) {
            const count = Math.min(op.shift, model.length);
            const taken: number[] = [];
            for (let i = 0; i < count; i++) taken.push(queue.shift());
            expect(taken).toEqual(model.splice(0, count));
          } else {
            expect(queue.drain()).toEqual(model.splice(0));
          }
          expect(queue.length).toBe(model.length);
          expect(queue.peek()).toBe(model[0]);
        }
      }),
      { numRuns: 100 },
    );
  });
});
