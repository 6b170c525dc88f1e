import { availableParallelism } from 'node:os';
import { anyText, integerFrom, oneOf, positiveMilliseconds } from './args.js';
import { DEMO_DEFAULTS, type DemoOptions } from './demo.js';
import { formatFlags, parseFlags, type FlagTable } from './flags.js';
import { redisUrl, type RedisClientName } from './redisClient.js';
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

/** Where a Redis command works: the server, the stream, and which client to load. */
export interface RedisTarget {
  /** `--redis`: a `redis://` or `rediss://` URL. */
  readonly redis: URL;
  /** `--stream`: the stream's key. */
  readonly stream: string;
  /** `--redis-client`: node-redis or ioredis; default: whichever is installed, node-redis first. */
  readonly redisClient?: RedisClientName;
}

/** The options of `rxjs-pool run --redis`, parsed and checked. */
export interface RedisRunOptions extends Omit<RunOptions, 'input' | 'leftover'>, RedisTarget {
  /** `--group`: the consumer group (created when missing). */
  readonly group: string;
  /** `--consumer`: this consumer's name; default: the host name and a stable suffix. */
  readonly consumer?: string;
  /** `--until-empty`: exit once nothing is new and no entry of the group is pending. */
  readonly untilEmpty: boolean;
  /** `--max-deliveries`: a failure on this delivery dead-letters the entry. Default 5. */
  readonly maxDeliveries: number;
  /** `--claim-idle`: milliseconds after which a dead consumer's entries are taken. Default 60000. */
  readonly claimIdle: number;
}

/** The options of `rxjs-pool enqueue`. */
export interface EnqueueOptions extends RedisTarget {
  /** Read the lines from this file instead of standard input. */
  readonly input?: string;
  /** Also create this consumer group (from the start of the stream) when it does not exist. */
  readonly group?: string;
  /** Show the count on standard error while adding (only ever when it is a terminal). */
  readonly progress: boolean;
}

/** The options of `rxjs-pool status`. */
export interface StatusOptions extends RedisTarget {
  readonly group: string;
  /** Redraw every second until interrupted. */
  readonly watch: boolean;
  /** One JSON object instead of the table. */
  readonly json: boolean;
  /** A consumer holding an entry idle this long looks dead. Default 60000. */
  readonly claimIdle: number;
}

/** The options of `rxjs-pool dead`. */
export interface DeadOptions extends RedisTarget {
  /** Put every dead letter back on the stream. */
  readonly requeue: boolean;
  /** One JSON line per dead letter. */
  readonly json: boolean;
}

