/**
 * `runItems` in this process, with real child processes (`node -e`), for what is easier to watch
 * from inside than through the built CLI (see main.spec.ts for that).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { RunOptions } from '../../src/cli/program';
import { runItems, type RunIO } from '../../src/cli/run';
import { UsageError } from '../../src/cli/usageError';

jest.setTimeout(60_000);

const defaults: RunOptions = {
  concurrency: 2,
  bufferSize: 0,
  tolerate: 0,
  halt: 'abort',
  retry: 0,
  ordered: false,
  shell: false,
  progress: false,
};

interface Captured {
  io: RunIO;
  results: Record<string, unknown>[];
  messages: string[];
  goAway: (error: unknown) => void;
}

function capture(input: string[], writeResult?: (line: string) => void): Captured {
  const captured: Captured = {
    results: [],
    messages: [],
    goAway: () => {},
    io: undefined as never,
  };
  captured.io = {
    stdin: Readable.from(input.map((line) => `${line}\n`)),
    writeResult: (line) => {
      captured.results.push(JSON.parse(line) as Record<string, unknown>);
      writeResult?.(line);
    },
    writeMessage: (line) => captured.messages.push(line),
    progressStream: { isTTY: false } as NodeJS.WriteStream,
    onOutputGone: (listener) => {
      captured.goAway = listener;
      return () => (captured.goAway = () => {});
    },
  };
  return captured;
}

/** `node -e <script> {}`; the script must not contain `{}`. */
const script = (code: string): string[] => [process.execPath, '-e', code, '{}'];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxjs-pool-run-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('runItems', () => {
  it('with --ordered, writes failures in their input place among the results', async () => {
    // Odd items fail; item n takes (7 - n) * 20 ms, so they end in reverse order.
    const { io, results } = capture(['1', '2', '3', '4', '5', '6']);
    const code = await runItems(
      { ...defaults, concurrency: 6, ordered: true, tolerate: Infinity },
      script(
        'const n = Number(process.argv[1]); setTimeout(() => process.exit(n % 2), (7 - n) * 20)',
      ),
      io,
    );
    expect(code).toBe(1);
    expect(results.map((r) => [r['item'], r['exitCode']])).toEqual([
      ['1', 1],
      ['2', 0],
      ['3', 1],
      ['4', 0],
      ['5', 1],
      ['6', 0],
    ]);
  });

  it('aborts when the reader of the results goes away, and still writes the leftover', async () => {
    const leftover = join(dir, 'left.txt');
    const captured = capture(['a', 'b', 'c', 'd'], () => captured.goAway(new Error('EPIPE')));
    const code = await runItems(
      { ...defaults, concurrency: 1, leftover },
      script('process.stdout.write(process.argv[1])'),
      captured.io,
    );
    expect(code).toBe(1);
    expect(captured.results.map((r) => r['item'])).toEqual(['a']);
    expect(readFileSync(leftover, 'utf8')).toBe('b\nc\nd\n');
  });

  it('keeps for --leftover a line that was still being read when the pool halted', async () => {
    const leftover = join(dir, 'left.txt');
    const stdin = new PassThrough();
    const captured = capture([], () => {
      // The pool has halted on 'a' and let go of the input while it waited for the next line:
      // that line arrives only now.
      stdin.end('b\nc\nd\n');
    });
    captured.io = { ...captured.io, stdin };
    stdin.write('a\n');
    const code = await runItems(
      { ...defaults, concurrency: 2, leftover },
      script('process.exit(process.argv[1] === "a" ? 1 : 0)'),
      captured.io,
    );
    expect(code).toBe(1);
    expect(captured.results.map((r) => r['item'])).toEqual(['a']);
    expect(readFileSync(leftover, 'utf8')).toBe('a\nb\nc\nd\n');
  });

  it('says how the run ended on the message stream', async () => {
    const { io, messages } = capture(['x']);
    await runItems(defaults, script(''), io);
    expect(messages).toEqual([
      'rxjs-pool: done; 1 succeeded, 0 failed, 0 unfinished, 0 unstarted, 0 retried',
    ]);
  });

  it('refuses an unwritable --leftover with a UsageError before reading any input', async () => {
    const { io } = capture(['x']);
    await expect(
      runItems({ ...defaults, leftover: join(dir, 'nope', 'left.txt') }, script(''), io),
    ).rejects.toThrow(UsageError);
    expect(io.stdin.readableDidRead).toBe(false);
  });

  it('refuses a directory as --input with a UsageError', async () => {
    const { io } = capture([]);
    await expect(runItems({ ...defaults, input: dir }, script(''), io)).rejects.toThrow(
      /cannot read --input .*EISDIR/,
    );
  });
});
