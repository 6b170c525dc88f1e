import { availableParallelism } from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import { integerFrom, positiveMilliseconds } from './args.js';
import { DEMO_DEFAULTS, type DemoOptions } from './demo.js';
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
}

/** Where commander writes help and error messages. */
export interface CliOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

/**
 * Defines the `rxjs-pool` command line with commander: the `demo` and `run` subcommands, their
 * options, defaults and value checks. It never exits the process: a bad flag or value throws
 * (commander's error, or {@link UsageError}); {@link parseCli} turns that into exit code 2.
 *
 * @param actions - what each subcommand runs; the chosen one's exit code is stored in `exitCode`.
 * @param output - where help and error messages go.
 * @returns the program and a holder for the exit code of the action that ran.
 *
 * @example
 * ```ts
 * const { program } = createProgram(actions, { writeOut: console.log, writeErr: console.error });
 * program.helpInformation(); // the usage text
 * ```
 */
export function createProgram(
  actions: CliActions,
  output: CliOutput,
): { program: Command; result: { exitCode: number } } {
  const result = { exitCode: 0 };
  const program = new Command('rxjs-pool')
    .description(
      'A bounded, backpressured, fail-fast worker pool for the command line, built on rxjs-pool.',
    )
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput(output)
    .showHelpAfterError('(add --help for usage)');

  program
    .command('demo')
    .description(
      'Run the seed scenario: requests above --healthy fail; print the events, a timeline and the report. Exits 1 when the pool halted.',
    )
    .addOption(
      new Option('--requests <n>', 'how many requests')
        .argParser(integerFrom(0, false))
        .default(DEMO_DEFAULTS.requests),
    )
    .addOption(
      new Option('--healthy <n>', 'requests above this number fail')
        .argParser(integerFrom(-1, false))
        .default(DEMO_DEFAULTS.healthy),
    )
    .addOption(
      new Option('--buffer-size <n>', 'how many taken requests may wait for a worker')
        .argParser(integerFrom(0, true))
        .default(DEMO_DEFAULTS.bufferSize),
    )
    .addOption(
      new Option('--concurrency <n>', 'how many workers')
        .argParser(integerFrom(1, true))
        .default(DEMO_DEFAULTS.concurrency),
    )
    .addOption(
      new Option('--delay <ms>', 'milliseconds of work per request')
        .argParser(integerFrom(1, false))
        .default(DEMO_DEFAULTS.delay),
    )
    .allowExcessArguments(false)
    .action(async (options: DemoOptions) => {
      result.exitCode = await actions.demo({ ...options });
    });

  program
    .command('run')
    .usage('[options] -- <command> [args...]')
    .description(
      'Run <command> once per line of input (blank lines are skipped), every {} in its arguments replaced by the line ' +
        '(even inside a script given to -e or sh -c), or the line appended when no argument has {}. ' +
        'Writes one JSON line per finished item to stdout. Exit codes: 0 all succeeded, 1 an item failed, 2 bad usage, 130 interrupted.',
    )
    .argument('<command...>', 'the command and its arguments, after --')
    .passThroughOptions()
    .addOption(
      new Option('-j, --concurrency <n>', 'how many commands run at once')
        .argParser(integerFrom(1, true))
        .default(availableParallelism(), 'the number of CPUs'),
    )
    .addOption(
      new Option('--buffer-size <n>', 'how many lines are read ahead of the running commands')
        .argParser(integerFrom(0, true))
        .default(0),
    )
    .addOption(
      new Option('--tolerate <n>', 'how many failed items to absorb before halting (or Infinity)')
        .argParser(integerFrom(0, true))
        .default(0),
    )
    .addOption(
      new Option('--halt <mode>', 'on a halt, kill running commands or let them finish')
        .choices(['abort', 'drain'])
        .default('abort'),
    )
    .addOption(
      new Option('--retry <n>', 'how many times to run a failed command again')
        .argParser(integerFrom(0, false))
        .default(0),
    )
    .addOption(
      new Option(
        '--timeout <ms>',
        'kill a command that runs longer; it counts as failed',
      ).argParser(positiveMilliseconds),
    )
    .option('--ordered', 'print results in input order', false)
    .option('--shell', 'run the command through /bin/sh -c ({} is inserted shell-quoted)', false)
    .option('--input <file>', 'read items from this file instead of standard input')
    .option(
      '--leftover <file>',
      'when the run ends, write every item that did not succeed to this file, in input order',
    )
    .option('--no-progress', 'no progress bar on standard error')
    .action(async (command: string[], options: RunOptions) => {
      if (command.length === 0 || command[0] === '') {
        throw new UsageError(
          'missing the command to run: rxjs-pool run [options] -- <command> [args...]',
        );
      }
      result.exitCode = await actions.run({ ...options }, command);
    });

  return { program, result };
}

/**
 * Parses the arguments (without `node` and the script) and runs the chosen subcommand.
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
  const { program, result } = createProgram(actions, output);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return result.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      // Help shown because something was missing (no subcommand) is bad usage too.
      return error.code === 'commander.help' && error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      output.writeErr(`rxjs-pool: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
