/**
 * The built `rxjs-pool` command, run as a user runs it: a real process, real child processes, real
 * signals. Needs the build (`npm run build`; `npm test` builds first). Nothing here asserts on
 * timing: slow steps only make the tests wait longer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitUntil } from '../helpers/polling';

const cli = resolve(__dirname, '../../dist/esm/cli/main.js');
const node = process.execPath;

jest.setTimeout(60_000);

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Running {
  child: ChildProcess;
  finished: Promise<Finished>;
  stdoutSoFar: () => string;
  stderrSoFar: () => string;
}

function start(args: string[], options: { stdin?: string; cwd?: string } = {}): Running {
  const child = spawn(node, [cli, ...args], {
    cwd: options.cwd ?? dir,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin!.end(options.stdin ?? '');
  const finished = new Promise<Finished>((resolvePromise) =>
    child.on('close', (code) => resolvePromise({ code, stdout, stderr })),
  );
  return { child, finished, stdoutSoFar: () => stdout, stderrSoFar: () => stderr };
}

function runCli(args: string[], options: { stdin?: string } = {}): Promise<Finished> {
  return start(args, options).finished;
}

interface Result {
  item: string;
  index: number;
  exitCode: number | null;
  stdout?: string;
  error?: string;
  ms: number;
}

function results(stdout: string): Result[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Result);
}

function lines(...items: (string | number)[]): string {
  return items.map((item) => `${item}\n`).join('');
}

/** A node script as a command: `node -e <script> {}` (the script must not contain `{}`). */
function nodeCommand(script: string): string[] {
  return ['--', node, '-e', script, '{}'];
}

