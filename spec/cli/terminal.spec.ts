/**
 * The built `rxjs-pool` command in a real pseudo-terminal, as a person typing it sees it: stdout
 * and stderr are the same terminal. `script` (util-linux) runs it and records every byte written
 * to the terminal; a small screen model replays those bytes (carriage returns, line erases, lines
 * wrapping at the terminal's width) into the text that stays on the screen.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitUntil } from '../helpers/polling';

const cli = resolve(__dirname, '../../dist/esm/cli/main.js');
const COLUMNS = 72;
/** The escape character that starts a terminal control sequence. */
const ESC = '\x1b';
/** A control sequence: ESC [ parameters final-letter. */
const CONTROL_SEQUENCE = new RegExp(`^${ESC}\\[([?0-9;]*)([A-Za-z])`);

jest.setTimeout(60_000);

/** Quotes a word for the shell that `script -c` starts. */
const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * Runs a shell command line in a pseudo-terminal `COLUMNS` wide; `keys` are typed into it.
 * Resolves with everything written to the terminal.
 */
function inTerminal(commandLine: string, keys: string[] = []): Promise<string> {
  const child = spawn(
    'script',
    ['-qec', `stty cols ${COLUMNS} rows 50; ${commandLine}`, '/dev/null'],
    { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  // Typed one by one, a little apart, as a person would (a terminal reads a line at a time).
  let delay = 300;
  for (const key of keys) {
    setTimeout(() => child.stdin!.write(key), (delay += 150));
  }
  setTimeout(() => child.stdin!.end(), delay + 150);
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', () => resolvePromise(output));
  });
}

/**
 * The lines left on the screen after the terminal has processed `raw`: `\r` returns to the start
 * of the line, `\n` moves down, `ESC [ K` and `ESC [ 2K` erase, other escape sequences change
 * nothing visible here; a line longer than the terminal wraps onto the next row. Rows that a
 * line wrapped onto are joined back into it, so each entry is one line as it was written.
 */
function screenLines(raw: string, columns: number): string[] {
  const chars = Array.from(raw);
  const rows: { cells: string[]; wrapped: boolean }[] = [{ cells: [], wrapped: false }];
  let row = 0;
  let column = 0;
  const newRow = (wrapped: boolean): void => {
    row++;
    rows[row] ??= { cells: [], wrapped };
    if (wrapped) rows[row]!.wrapped = true;
  };
  for (let at = 0; at < chars.length; at++) {
    const char = chars[at]!;
    if (char === ESC) {
      const match = CONTROL_SEQUENCE.exec(chars.slice(at, at + 16).join(''));
      if (match === null) continue;
      at += match[0].length - 1;
      if (match[2] === 'K') {
        const line = rows[row]!;
        const mode = match[1] === '' ? '0' : match[1];
        if (mode === '2') line.cells = [];
        else if (mode === '0') line.cells = line.cells.slice(0, Math.min(column, columns));
      }
      continue;
    }
    if (char === '\r') {
      column = 0;
      continue;
    }
    if (char === '\n') {
      newRow(false);
      continue;
    }
    if (column >= columns) {
      newRow(true);
      column = 0;
    }
    rows[row]!.cells[column] = char;
    column++;
  }
  const lines: string[] = [];
  for (const { cells, wrapped } of rows) {
    const text = Array.from(cells, (cell) => cell ?? ' ').join('');
    if (wrapped && lines.length > 0) lines[lines.length - 1] += text;
    else lines.push(text);
  }
  return lines.map((line) => line.trimEnd()).filter((line) => line !== '');
}

/** Every line on the screen is a whole JSON result or one of the CLI's own `rxjs-pool:` lines. */
function expectNoGarbledLines(lines: string[]): void {
  const garbled = lines.filter((line) => {
    if (line.startsWith('rxjs-pool: ')) return false;
    try {
      return typeof (JSON.parse(line) as { item?: unknown }).item !== 'string';
    } catch {
      return true;
    }
  });
  expect(garbled).toEqual([]);
}

