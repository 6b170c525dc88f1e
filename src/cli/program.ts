import { availableParallelism } from 'node:os';
import { anyText, integerFrom, oneOf, positiveMilliseconds } from './args.js';
import { DEMO_DEFAULTS, type DemoOptions } from './demo.js';
import { formatFlags, parseFlags, type FlagTable } from './flags.js';
import { UsageError } from './usageError.js';

/** The options of `rxjs-pool run`, parsed and checked. */
export interface RunOptions {
  /** How many commands run at once. Default: the number of CPUs. */
  readonly concurrency: number;
  /** How many lines are read ahead of the running commands. Default 0. */
  readonly bufferSize: number;
  /** How many failed items the run absorbs before it halts. Default 0. */
  readonly tolerate: number;
  /** What a halt does to running commands: kill them (`abort`) or let them finish (`drain`). */
  readonly halt: 'abort' | 'drain';
  /** How many times a failed command is run again for the same item. Default 0. */
  readonly retry: number;
  /** Milliseconds each command may run before it is killed and counts as failed. */
  readonly timeout?: number;
  /** Print results in input order. */
  readonly ordered: boolean;
  /** Run the command through `/bin/sh -c`. */
  readonly shell: boolean;
  /** Read items from this file instead of standard input. */
  readonly input?: string;
  /** Write every item that did not succeed to this file when the run ends. */
  readonly leftover?: string;
  /** Show a progress bar on standard error (only ever when it is a terminal). */
  readonly progress: boolean;
}

/** What the subcommands do once their arguments are parsed. */
export interface CliActions {
  demo(options: DemoOptions): Promise<number>;
  run(options: RunOptions, command: string[]): Promise<number>;
  /** The package's version, for `--version`. */
  version(): string;
}

/** Where help and error messages go. */
export interface CliOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

const DESCRIPTION =
  'A bounded, backpressured, fail-fast worker pool for the command line, built on rxjs-pool.';

/** `rxjs-pool demo`: the seed scenario's knobs. */
const DEMO_FLAGS: FlagTable<DemoOptions> = {
  requests: {
    name: 'requests',
    value: '<n>',
    help: 'how many requests',
    defaultText: String(DEMO_DEFAULTS.requests),
    parse: integerFrom(0, false),
  },
  healthy: {
    name: 'healthy',
    value: '<n>',
    help: 'requests above this number fail',
    defaultText: String(DEMO_DEFAULTS.healthy),
    parse: integerFrom(-1, false),
  },
  bufferSize: {
    name: 'buffer-size',
    value: '<n>',
    help: 'how many taken requests may wait for a worker',
    defaultText: String(DEMO_DEFAULTS.bufferSize),
    parse: integerFrom(0, true),
  },
  concurrency: {
    name: 'concurrency',
    value: '<n>',
    help: 'how many workers',
    defaultText: String(DEMO_DEFAULTS.concurrency),
    parse: integerFrom(1, true),
  },
  delay: {
    name: 'delay',
    value: '<ms>',
    help: 'milliseconds of work per request',
    defaultText: String(DEMO_DEFAULTS.delay),
    parse: integerFrom(1, false),
  },
};

/** `rxjs-pool run`: the pool's options, the input and the output. */
const RUN_FLAGS: FlagTable<RunOptions> = {
  concurrency: {
    name: 'concurrency',
    short: 'j',
    value: '<n>',
    help: 'how many commands run at once',
    defaultText: 'the number of CPUs',
    parse: integerFrom(1, true),
  },
  bufferSize: {
    name: 'buffer-size',
    value: '<n>',
    help: 'how many lines are read ahead of the running commands',
    defaultText: '0',
    parse: integerFrom(0, true),
  },
  tolerate: {
    name: 'tolerate',
    value: '<n>',
    help: 'how many failed items to absorb before halting (or Infinity)',
    defaultText: '0',
    parse: integerFrom(0, true),
  },
  halt: {
    name: 'halt',
    value: '<mode>',
    help: 'on a halt, kill running commands (abort) or let them finish (drain)',
    defaultText: 'abort',
    parse: oneOf(['abort', 'drain'] as const),
  },
  retry: {
    name: 'retry',
    value: '<n>',
    help: 'how many times to run a failed command again',
    defaultText: '0',
    parse: integerFrom(0, false),
  },
  timeout: {
    name: 'timeout',
    value: '<ms>',
    help: 'kill a command that runs longer; it counts as failed',
    parse: positiveMilliseconds,
  },
  ordered: { name: 'ordered', help: 'print results in input order', sets: true },
  shell: {
    name: 'shell',
    help: 'run the command through /bin/sh -c ({} becomes a quoted "$RXJS_POOL_ITEM")',
    sets: true,
  },
  input: {
    name: 'input',
    value: '<file>',
    help: 'read items from this file instead of standard input',
    parse: anyText,
  },
  leftover: {
    name: 'leftover',
    value: '<file>',
    help: 'when the run ends, write every item that did not succeed to this file, in input order',
    parse: anyText,
  },
  progress: { name: 'no-progress', help: 'no progress bar on standard error', sets: false },
};

