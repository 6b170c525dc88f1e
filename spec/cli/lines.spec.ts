import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { countItems, readLines, type LineReader } from '../../src/cli/lines';

async function readAll(reader: LineReader): Promise<string[]> {
  const lines: string[] = [];
  for (let line = await reader.next(); line !== undefined; line = await reader.next()) {
    lines.push(line);
  }
  return lines;
}

describe('readLines', () => {
  it('reads lines ending with \\n or \\r\\n, and a last line without an ending', async () => {
    const reader = readLines(Readable.from(['a\nb\r\nc', 'd\n\ne']));
    expect(await readAll(reader)).toEqual(['a', 'b', 'cd', '', 'e']);
  });

  it('answers undefined at the end, and again after it', async () => {
    const reader = readLines(Readable.from(['a\n']));
    await reader.next();
    expect(await reader.next()).toBeUndefined();
    expect(await reader.next()).toBeUndefined();
  });

  it('reads lazily: one line read pulls only a bounded part of a huge input', async () => {
    let pulled = 0;
    function* chunks(): Generator<string> {
      for (let i = 0; i < 1_000_000; i++) {
        pulled++;
        yield `line ${i}\n`;
      }
    }
    const input = Readable.from(chunks());
    const reader = readLines(input);
    expect(await reader.next()).toBe('line 0');
    await new Promise((resolve) => setImmediate(resolve));
    expect(pulled).toBeLessThan(20_000);
    reader.close();
  });

  it('lets the rest be read by the same reader after a consumer stopped asking', async () => {
    const reader = readLines(Readable.from(['1\n2\n3\n4\n']));
    expect(await reader.next()).toBe('1');
    expect(await readAll(reader)).toEqual(['2', '3', '4']);
  });

  it('answers undefined after close() and releases the stream', async () => {
    const input = Readable.from(['a\nb\n']);
    const reader = readLines(input);
    reader.close();
    expect(await reader.next()).toBeUndefined();
    expect(input.destroyed).toBe(true);
  });
});

describe('LineReader.ended', () => {
  it('is false while the input is open, and true once it has ended', async () => {
    const input = new PassThrough();
    const reader = readLines(input);
    input.write('a\n');
    expect(await reader.next()).toBe('a');
    expect(reader.ended).toBe(false);
    input.end('b\n');
    expect(await reader.next()).toBe('b');
    expect(await reader.next()).toBeUndefined();
    expect(reader.ended).toBe(true);
    reader.close();
  });
});

describe('countItems', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rxjs-pool-lines-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('counts the lines of a file that are items: blank lines left out, a last line without an ending in', async () => {
    const file = join(dir, 'items.txt');
    writeFileSync(file, 'a\n\nb\r\nc');
    expect(await countItems(file, new AbortController().signal)).toBe(3);
  });

  it('rejects when the file cannot be read', async () => {
    await expect(
      countItems(join(dir, 'missing.txt'), new AbortController().signal),
    ).rejects.toThrow(/ENOENT/);
  });
});