const run = (...args: string[]): string => ['node', cli, 'run', ...args].map(quote).join(' ');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxjs-pool-terminal-'));
  writeFileSync(
    join(dir, 'items.txt'),
    Array.from({ length: 12 }, (_, i) => `item-${i + 1}\n`).join(''),
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('rxjs-pool run on a terminal', () => {
  it('keeps the progress bar beneath whole result lines, with the real total of --input', async () => {
    const raw = await inTerminal(
      run('-j', '2', '--input', 'items.txt', '--', 'sh', '-c', 'sleep 0.05; echo {}'),
    );
    const lines = screenLines(raw, COLUMNS);
    expectNoGarbledLines(lines);
    expect(
      lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line).item),
    ).toEqual(expect.arrayContaining(Array.from({ length: 12 }, (_, i) => `item-${i + 1}`)));
    expect(lines.at(-1)).toBe(
      'rxjs-pool: done; 12 succeeded, 0 failed, 0 unfinished, 0 unstarted, 0 retried',
    );
    // The bar was drawn, always against the file's 12 items, and then erased.
    const totals = [...raw.matchAll(/\] \d+\/(\d+) done/g)].map((match) => match[1]);
    expect(totals.length).toBeGreaterThan(0);
    expect(new Set(totals)).toEqual(new Set(['12']));
    expect(lines.some((line) => line.includes(' done | '))).toBe(false);
  });

  it('shows no total when the input is streamed', async () => {
    const raw = await inTerminal(
      `seq 1 6 | ${run('-j', '2', '--', 'sh', '-c', 'sleep 0.05; echo {}')}`,
    );
    expectNoGarbledLines(screenLines(raw, COLUMNS));
    expect(raw).toMatch(new RegExp(`\r${ESC}\\[2K\\d+ done \\| \\d+ running`));
    expect(raw).not.toMatch(/\d+\/\d+ done/);
  });

  it('writes the halt, the leftover and the summary as whole lines', async () => {
    const raw = await inTerminal(
      run(
        '-j',
        '2',
        '--input',
        'items.txt',
        '--leftover',
        'left.txt',
        '--',
        'sh',
        '-c',
        'test {} != item-5 && sleep 0.05',
      ),
    );
    const lines = screenLines(raw, COLUMNS);
    expectNoGarbledLines(lines);
    expect(lines.at(-1)).toMatch(
      /^rxjs-pool: halted: CommandFailedError: exited with code 1; \d+ succeeded, 1 failed, .* retried; \d+ item\(s\) left over in left\.txt$/,
    );
  });

  it('says how to end the input when it waits on the terminal, and draws no bar over the typing', async () => {
    const raw = await inTerminal(run('-j', '1', '--', 'echo', 'got'), ['a\n', 'b\n', '\x04']);
    const lines = screenLines(raw, COLUMNS);
    expect(lines).toContain(
      'rxjs-pool: reading items from the terminal, one per line; end with Ctrl-D (or use --input FILE)',
    );
    // What was typed stays as typed: each item alone on its line.
    expect(lines).toEqual(expect.arrayContaining(['a', 'b']));
    expect(raw).not.toMatch(/ done \| /);
    expect(lines.at(-1)).toBe(
      'rxjs-pool: done; 2 succeeded, 0 failed, 0 unfinished, 0 unstarted, 0 retried',
    );
  });

  it.each([
    ['one SIGHUP', false],
    [
      'a second SIGHUP right after the first (a shell resending it to its jobs, a wrapper forwarding it) is not taken for a second Ctrl-C',
      true,
    ],
  ])(
    'the terminal closing mid-run (SIGHUP, then writes to it fail) stops it gracefully: running commands finish, their results reach the redirected stdout, the rest is left over; %s',
    async (_how, echoed) => {
      // Each command notes the CLI's pid (its parent) and that it started, then waits for the
      // gate (a file) the spec opens, or for the spec's directory to go (a failed spec leaves no
      // command looping).
      const gated = `echo $PPID > cli.pid; touch started-{}; while [ ! -e go ] && [ -e items.txt ]; do sleep 0.02; done; echo done`;
      // With the echo, messages go to a file, to send it once the first SIGHUP has been heard
      // (two of a kind at once would reach the process as one).
      const cli = `${run('-j', '2', '--input', 'items.txt', '--leftover', 'left.txt', '--', 'sh', '-c', gated)} > results.jsonl${echoed ? ' 2> messages.txt' : ''}`;
      const terminal = spawn('script', ['-qec', `exec ${cli}`, '/dev/null'], {
        cwd: dir,
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      const started = (): string[] =>
        readdirSync(dir).filter((name) => name.startsWith('started-'));
      await waitUntil(() => started().length === 2);
      const cliPid = Number(readFileSync(join(dir, 'cli.pid'), 'utf8'));
      const terminalClosed = new Promise((resolveClosed) => terminal.on('close', resolveClosed));
      terminal.kill('SIGKILL'); // the terminal goes away: its session hears SIGHUP
      if (echoed) {
        const messages = (): string => readFileSync(join(dir, 'messages.txt'), 'utf8');
        await waitUntil(() => messages().includes('SIGHUP: stopping'));
        process.kill(cliPid, 'SIGHUP');
      }
      await terminalClosed;
      writeFileSync(join(dir, 'go'), '');
      await waitUntil(() => !isAlive(cliPid));
      const results = readFileSync(join(dir, 'results.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { item: string; exitCode: number });
      expect(results.map((result) => [result.item, result.exitCode]).sort()).toEqual([
        ['item-1', 0],
        ['item-2', 0],
      ]);
      expect(started().sort()).toEqual(['started-item-1', 'started-item-2']);
      expect(readFileSync(join(dir, 'left.txt'), 'utf8')).toBe(
        Array.from({ length: 10 }, (_, i) => `item-${i + 3}\n`).join(''),
      );
    },
  );
});

/** Whether a process runs (or is a zombie nobody reaped yet: then it has exited). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const status = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return status.split(') ')[1]?.[0] !== 'Z';
}
