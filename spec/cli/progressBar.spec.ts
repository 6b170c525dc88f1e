import { Writable } from 'node:stream';
import type { PoolProgress } from '../../src/index';
import { progressBar, progressLine } from '../../src/cli/progressBar';

const CLEAR_LINE = '\r\x1b[2K';

/** A stream that records what is written to it; a terminal when `isTTY`. */
function fakeStream(
  isTTY: boolean,
  columns = 200,
): { stream: NodeJS.WriteStream; written: () => string } {
  let written = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      written += chunk.toString();
      callback();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY, columns });
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

describe('progressLine', () => {
  it('shows a bar and done/total when the total is known', () => {
    expect(progressLine(progress, 10)).toBe(
      `[${'█'.repeat(6)}${'░'.repeat(14)}] 3/10 done | 1 running | 1 queued | 1 failed | 0 retried`,
    );
  });

  it('shows no total and no bar when the total is not known', () => {
    expect(progressLine({ ...progress, retried: 4 })).toBe(
      '3 done | 1 running | 1 queued | 1 failed | 4 retried',
    );
  });

  it('fills the bar when everything is done', () => {
    expect(progressLine({ ...progress, succeeded: 9 }, 10)).toMatch(/^\[█{20}\] 10\/10 done/);
  });
});

describe('progressBar', () => {
  it('draws nothing when the stream is not a terminal, and writes straight through', () => {
    const { stream, written } = fakeStream(false);
    const display = progressBar(stream, true);
    const lines: string[] = [];
    display.update(progress);
    display.around(() => lines.push('result'));
    display.stop();
    expect({ enabled: display.enabled, written: written(), lines }).toEqual({
      enabled: false,
      written: '',
      lines: ['result'],
    });
  });

  it('draws nothing with --no-progress, even on a terminal', () => {
    const { stream, written } = fakeStream(true);
    const display = progressBar(stream, false);
    display.update(progress);
    display.stop();
    expect(written()).toBe('');
  });

  it('draws the counts on a terminal, and erases them when stopped', () => {
    const { stream, written } = fakeStream(true);
    const display = progressBar(stream, true);
    display.update(progress);
    display.stop();
    expect(written()).toBe(
      `${CLEAR_LINE}3 done | 1 running | 1 queued | 1 failed | 0 retried${CLEAR_LINE}`,
    );
  });

  it('erases the bar, lets the line be written, then draws the bar again with the latest counts', () => {
    const { stream, written } = fakeStream(true);
    const display = progressBar(stream, true);
    display.update(progress);
    display.update({ ...progress, succeeded: 3 }); // within 100 ms of the first draw: not drawn yet
    display.setTotal(8);
    display.around(() => stream.write('{"item":"a"}\n'));
    display.stop();
    expect(written().split(CLEAR_LINE)).toEqual([
      '',
      '3 done | 1 running | 1 queued | 1 failed | 0 retried',
      '{"item":"a"}\n',
      `[${'█'.repeat(10)}${'░'.repeat(10)}] 4/8 done | 1 running | 1 queued | 1 failed | 0 retried`,
      '',
    ]);
  });

  it('cuts the bar to the terminal width so that it never wraps', () => {
    const { stream, written } = fakeStream(true, 30);
    const display = progressBar(stream, true);
    display.update(progress);
    display.stop();
    const [, bar] = written().split(CLEAR_LINE);
    expect(bar).toBe('3 done | 1 running | 1 queued');
    expect(bar).toHaveLength(29);
  });

  it('draws nothing more once stopped', () => {
    const { stream, written } = fakeStream(true);
    const display = progressBar(stream, true);
    display.stop();
    display.update(progress);
    display.around(() => stream.write('line\n'));
    expect(written()).toBe('line\n');
  });
});