let dir: string;
beforeAll(() => {
  if (!existsSync(cli)) {
    throw new Error(`${cli} is missing: run \`npm run build\` first (\`npm test\` does).`);
  }
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxjs-pool-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('rxjs-pool --version', () => {
  it("prints the package's version and exits 0", async () => {
    const { version } = JSON.parse(
      readFileSync(resolve(__dirname, '../../package.json'), 'utf8'),
    ) as { version: string };
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('rxjs-pool demo', () => {
  it('prints the events, the timeline and the report of the seed scenario, and exits 1', async () => {
    const { code, stdout } = await runCli(['demo', '--delay', '20']);
    expect(code).toBe(1);
    const output = stdout.split('\n');
    expect(output[0]).toBe(
      'rxjs-pool demo: 30 requests, requests above 10 fail, bufferSize 19, concurrency 3, 20 ms of work each',
    );
    expect(stdout).toMatch(/ms {2}step {2}0 {2}start {4}request 0 {3}worker 1\n/);
    expect(stdout).toMatch(
      / ms {2}step {2}4 {2}fail {5}request 11 {2}worker 3: Error: Breaking thing in make requests with request=11\n/,
    );
    expect(stdout).toMatch(/ms {2}step {2}4 {2}abort {4}request 12 {2}worker 1/);
    expect(output).toEqual(
      expect.arrayContaining([
        'time      0ms  20ms 40ms 60ms 80ms',
        'worker 1  0----3----6----9----12x',
        'worker 2  1----4----7----10---13x',
        'worker 3  2----5----8----11---#',
        'halt                          |',
        'queue     19   19   19   18   16',
      ]),
    );
    expect(output).toEqual(
      expect.arrayContaining([
        '  reason      error: Error: Breaking thing in make requests with request=11',
        '  accepted    30',
        '  succeeded   11',
        '  failed      1',
        '  unfinished  2: 12, 13',
        '  unstarted   16: 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29',
      ]),
    );
  });

  it('exits 0 when every request succeeds', async () => {
    const { code, stdout } = await runCli([
      'demo',
      '--requests',
      '4',
      '--healthy',
      '10',
      '--delay',
      '5',
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('  reason      complete');
    expect(stdout).toContain('  succeeded   4');
    expect(stdout).not.toMatch(/^halt/m);
  });

  it('refuses a bad value with exit code 2', async () => {
    const { code, stdout, stderr } = await runCli(['demo', '--delay', 'soon']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/Expected `--delay` to be an integer from 1 and up, received `soon`/);
  });
});

describe('rxjs-pool run', () => {
  it('runs the command once per input line and writes one JSON line per item', async () => {
    const { code, stdout } = await runCli(
      ['run', '-j', '2', ...nodeCommand('process.stdout.write(process.argv[1].toUpperCase())')],
      { stdin: lines('a', 'b', '', 'c d') },
    );
    expect(code).toBe(0);
    const got = results(stdout).sort((x, y) => x.index - y.index);
    expect(got.map(({ ms: _ms, ...rest }) => rest)).toEqual([
      { item: 'a', index: 0, exitCode: 0, stdout: 'A' },
      { item: 'b', index: 1, exitCode: 0, stdout: 'B' },
      { item: 'c d', index: 2, exitCode: 0, stdout: 'C D' },
    ]);
    for (const result of got) expect(typeof result.ms).toBe('number');
  });

  it('reads the items from --input', async () => {
    writeFileSync(join(dir, 'items.txt'), lines(1, 2, 3));
    const { code, stdout } = await runCli(['run', '--input', 'items.txt', '--', 'echo', 'n={}']);
    expect(code).toBe(0);
    expect(
      results(stdout)
        .map((r) => r.stdout)
        .sort(),
    ).toEqual(['n=1\n', 'n=2\n', 'n=3\n']);
  });

  it('runs through a shell with --shell, the item quoted', async () => {
    const { code, stdout } = await runCli(['run', '--shell', '--', 'printf %s {} | wc -c'], {
      stdin: lines("it's; echo x"),
    });
    expect(code).toBe(0);
    expect(results(stdout)[0]!.stdout!.trim()).toBe(String("it's; echo x".length));
  });

  describe('hostile input lines reach the command verbatim, never as shell code', () => {
    /** Lines a shell would run, split or choke on if they were pasted into a script. */
    const hostile = [
      '$(touch pwned-subst)',
      '`touch pwned-backquote`',
      'a; touch pwned-semicolon',
      "it's",
      '"double" and \'single\' quotes',
      '$HOME ${PATH} $((1+1))',
      '* ?',
      ' two  spaces ',
      'a | touch pwned-pipe && touch pwned-and',
      '\\ back\\slash \\"',
    ];
    const pwned = (): string[] => readdirSync(dir).filter((name) => name.startsWith('pwned'));

    it.each([
      ['sh -c, {} unquoted', ['--', 'sh', '-c', "printf '%s\\n' {}"]],
      ['sh -c, {} in double quotes', ['--', 'sh', '-c', 'printf "%s\\n" "{}"']],
      ['sh -c, {} in single quotes', ['--', 'sh', '-c', "printf '%s\\n' '{}'"]],
      [
        'bash -ec, {} inside $(...)',
        ['--', 'bash', '-ec', 'x="$(printf %s {})"; printf "%s\\n" "$x"'],
      ],
      ['--shell, {} unquoted', ['--shell', '--', "printf '%s\\n' {}"]],
      ['--shell, {} in double quotes', ['--shell', '--', 'printf "%s\\n" "{}"']],
      ['--shell, no {}', ['--shell', '--', "printf '%s\\n'"]],
      ['no shell, {} alone', ['--', 'printf', '%s\\n', '{}']],
    ])('%s', async (_name, args) => {
      const { code, stdout, stderr } = await runCli(['run', '-j', '2', '--ordered', ...args], {
        stdin: lines(...hostile),
      });
      expect({ code, stderr: stderr.replace(/^rxjs-pool: done;.*\n$/, '') }).toEqual({
        code: 0,
        stderr: '',
      });
      expect(results(stdout).map((r) => r.stdout)).toEqual(hostile.map((line) => `${line}\n`));
      expect(pwned()).toEqual([]);
    });

    it('gives every command its line in $RXJS_POOL_ITEM', async () => {
      const { code, stdout } = await runCli(
        ['run', '--', 'sh', '-c', 'printf %s "$RXJS_POOL_ITEM"'],
        { stdin: lines('$(touch pwned-env)') },
      );
      expect(code).toBe(0);
      expect(results(stdout).map((r) => r.stdout)).toEqual(['$(touch pwned-env)']);
      expect(pwned()).toEqual([]);
    });
  });

  it('writes results in input order with --ordered', async () => {
    // Item n sleeps (6 - n) * 30 ms: later items finish first.
    const { code, stdout } = await runCli(
      [
        'run',
        '-j',
        '5',
        '--ordered',
        ...nodeCommand('setTimeout(Object, (6 - Number(process.argv[1])) * 30)'),
      ],
      { stdin: lines(1, 2, 3, 4, 5) },
    );
    expect(code).toBe(0);
    expect(results(stdout).map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
  });

  it('halts at the first failure, kills what runs, and exits 1', async () => {
    // Item 3 fails at once; the others take long enough to still run when it does.
    const { code, stdout, stderr } = await runCli(
      [
        'run',
        '-j',
        '3',
        ...nodeCommand(
          `if (process.argv[1] === '3') { console.error('bad item'); process.exit(4) }
           setTimeout(Object, process.argv[1] === '1' || process.argv[1] === '2' ? 20000 : 0)`,
        ),
      ],
      { stdin: lines(1, 2, 3, 4, 5, 6, 7, 8) },
    );
    expect(code).toBe(1);
    const got = results(stdout);
    expect(got).toEqual([
      {
        item: '3',
        index: 2,
        exitCode: 4,
        error: 'exited with code 4: bad item',
        ms: expect.any(Number),
      },
    ]);
    expect(stderr).toMatch(/halted: CommandFailedError: exited with code 4: bad item/);
    expect(stderr).toMatch(/0 succeeded, 1 failed, 2 unfinished, 0 unstarted, 0 retried/);
  });

  it('lets running commands finish with --halt drain, then exits 1', async () => {
    // Item 3 fails at once; 1 and 2 run until the test opens the gate, which it does only once
    // the failure is out, so they are certainly running at the halt. 4 and 5 never start.
    const gate = join(dir, 'go');
    const run = start(
      [
        'run',
        '-j',
        '3',
        '--halt',
        'drain',
        '--leftover',
        'left.txt',
        ...nodeCommand(
          `if (process.argv[1] === '3') process.exit(1);
           setInterval(() => require('fs').existsSync(${JSON.stringify(gate)}) && process.exit(0), 10);
           setTimeout(() => process.exit(3), 60000).unref();`,
        ),
      ],
      { stdin: lines(1, 2, 3, 4, 5) },
    );
    await waitUntil(() => run.stdoutSoFar().includes('"item":"3"'));
    writeFileSync(gate, '');
    const { code, stdout } = await run.finished;
    expect(code).toBe(1);
    expect(
      results(stdout)
        .map((r) => [r.item, r.exitCode])
        .sort(),
    ).toEqual([
      ['1', 0],
      ['2', 0],
      ['3', 1],
    ]);
    expect(readFileSync(join(dir, 'left.txt'), 'utf8')).toBe(lines(3, 4, 5));
  });

  it('absorbs failures with --tolerate and still exits 1', async () => {
    const { code, stdout } = await runCli(
      [
        'run',
        '-j',
        '2',
        '--tolerate',
        'inf',
        ...nodeCommand('process.exit(Number(process.argv[1]) % 2)'),
      ],
      { stdin: lines(1, 2, 3, 4) },
    );
    expect(code).toBe(1);
    const byItem = Object.fromEntries(results(stdout).map((r) => [r.item, r.exitCode]));
    expect(byItem).toEqual({ '1': 1, '2': 0, '3': 1, '4': 0 });
  });

  it('retries a failing command with --retry', async () => {
    // Fails until it finds the marker file it leaves on its first attempt.
    const marker = join(dir, 'tried');
    const { code, stdout, stderr } = await runCli(
      [
        'run',
        '--retry',
        '1',
        ...nodeCommand(
          `const fs = require('fs'); if (!fs.existsSync(${JSON.stringify(marker)})) { fs.writeFileSync(${JSON.stringify(marker)}, ''); process.exit(1) }`,
        ),
      ],
      { stdin: lines('x') },
    );
    expect(code).toBe(0);
    expect(results(stdout)).toEqual([
      { item: 'x', index: 0, exitCode: 0, stdout: '', ms: expect.any(Number) },
    ]);
    expect(stderr).toMatch(
      /^rxjs-pool: done; 1 succeeded, 0 failed, 0 unfinished, 0 unstarted, 1 retried$/m,
    );
  });

  it('kills a command that runs past --timeout and reports a TimeoutError naming the item and the limit', async () => {
    const { code, stdout, stderr } = await runCli(
      ['run', '--timeout', '200', ...nodeCommand('setTimeout(Object, 30000)')],
      { stdin: lines('slow') },
    );
    expect(code).toBe(1);
    expect(results(stdout)).toEqual([
      {
        item: 'slow',
        index: 0,
        exitCode: null,
        error: 'TimeoutError: item "slow" ran longer than --timeout 200 ms and was killed',
        ms: expect.any(Number),
      },
    ]);
    expect(stderr).toMatch(
      /halted: TimeoutError: item "slow" ran longer than --timeout 200 ms and was killed;/,
    );
  });

  describe('--leftover', () => {
    it('loses nothing over a failed run and its resume', async () => {
      const items = Array.from({ length: 30 }, (_, i) => `item-${i}`);
      const bad = join(dir, 'bad.txt');
      writeFileSync(bad, lines('item-4', 'item-11', 'item-12'));
      writeFileSync(join(dir, 'items.txt'), lines(...items));
      // Bad items fail; the others take a moment, so that some are in flight at the halt.
      const command = nodeCommand(
        `const bad = require('fs').readFileSync(${JSON.stringify(bad)}, 'utf8').split('\\n');
         if (bad.includes(process.argv[1])) process.exit(1);
         setTimeout(Object, 50)`,
      );
      const first = await runCli([
        'run',
        '-j',
        '3',
        '--buffer-size',
        '4',
        '--input',
        'items.txt',
        '--leftover',
        'left.txt',
        ...command,
      ]);
      expect(first.code).toBe(1);
      const succeededFirst = results(first.stdout)
        .filter((r) => r.exitCode === 0)
        .map((r) => r.item);
      const left = readFileSync(join(dir, 'left.txt'), 'utf8').split('\n').filter(Boolean);
      // Every item either succeeded or is left over, never both, and the leftover keeps input order.
      expect([...succeededFirst, ...left].sort()).toEqual([...items].sort());
      expect(left).toEqual(items.filter((item) => left.includes(item)));
      expect(left).toContain('item-4');
      expect(succeededFirst.length).toBeGreaterThan(0);

      writeFileSync(bad, '');
      const second = await runCli([
        'run',
        '-j',
        '3',
        '--input',
        'left.txt',
        '--leftover',
        'left.txt',
        ...command,
      ]);
      expect(second.code).toBe(0);
      const succeededSecond = results(second.stdout).map((r) => r.item);
      expect([...succeededFirst, ...succeededSecond].sort()).toEqual([...items].sort());
      expect(readFileSync(join(dir, 'left.txt'), 'utf8')).toBe('');
    });

    it('writes the failed, unfinished and unstarted items and the unread input, in input order', async () => {
      // Item 5 fails at once while 3 and 4 still run (they would take 20 s); 6 and 7 wait in the
      // buffer; 8 and later were never read.
      const items = Array.from({ length: 12 }, (_, i) => String(i + 1));
      const { code, stdout } = await runCli(
        [
          'run',
          '-j',
          '3',
          '--buffer-size',
          '2',
          '--leftover',
          'left.txt',
          ...nodeCommand(
            `const n = Number(process.argv[1]);
             if (n === 5) process.exit(1);
             setTimeout(Object, n <= 2 ? 0 : 20000)`,
          ),
        ],
        { stdin: lines(...items) },
      );
      expect(code).toBe(1);
      expect(
        results(stdout)
          .filter((r) => r.exitCode === 0)
          .map((r) => r.item)
          .sort(),
      ).toEqual(['1', '2']);
      expect(readFileSync(join(dir, 'left.txt'), 'utf8')).toBe(lines(...items.slice(2)));
    });
  });

  it('says that it copies the rest of an open standard input to --leftover, until it ends', async () => {
    // Item `bad` fails at once; standard input stays open, as a producer that is still writing.
    const child = spawn(
      node,
      [
        cli,
        'run',
        '--leftover',
        'left.txt',
        ...nodeCommand(`process.exit(process.argv[1] === 'bad' ? 1 : 0)`),
      ],
      { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const finished = new Promise<number | null>((resolvePromise) =>
      child.on('close', (code) => resolvePromise(code)),
    );
    child.stdin!.write(lines('bad'));
    try {
      await waitUntil(() => stderr.includes('copying the rest'));
    } finally {
      child.stdin!.end(lines('later-1', 'later-2')); // the input ends, whatever was said
    }
    expect(await finished).toBe(1);
    expect(stderr).toContain(
      'rxjs-pool: copying the rest of standard input to left.txt until it ends (Ctrl-C stops)\n',
    );
    expect(readFileSync(join(dir, 'left.txt'), 'utf8')).toBe(lines('bad', 'later-1', 'later-2'));
    expect(stderr).toMatch(/3 item\(s\) left over in left\.txt\n$/);
  });

  describe('interrupts', () => {
    /**
     * Each item leaves a file with its pid when it starts, then runs until the test opens the gate
     * (a file), and prints `done`: the test decides when commands end, not a clock.
     */
    const gate = (): string => join(dir, 'go');
    function gatedCommand(): string[] {
      return nodeCommand(
        `const fs = require('fs');
         fs.writeFileSync(${JSON.stringify(dir)} + '/started-' + process.argv[1], String(process.pid));
         setInterval(() => { if (fs.existsSync(${JSON.stringify(gate())})) { console.log('done'); process.exit(0) } }, 10);
         setTimeout(() => process.exit(3), 60000).unref(); // never outlives a failed test for long`,
      );
    }
    const started = (): string[] => readdirSync(dir).filter((name) => name.startsWith('started-'));

    it('stops gracefully on SIGINT: running commands finish, nothing new starts, exit 130', async () => {
      const run = start(
        ['run', '-j', '2', '--leftover', 'left.txt', '--no-progress', ...gatedCommand()],
        {
          stdin: lines(1, 2, 3, 4, 5, 6),
        },
      );
      await waitUntil(() => started().length === 2);
      run.child.kill('SIGINT');
      await waitUntil(() => run.stderrSoFar().includes('stopping'));
      writeFileSync(gate(), '');
      const { code, stdout, stderr } = await run.finished;
      expect(code).toBe(130);
      expect(stderr).toMatch(/SIGINT: stopping/);
      expect(
        results(stdout)
          .map((r) => [r.item, r.exitCode, r.stdout])
          .sort(),
      ).toEqual([
        ['1', 0, 'done\n'],
        ['2', 0, 'done\n'],
      ]);
      expect(started().sort()).toEqual(['started-1', 'started-2']);
      expect(readFileSync(join(dir, 'left.txt'), 'utf8')).toBe(lines(3, 4, 5, 6));
    });

    it('stops gracefully on SIGTERM too', async () => {
      const run = start(['run', '-j', '1', '--leftover', 'left.txt', ...gatedCommand()], {
        stdin: lines(1, 2),
      });
      await waitUntil(() => started().length === 1);
      run.child.kill('SIGTERM');
      await waitUntil(() => run.stderrSoFar().includes('stopping'));
      writeFileSync(gate(), '');
      const { code, stdout } = await run.finished;
      expect(code).toBe(130);
      expect(results(stdout).map((r) => r.item)).toEqual(['1']);
      expect(readFileSync(join(dir, 'left.txt'), 'utf8')).toBe(lines(2));
    });

    it('kills the running commands on a second SIGINT, and still writes the leftover', async () => {
      const run = start(['run', '-j', '2', '--leftover', 'left.txt', ...gatedCommand()], {
        stdin: lines(1, 2, 3),
      });
      // A command creates its file before it writes its pid there: wait for both pids (an empty
      // file read as pid 0 would name this process's own group, which never goes away).
      const startedPids = (): number[] =>
        started().map((name) => Number(readFileSync(join(dir, name), 'utf8')));
      await waitUntil(() => startedPids().length === 2 && startedPids().every((pid) => pid > 0));
      const pids = startedPids();
      run.child.kill('SIGINT');
      await waitUntil(() => run.stderrSoFar().includes('stopping'));
      run.child.kill('SIGINT');
      const { code, stdout, stderr } = await run.finished;
      expect(code).toBe(130);
      expect(stderr).toMatch(/SIGINT again: killing running commands/);
      expect(stdout).toBe('');
      expect(readFileSync(join(dir, 'left.txt'), 'utf8')).toBe(lines(1, 2, 3));
      await waitUntil(() =>
        pids.every((pid) => {
          try {
            process.kill(pid, 0);
            return false;
          } catch {
            return true;
          }
        }),
      );
    });
  });

  describe('bad usage', () => {
    const marker = (): string => join(dir, 'ran');
    const touch = (): string[] =>
      nodeCommand(`require('fs').writeFileSync(${JSON.stringify(marker())}, '')`);

    it.each([
      [['--bogus'], /unknown option '--bogus'/],
      [['--concurrency', '0'], /Expected `--concurrency` to be .*, received `0`/],
      [['--halt', 'later'], /Expected `--halt` to be one of abort, drain, received `later`/],
      [['--input', 'no-such-file.txt'], /cannot read --input no-such-file.txt: ENOENT/],
      [['--leftover', 'no-such-dir/left.txt'], /cannot write --leftover no-such-dir\/left.txt/],
    ])('exits 2 for %j with a clear message, and runs nothing', async (flags, message) => {
      const { code, stdout, stderr } = await runCli(['run', ...flags, ...touch()], {
        stdin: lines(1, 2),
      });
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
      expect(stdout).toBe('');
      expect(existsSync(marker())).toBe(false);
    });

    it('exits 2 without a command', async () => {
      const { code, stderr } = await runCli(['run', '--']);
      expect(code).toBe(2);
      expect(stderr).toMatch(/missing the command to run/);
    });
  });
});