/** What the subcommands do once their arguments are parsed. */
export interface CliActions {
  demo(options: DemoOptions): Promise<number>;
  run(options: RunOptions, command: string[]): Promise<number>;
  runRedis(options: RedisRunOptions, command: string[]): Promise<number>;
  enqueue(options: EnqueueOptions): Promise<number>;
  status(options: StatusOptions): Promise<number>;
  dead(options: DeadOptions): Promise<number>;
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

/** The flags that every Redis subcommand has, before it is checked that they were given. */
interface RedisFlags {
  redis?: URL;
  stream?: string;
  redisClient?: RedisClientName;
}

const REDIS_FLAGS: FlagTable<RedisFlags> = {
  redis: {
    name: 'redis',
    value: '<url>',
    help: 'the Redis server, redis://host:port or rediss:// for TLS',
    parse: redisUrl,
  },
  stream: { name: 'stream', value: '<name>', help: "the stream's key", parse: anyText },
  redisClient: {
    name: 'redis-client',
    value: '<name>',
    help: 'the client to load: node-redis or ioredis',
    defaultText: 'whichever is installed, node-redis first',
    parse: oneOf(['node-redis', 'ioredis'] as const),
  },
};

const claimIdleFlag = {
  name: 'claim-idle',
  value: '<ms>',
  help: "take a dead consumer's entries once idle this long",
  defaultText: '60000',
  parse: integerFrom(1, false),
};

/** `run --redis`: the flags beyond `run`'s own. */
interface RedisRunFlags extends RedisFlags {
  group?: string;
  consumer?: string;
  untilEmpty: boolean;
  maxDeliveries?: number;
  claimIdle?: number;
}

const REDIS_RUN_FLAGS: FlagTable<RedisRunFlags> = {
  ...REDIS_FLAGS,
  group: {
    name: 'group',
    value: '<name>',
    help: 'the consumer group (created when missing)',
    parse: anyText,
  },
  consumer: {
    name: 'consumer',
    value: '<name>',
    help: "this consumer's name in the group",
    defaultText: 'host name and a stable suffix',
    parse: anyText,
  },
  untilEmpty: {
    name: 'until-empty',
    help: 'exit once nothing is new and no entry of the group is pending',
    sets: true,
  },
  maxDeliveries: {
    name: 'max-deliveries',
    value: '<n>',
    help: 'dead-letter an entry whose command failed on this delivery',
    defaultText: '5',
    parse: integerFrom(1, true),
  },
  claimIdle: claimIdleFlag,
};

const ENQUEUE_FLAGS: FlagTable<RedisFlags & { input?: string; group?: string; progress: boolean }> =
  {
    ...REDIS_FLAGS,
    input: {
      name: 'input',
      value: '<file>',
      help: 'read the lines from this file instead of standard input',
      parse: anyText,
    },
    group: {
      name: 'group',
      value: '<name>',
      help: 'also create this consumer group (from the start of the stream)',
      parse: anyText,
    },
    progress: { name: 'no-progress', help: 'no count on standard error', sets: false },
  };

const STATUS_FLAGS: FlagTable<
  RedisFlags & { group?: string; watch: boolean; json: boolean; claimIdle: number }
> = {
  ...REDIS_FLAGS,
  group: { name: 'group', value: '<name>', help: 'the consumer group', parse: anyText },
  watch: { name: 'watch', help: 'redraw every second until Ctrl-C', sets: true },
  json: { name: 'json', help: 'one JSON object instead of the table', sets: true },
  claimIdle: { ...claimIdleFlag, help: 'a consumer holding an entry idle this long looks dead' },
};

const DEAD_FLAGS: FlagTable<RedisFlags & { requeue: boolean; json: boolean }> = {
  ...REDIS_FLAGS,
  requeue: {
    name: 'requeue',
    help: 'put every dead letter back on the stream (atomically per entry)',
    sets: true,
  },
  json: { name: 'json', help: 'one JSON line per dead letter', sets: true },
};

/** `run` parses its own flags and the Redis ones together; `--redis` decides which it runs. */
const RUN_AND_REDIS_FLAGS: FlagTable<RunOptions & RedisRunFlags> = {
  ...RUN_FLAGS,
  ...REDIS_RUN_FLAGS,
};

const RUN_USAGE = 'rxjs-pool run [options] -- <command> [args...]';
const REDIS_RUN_USAGE =
  'rxjs-pool run --redis <url> --stream <name> --group <name> [options] -- <command> [args...]';
const ENQUEUE_USAGE = 'rxjs-pool enqueue --redis <url> --stream <name> [--input <file>]';
const STATUS_USAGE =
  'rxjs-pool status --redis <url> --stream <name> --group <name> [--watch] [--json]';
const DEAD_USAGE = 'rxjs-pool dead --redis <url> --stream <name> [--requeue] [--json]';

const HELP = {
  main: [
    'Usage: rxjs-pool <command> [options]',
    '',
    DESCRIPTION,
    '',
    'Commands:',
    '  demo     run the seed scenario and draw its timeline and report',
    '  run      run a command once per line of input, or per entry of a Redis stream',
    '  enqueue  add one Redis stream entry per line of input',
    '  status   show a Redis stream and consumer group: pending, dead consumers, dead letters',
    '  dead     list the dead letters of a Redis stream, or put them back (--requeue)',
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
    `With --redis: ${REDIS_RUN_USAGE}`,
    'takes the entries of a Redis stream through a consumer group instead of input lines (their',
    'field `item` is the line), on any number of hosts: acks what succeeded, dead-letters an entry',
    'that failed --max-deliveries times, takes what a dead consumer held after --claim-idle, and',
    'releases what a halt or Ctrl-C left. The JSON lines carry the entry id.',
    '',
    'Options:',
    ...formatFlags(RUN_AND_REDIS_FLAGS),
  ],
  enqueue: [
    `Usage: ${ENQUEUE_USAGE}`,
    '',
    'Add one entry (field `item`) per line of input (blank lines are skipped), pipelined; print how',
    'many were added and the id range.',
    '',
    'Options:',
    ...formatFlags(ENQUEUE_FLAGS),
  ],
  status: [
    `Usage: ${STATUS_USAGE}`,
    '',
    'Show the stream length, entries not yet delivered, pending entries per consumer with the',
    'oldest idle time, consumers that look dead (holding an entry idle past --claim-idle), released',
    'entries waiting for a consumer, and the dead-letter count.',
    '',
    'Options:',
    ...formatFlags(STATUS_FLAGS),
  ],
  dead: [
    `Usage: ${DEAD_USAGE}`,
    '',
    'List the dead letters (id, item, error, deliveries, consumer), or with --requeue put each back',
    'on the stream and remove it from the dead-letter stream, atomically per entry.',
    '',
    'Options:',
    ...formatFlags(DEAD_FLAGS),
  ],
};

/** The subcommands that have a help page of their own. */
const SUBCOMMANDS = ['demo', 'run', 'enqueue', 'status', 'dead'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];
const isSubcommand = (name: string | undefined): name is Subcommand =>
  (SUBCOMMANDS as readonly (string | undefined)[]).includes(name);

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
        return help(isSubcommand(args[0]) ? HELP[args[0]] : HELP.main);
      case '--version':
        output.writeOut(`${actions.version()}\n`);
        return 0;
      case 'demo':
        return await runDemoCommand(args, actions, help);
      case 'run':
        return await runRunCommand(args, actions, help);
      case 'enqueue':
        return await runEnqueueCommand(args, actions, help);
      case 'status':
        return await runStatusCommand(args, actions, help);
      case 'dead':
        return await runDeadCommand(args, actions, help);
      default:
        throw new UsageError(`unknown command '${subcommand}'`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      return usage(error, isSubcommand(subcommand) ? `rxjs-pool ${subcommand}` : 'rxjs-pool');
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
  const parsed = parseFlags(args, RUN_AND_REDIS_FLAGS, { ...defaults, untilEmpty: false });
  if (parsed.help) return help(HELP.run);
  const {
    redis,
    stream,
    group,
    consumer,
    untilEmpty,
    maxDeliveries,
    claimIdle,
    redisClient,
    ...plain
  } = parsed.options;
  if (redis === undefined) {
    const given = Object.entries({ stream, group, consumer, maxDeliveries, claimIdle, redisClient })
      .filter(([, value]) => value !== undefined)
      .map(([key]) => REDIS_RUN_FLAGS[key as keyof RedisRunFlags].name);
    if (untilEmpty) given.push('until-empty');
    if (given.length > 0) throw new UsageError(`option '--${given[0]}' needs --redis <url>`);
  }
  if (parsed.rest.length === 0 || parsed.rest[0] === '') {
    throw new UsageError(
      `missing the command to run: ${redis === undefined ? RUN_USAGE : REDIS_RUN_USAGE}`,
    );
  }
  if (redis === undefined) return actions.run(plain, parsed.rest);

  const { input, leftover, ...poolOptions } = plain;
  for (const [value, flag] of [
    [input, 'input'],
    [leftover, 'leftover'],
  ] as const) {
    if (value !== undefined) {
      throw new UsageError(
        `option '--${flag}' cannot be used with --redis: the items come from the stream, and what does not succeed stays in Redis`,
      );
    }
  }
  const claimIdleMs = claimIdle ?? 60_000;
  if (poolOptions.timeout !== undefined && poolOptions.timeout >= claimIdleMs) {
    throw new UsageError(
      `Expected \`--timeout\` to be less than \`--claim-idle\` (${claimIdleMs} ms), received \`${poolOptions.timeout}\`: ` +
        'a command that may outlast the claim time would let another consumer take its entry while it runs',
    );
  }
  return actions.runRedis(
    {
      ...poolOptions,
      redis,
      stream: required(stream, 'stream', REDIS_RUN_USAGE),
      group: required(group, 'group', REDIS_RUN_USAGE),
      ...(consumer === undefined ? {} : { consumer }),
      ...(redisClient === undefined ? {} : { redisClient }),
      untilEmpty,
      maxDeliveries: maxDeliveries ?? 5,
      claimIdle: claimIdleMs,
    },
    parsed.rest,
  );
}

/** A flag a subcommand cannot do without. */
function required<V>(value: V | undefined, flag: string, usage: string): V {
  if (value === undefined) throw new UsageError(`missing option '--${flag}': ${usage}`);
  return value;
}

/** The flags every Redis subcommand needs, checked. */
function redisTarget(options: RedisFlags, usage: string): RedisTarget {
  return {
    redis: required(options.redis, 'redis', usage),
    stream: required(options.stream, 'stream', usage),
    ...(options.redisClient === undefined ? {} : { redisClient: options.redisClient }),
  };
}

function noArguments(rest: readonly string[]): void {
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
}

async function runEnqueueCommand(
  args: readonly string[],
  actions: CliActions,
  help: (lines: readonly string[]) => number,
): Promise<number> {
  const parsed = parseFlags(args, ENQUEUE_FLAGS, { progress: true });
  if (parsed.help) return help(HELP.enqueue);
  noArguments(parsed.rest);
  const { input, group, progress } = parsed.options;
  return actions.enqueue({
    ...redisTarget(parsed.options, ENQUEUE_USAGE),
    ...(input === undefined ? {} : { input }),
    ...(group === undefined ? {} : { group }),
    progress,
  });
}

async function runStatusCommand(
  args: readonly string[],
  actions: CliActions,
  help: (lines: readonly string[]) => number,
): Promise<number> {
  const parsed = parseFlags(args, STATUS_FLAGS, { watch: false, json: false, claimIdle: 60_000 });
  if (parsed.help) return help(HELP.status);
  noArguments(parsed.rest);
  const { group, watch, json, claimIdle } = parsed.options;
  return actions.status({
    ...redisTarget(parsed.options, STATUS_USAGE),
    group: required(group, 'group', STATUS_USAGE),
    watch,
    json,
    claimIdle,
  });
}

async function runDeadCommand(
  args: readonly string[],
  actions: CliActions,
  help: (lines: readonly string[]) => number,
): Promise<number> {
  const parsed = parseFlags(args, DEAD_FLAGS, { requeue: false, json: false });
  if (parsed.help) return help(HELP.dead);
  noArguments(parsed.rest);
  const { requeue, json } = parsed.options;
  return actions.dead({ ...redisTarget(parsed.options, DEAD_USAGE), requeue, json });
}
