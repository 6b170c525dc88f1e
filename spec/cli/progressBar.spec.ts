import { Writable } from 'node:stream';
import type { PoolProgress } from '../../src/index';
import { progressBar } from '../../src/cli/progressBar';

/** A stream that records what is written to it; a terminal when `isTTY`. */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: () => string } {
  let written = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      written += chunk.toString();
      callback();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, {
    isTTY,
    columns: 200,
    cursorTo: (_x: number, _y?: unknown, cb?: () => void) => (cb?.(), true),
    clearLine: (_dir: number, cb?: () => void) => (cb?.(), true),
    moveCursor: (_dx: number, _dy: number, cb?: () => void) => (cb?.(), true),
  });
  return { stream, written: () => written };
}

const progress: PoolProgress = {
  accepted: 5,
  queued: 1,
  active: 1,
  succeeded: 2,
  failed: 1,
  retried: 0,
  dropped: 0,
};

describe('progressBar', () => {
  it('draws nothing when the stream is not a terminal', () => {
    const { stream, written } = fakeStream(false);
    const display = progressBar(stream, true);
    display.update(progress);
    display.stop();
    expect(written()).toBe('');
  });

  it('draws nothing with --no-progress, even on a terminal', () => {
    const { stream, written } = fakeStream(true);
    const display = progressBar(stream, false);
    display.update(progress);
    display.stop();
    expect(written()).toBe('');
  });

  it('draws done/taken and the counts on a terminal', () => {
    const { stream, written } = fakeStream(true);
    const display = progressBar(stream, true);
    display.update(progress);
    display.stop();
    expect(written()).toContain('3/5 done | 1 running | 1 queued | 1 failed | 0 retried');
  });

  it('follows the counts as they change', () => {
    const { stream, written } = fakeStream(true);
    const display = progressBar(stream, true);
    display.update(progress);
    display.update({ ...progress, accepted: 8, succeeded: 6, active: 0, queued: 0 });
    display.stop();
    expect(written()).toContain('7/8 done | 0 running | 0 queued | 1 failed | 0 retried');
  });
});
