import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeftoverFile } from '../../src/cli/leftoverFile';
import { UsageError } from '../../src/cli/usageError';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxjs-pool-leftover-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('LeftoverFile', () => {
  it('writes one line per item and puts the file in place on commit', () => {
    const target = join(dir, 'left.txt');
    const file = LeftoverFile.open(target);
    file.write('a');
    file.write('b c');
    expect(existsSync(target)).toBe(false);
    file.commit();
    expect(readFileSync(target, 'utf8')).toBe('a\nb c\n');
    expect(file.count).toBe(2);
    expect(readdirSync(dir)).toEqual(['left.txt']);
  });

  it('writes an empty file when nothing is left over', () => {
    const target = join(dir, 'left.txt');
    LeftoverFile.open(target).commit();
    expect(readFileSync(target, 'utf8')).toBe('');
  });

  it('replaces the target only on commit, so it may be the input being read', () => {
    const target = join(dir, 'items.txt');
    writeFileSync(target, 'x\ny\n');
    const file = LeftoverFile.open(target);
    expect(readFileSync(target, 'utf8')).toBe('x\ny\n');
    file.write('y');
    file.commit();
    expect(readFileSync(target, 'utf8')).toBe('y\n');
  });

  it('writes many lines through its buffer without losing any', () => {
    const target = join(dir, 'left.txt');
    const file = LeftoverFile.open(target);
    for (let i = 0; i < 100_000; i++) file.write(`item ${i}`);
    file.commit();
    const lines = readFileSync(target, 'utf8').split('\n');
    expect(lines.length).toBe(100_001);
    expect(lines[99_999]).toBe('item 99999');
  });

  it('refuses a path it cannot create with a UsageError, before any work', () => {
    expect(() => LeftoverFile.open(join(dir, 'missing', 'left.txt'))).toThrow(UsageError);
    expect(() => LeftoverFile.open(join(dir, 'missing', 'left.txt'))).toThrow(
      /cannot write --leftover .*ENOENT/,
    );
  });

  it('leaves nothing behind when discarded', () => {
    LeftoverFile.open(join(dir, 'left.txt')).discard();
    expect(readdirSync(dir)).toEqual([]);
  });
});
