import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './usageError.js';

/** Bytes gathered before one write to the disk. */
const CHUNK = 64 * 1024;

/**
 * The `--leftover` file, written line by line while the run goes on and put in place when it ends.
 * It is written to a temporary file beside the target and renamed over it by `commit()`, so the
 * target may be the very file the run reads its input from (`--input left.txt --leftover
 * left.txt`): it is replaced only after the input has been read to the end.
 *
 * @example
 * ```ts
 * const leftover = LeftoverFile.open('left.txt'); // throws UsageError when it cannot be created
 * leftover.write('item 7');
 * leftover.commit(); // left.txt now holds "item 7\n"
 * ```
 */
export class LeftoverFile {
  private buffer = '';
  private lines = 0;
  private done = false;

  private constructor(
    private readonly target: string,
    private readonly temporary: string,
    private readonly fd: number,
  ) {}

  /**
   * Creates the temporary file at once, so that a path that cannot be written is reported before
   * any work starts.
   *
   * @param target - the path given to `--leftover`.
   * @throws {@link UsageError} when the file cannot be created.
   */
  static open(target: string): LeftoverFile {
    const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
    try {
      return new LeftoverFile(target, temporary, openSync(temporary, 'w'));
    } catch (error) {
      throw new UsageError(
        `cannot write --leftover ${target}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
  }

  /** How many lines were written. */
  get count(): number {
    return this.lines;
  }

  /** Appends one item as one line. */
  write(line: string): void {
    if (this.done) throw new Error('LeftoverFile: write() after commit()');
    this.buffer += `${line}\n`;
    this.lines++;
    if (this.buffer.length >= CHUNK) this.flush();
  }

  /** Writes what is buffered and puts the file in place of the target. */
  commit(): void {
    if (this.done) return;
    this.done = true;
    this.flush();
    closeSync(this.fd);
    renameSync(this.temporary, this.target);
  }

  /** Drops the temporary file (when the run could not start). */
  discard(): void {
    if (this.done) return;
    this.done = true;
    closeSync(this.fd);
    rmSync(this.temporary, { force: true });
  }

  private flush(): void {
    if (this.buffer === '') return;
    const bytes = Buffer.from(this.buffer, 'utf8');
    this.buffer = '';
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset);
  }
}
