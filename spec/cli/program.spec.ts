import { availableParallelism } from 'node:os';
import type { DemoOptions } from '../../src/cli/demo';
import { parseCli, type CliActions, type RunOptions } from '../../src/cli/program';

interface Parsed {
  code: number;
  demo?: DemoOptions;
  run?: { options: RunOptions; command: string[] };
  out: string;
  err: string;
}

async function parse(...argv: string[]): Promise<Parsed> {
  const parsed: Parsed = { code: -1, out: '', err: '' };
  const actions: CliActions = {
    demo: async (options) => {
      parsed.demo = options;
      return 7;
    },
    run: async (options, command) => {
      parsed.run = { options, command };
      return 9;
    },
    runRedis: async () => 9,
    enqueue: async () => 9,
    status: async () => 9,
    dead: async () => 9,
    version: () => '1.2.3',
  };
  parsed.code = await parseCli(argv, actions, {
    writeOut: (text) => (parsed.out += text),
    writeErr: (text) => (parsed.err += text),
  });
  return parsed;
}

describe('parseCli', () => {
  describe('demo', () => {
    it('defaults to the seed scenario and returns the exit code of the demo', async () => {
      const parsed = await parse('demo');
      expect(parsed.demo).toEqual({
        requests: 30,
        healthy: 10,
        bufferSize: 19,
        concurrency: 3,
        delay: 500,
      });
      expect(parsed.code).toBe(7);
    });

    it('takes every knob of the scenario', async () => {
      const parsed = await parse(
        'demo',
        '--requests',
        '5',
        '--healthy',
        '2',
        '--buffer-size',
        'inf',
        '--concurrency',
        '2',
        '--delay',
        '10',
      );
      expect(parsed.demo).toEqual({
        requests: 5,
        healthy: 2,
        bufferSize: Infinity,
        concurrency: 2,
        delay: 10,
      });
    });

    it('refuses a bad value with exit code 2 and does not run the demo', async () => {
      const parsed = await parse('demo', '--concurrency', '0');
      expect(parsed.code).toBe(2);
      expect(parsed.demo).toBeUndefined();
      expect(parsed.err).toMatch(
        /Expected `--concurrency` to be an integer from 1 and up, or Infinity, received `0`/,
      );
    });
  });

  describe('run', () => {
    it('passes the command after -- through untouched, its own flags included', async () => {
      const parsed = await parse('run', '--', 'grep', '-c', '--fixed-strings', '{}');
      expect(parsed.run?.command).toEqual(['grep', '-c', '--fixed-strings', '{}']);
      expect(parsed.code).toBe(9);
    });

    it('has the documented defaults', async () => {
      const parsed = await parse('run', '--', 'echo');
      expect(parsed.run?.options).toEqual({
        concurrency: availableParallelism(),
        bufferSize: 0,
        tolerate: 0,
        halt: 'abort',
        retry: 0,
        ordered: false,
        shell: false,
        progress: true,
      });
    });

    it('reads every option', async () => {
      const parsed = await parse(
        'run',
        '--concurrency',
        '4',
        '--buffer-size',
        '8',
        '--tolerate',
        'Infinity',
        '--halt',
        'drain',
        '--retry',
        '2',
        '--timeout',
        '1500',
        '--ordered',
        '--shell',
        '--input',
        'in.txt',
        '--leftover',
        'left.txt',
        '--no-progress',
        '--',
        'echo',
      );
      expect(parsed.run?.options).toEqual({
        concurrency: 4,
        bufferSize: 8,
        tolerate: Infinity,
        halt: 'drain',
        retry: 2,
        timeout: 1500,
        ordered: true,
        shell: true,
        input: 'in.txt',
        leftover: 'left.txt',
        progress: false,
      });
    });

    it('takes -j for --concurrency', async () => {
      const parsed = await parse('run', '-j', '3', '--', 'echo');
      expect(parsed.run?.options.concurrency).toBe(3);
    });

    it('reads values given with = and short values written together', async () => {
      const parsed = await parse('run', '--buffer-size=3', '-j5', '--', 'echo');
      expect(parsed.run?.options).toMatchObject({ bufferSize: 3, concurrency: 5 });
    });

    it('ends its own options at the first argument that is not one, without --', async () => {
      const parsed = await parse('run', '-j', '2', 'grep', '-c', '--ordered', '{}');
      expect(parsed.run?.command).toEqual(['grep', '-c', '--ordered', '{}']);
      expect(parsed.run?.options).toMatchObject({ concurrency: 2, ordered: false });
    });

    it.each([
      [['run', '--bogus', '--', 'echo'], /unknown option '--bogus'/],
      [['run', '-x', '--', 'echo'], /unknown option '-x'/],
      [['run', '--concurrency', '0', '--', 'echo'], /Expected `--concurrency` to be an integer/],
      [['run', '--concurrency', '1.5', '--', 'echo'], /received `1\.5`/],
      [
        ['run', '--halt', 'soon', '--', 'echo'],
        /Expected `--halt` to be one of abort, drain, received `soon`/,
      ],
      [['run', '--retry', '-1', '--', 'echo'], /Expected `--retry` to be .*, received `-1`/],
      [['run', '--timeout', '0', '--', 'echo'], /Expected `--timeout` to be .*, received `0`/],
      [['run', '--ordered=yes', '--', 'echo'], /option '--ordered' takes no value/],
      [['run', '--input'], /option '--input <file>' needs a value/],
      [['run'], /missing the command to run/],
      [['run', '--'], /missing the command to run/],
      [['run', '--', ''], /missing the command to run/],
      [['demo', 'extra'], /unexpected argument 'extra'/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ])('refuses %j with exit code 2, a clear message, and nothing run', async (argv, message) => {
      const parsed = await parse(...argv);
      expect(parsed.code).toBe(2);
      expect(parsed.err).toMatch(message);
      expect(parsed.err).toMatch(/add --help for usage/);
      expect(parsed.run).toBeUndefined();
      expect(parsed.demo).toBeUndefined();
    });
  });

  it('shows help with exit code 0 when asked', async () => {
    const parsed = await parse('run', '--help');
    expect(parsed.code).toBe(0);
    expect(parsed.out).toMatch(/Usage: rxjs-pool run \[options\] -- <command> \[args\.\.\.\]/);
    expect(parsed.out).toMatch(
      /^ {2}-j, --concurrency <n> +how many commands run at once \(default: the number of CPUs\)$/m,
    );
    expect(parsed.out).toMatch(/^ {2}--no-progress +no progress bar on standard error$/m);
    expect(parsed.run).toBeUndefined();
  });

  it.each([[['--help']], [['-h']], [['help']], [['help', 'demo']], [['demo', '-h']]])(
    'shows help for %j with exit code 0',
    async (argv) => {
      const parsed = await parse(...argv);
      expect(parsed.code).toBe(0);
      expect(parsed.out).toMatch(/^Usage: rxjs-pool /);
      expect(parsed.err).toBe('');
    },
  );

  it('prints the version with --version', async () => {
    const parsed = await parse('--version');
    expect({ code: parsed.code, out: parsed.out }).toEqual({ code: 0, out: '1.2.3\n' });
  });

  it('shows help with exit code 2 when no subcommand is given', async () => {
    const parsed = await parse();
    expect(parsed.code).toBe(2);
    expect(parsed.err).toMatch(/Usage: rxjs-pool/);
  });
});