const RUN_USAGE = 'rxjs-pool run [options] -- <command> [args...]';

const HELP = {
  main: [
    'Usage: rxjs-pool <command> [options]',
    '',
    DESCRIPTION,
    '',
    'Commands:',
    '  demo  run the seed scenario and draw its timeline and report',
    '  run   run a command once per line of input',
    '',
    'Options:',
    '  --version   print the version',
    '  -h, --help  show this help',
    '',
    "Run 'rxjs-pool <command> --help' for the options of a command.",
  ],
  demo: [
    'Usage: rxjs-pool demo [options]',
    '',
    'Run the seed scenario: requests above --healthy fail; print the events, a timeline and the report.',
    'Exits 1 when the pool halted.',
    '',
    'Options:',
    ...formatFlags(DEMO_FLAGS),
  ],
  run: [
    `Usage: ${RUN_USAGE}`,
    '',
    'Run <command> once per line of input (blank lines are skipped). An argument that is exactly {}',
    'becomes the line; any other {} is replaced by it as text, except inside a script given to',
    'sh/bash/dash/zsh/ksh -c, where {} becomes a quoted "$RXJS_POOL_ITEM" (the line is never run',
    'as shell code). Without any {}, the line is appended. Every command also gets the line in its',
    'environment as RXJS_POOL_ITEM. Writes one JSON line per finished item to stdout.',
    'Exit codes: 0 all succeeded, 1 an item failed, 2 bad usage, 130 interrupted.',
    '',
    'Options:',
    ...formatFlags(RUN_FLAGS),
  ],
};

/**
 * Parses the arguments (without `node` and the script) with Node's `util.parseArgs` and runs the
 * chosen subcommand: `demo`, `run`, or `--help` and `--version`. It never exits the process:
 * bad usage is written to `output.writeErr` and answered with exit code 2, before anything runs.
 *
 * @param argv - e.g. `['run', '--concurrency', '4', '--', 'echo', '{}']`.
 * @param actions - what the subcommands do.
 * @param output - where help and error messages go.
 * @returns the exit code: the action's, 0 for `--help`/`--version`, 2 for bad usage.
 *
 * @example
 * ```ts
 * process.exitCode = await parseCli(process.argv.slice(2), actions, output);
 * ```
 */
export async function parseCli(
  argv: readonly string[],
  actions: CliActions,
  output: CliOutput,
): Promise<number> {
  const [subcommand, ...args] = argv;
  const help = (lines: readonly string[]): number => {
    output.writeOut(`${lines.join('\n')}\n`);
    return 0;
  };
  const usage = (error: UsageError, helpCommand: string): number => {
    output.writeErr(`rxjs-pool: ${error.message}\n(add --help for usage: ${helpCommand} --help)\n`);
    return 2;
  };
  try {
    switch (subcommand) {
      case undefined:
        output.writeErr(`${HELP.main.join('\n')}\n`);
        return 2;
      case '--help':
      case '-h':
        return help(HELP.main);
      case 'help':
        return help(args[0] === 'demo' || args[0] === 'run' ? HELP[args[0]] : HELP.main);
      case '--version':
        output.writeOut(`${actions.version()}\n`);
        return 0;
      case 'demo':
        return await runDemoCommand(args, actions, help);
      case 'run':
        return await runRunCommand(args, actions, help);
      default:
        throw new UsageError(`unknown command '${subcommand}'`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      return usage(
        error,
        subcommand === 'demo' || subcommand === 'run' ? `rxjs-pool ${subcommand}` : 'rxjs-pool',
      );
    }
    throw error;
  }
}

async function runDemoCommand(
  args: readonly string[],
  actions: CliActions,
  help: (lines: readonly string[]) => number,
): Promise<number> {
  const parsed = parseFlags(args, DEMO_FLAGS, DEMO_DEFAULTS);
  if (parsed.help) return help(HELP.demo);
  if (parsed.rest.length > 0) throw new UsageError(`unexpected argument '${parsed.rest[0]}'`);
  return actions.demo(parsed.options);
}

async function runRunCommand(
  args: readonly string[],
  actions: CliActions,
  help: (lines: readonly string[]) => number,
): Promise<number> {
  const defaults: RunOptions = {
    concurrency: availableParallelism(),
    bufferSize: 0,
    tolerate: 0,
    halt: 'abort',
    retry: 0,
    ordered: false,
    shell: false,
    progress: true,
  };
  const parsed = parseFlags(args, RUN_FLAGS, defaults);
  if (parsed.help) return help(HELP.run);
  if (parsed.rest.length === 0 || parsed.rest[0] === '') {
    throw new UsageError(`missing the command to run: ${RUN_USAGE}`);
  }
  return actions.run(parsed.options, parsed.rest);
}
