import { parseArgs } from 'node:util';
import type { ValueParser } from './args.js';
import { UsageError } from './usageError.js';

/** A flag that takes a value: `--buffer-size 8`, `--buffer-size=8`, `-j 8`, `-j8`. */
export interface ValueFlag<V> {
  /** The long name, without its dashes. */
  readonly name: string;
  /** A one-letter alias, if any. */
  readonly short?: string;
  /** How `--help` writes the value, e.g. `<n>`. */
  readonly value: string;
  /** What `--help` says it does. */
  readonly help: string;
  /** What `--help` says its default is, when it has one. */
  readonly defaultText?: string;
  /** Reads the value; a bad one throws a {@link UsageError}. */
  readonly parse: ValueParser<V>;
}

/** A flag without a value; giving it sets its option to `sets`. */
export interface SwitchFlag {
  readonly name: string;
  readonly short?: string;
  readonly help: string;
  /** The option's value when the flag is given (`--ordered` sets true, `--no-progress` false). */
  readonly sets: boolean;
}

/** The flags of a subcommand, one per option of its options object. */
export type FlagTable<O> = {
  readonly [K in keyof O]-?: [NonNullable<O[K]>] extends [boolean]
    ? SwitchFlag
    : ValueFlag<NonNullable<O[K]>>;
};

/** What {@link parseFlags} found. */
export type ParsedFlags<O> =
  { readonly help: true } | { readonly help: false; readonly options: O; readonly rest: string[] };

const HELP: SwitchFlag = { name: 'help', short: 'h', help: 'show this help', sets: true };

/**
 * Parses a subcommand's flags with Node's `util.parseArgs`, then checks and converts each value
 * through its table row. The flags end at the first argument that is not a flag or a flag's value,
 * or at `--`; what follows is returned untouched in `rest` (the command for `rxjs-pool run`, whose
 * own flags are not ours).
 *
 * A value that starts with a dash is taken as the value (`--retry -1` reads `-1`, which the
 * value's check then refuses by name), not as an ambiguous flag.
 *
 * @param argv - the arguments after the subcommand's name.
 * @param table - the flags, one per option.
 * @param defaults - the options when no flag is given.
 * @returns `{ help: true }` when `--help` or `-h` is among the flags, else the options and the rest.
 * @throws {@link UsageError} for an unknown flag, a missing value, a value given to a switch, or a
 *   value the row's parser refuses.
 *
 * @example
 * ```ts
 * const table: FlagTable<{ retry: number; ordered: boolean }> = {
 *   retry: { name: 'retry', value: '<n>', help: 'retries', parse: integerFrom(0, false) },
 *   ordered: { name: 'ordered', help: 'input order', sets: true },
 * };
 * parseFlags(['--retry', '2', 'echo', '--ordered'], table, { retry: 0, ordered: false });
 * // { help: false, options: { retry: 2, ordered: false }, rest: ['echo', '--ordered'] }
 * ```
 */
export function parseFlags<O extends object>(
  argv: readonly string[],
  table: FlagTable<O>,
  defaults: O,
): ParsedFlags<O> {
  const rows = Object.entries(table) as [keyof O & string, ValueFlag<unknown> | SwitchFlag][];
  const byName = new Map(rows.map(([key, flag]) => [flag.name, { key, flag }]));
  const config: NonNullable<Parameters<typeof parseArgs>[0]>['options'] = {
    [HELP.name]: { type: 'boolean', short: HELP.short! },
  };
  for (const [, flag] of rows) {
    config[flag.name] = {
      type: 'parse' in flag ? 'string' : 'boolean',
      ...(flag.short === undefined ? {} : { short: flag.short }),
    };
  }
  // Not strict: unknown flags and missing values come back as tokens, and are reported below
  // with the flag's name; the tokens after the first non-flag are not ours and are left alone.
  const { tokens } = parseArgs({
    args: [...argv],
    options: config,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  let restStart = argv.length;
  const flags: Extract<(typeof tokens)[number], { kind: 'option' }>[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      restStart = token.index;
      break;
    }
    if (token.kind === 'option-terminator') {
      restStart = token.index + 1;
      break;
    }
    flags.push(token);
  }
  if (flags.some((token) => token.name === HELP.name)) return { help: true };

  const options = { ...defaults } as Record<string, unknown>;
  for (const token of flags) {
    const row = byName.get(token.name);
    if (row === undefined) throw new UsageError(`unknown option '${token.rawName}'`);
    const { key, flag } = row;
    const spelled = `--${flag.name}`;
    if ('parse' in flag) {
      if (token.value === undefined) {
        throw new UsageError(`option '${spelled} ${flag.value}' needs a value`);
      }
      options[key] = flag.parse(token.value, spelled);
    } else {
      if (token.value !== undefined) {
        throw new UsageError(`option '${spelled}' takes no value, received \`${token.value}\``);
      }
      options[key] = flag.sets;
    }
  }
  return { help: false, options: options as O, rest: argv.slice(restStart) };
}

/**
 * Writes a flag table as the option lines of `--help`, aligned, `--help` itself last.
 *
 * @param table - the flags.
 * @returns the lines, each indented by two spaces.
 *
 * @example
 * ```ts
 * formatFlags({ ordered: { name: 'ordered', help: 'print results in input order', sets: true } });
 * // [ '  --ordered   print results in input order', '  -h, --help  show this help' ]
 * ```
 */
export function formatFlags<O>(table: FlagTable<O>): string[] {
  const flags = [...(Object.values(table) as (ValueFlag<unknown> | SwitchFlag)[]), HELP];
  const spelled = flags.map((flag) => {
    const name = `${flag.short === undefined ? '' : `-${flag.short}, `}--${flag.name}`;
    return 'value' in flag ? `${name} ${flag.value}` : name;
  });
  const width = Math.max(...spelled.map((text) => text.length));
  return flags.map((flag, i) => {
    const defaultText =
      'defaultText' in flag && flag.defaultText !== undefined
        ? ` (default: ${flag.defaultText})`
        : '';
    return `  ${spelled[i]!.padEnd(width)}  ${flag.help}${defaultText}`;
  });
}
