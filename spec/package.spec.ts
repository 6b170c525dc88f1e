/**
 * The package as a user gets it: `npm pack` the built package, install the tarball (with rxjs) in
 * a temporary project, offline, and use both entry points (`rxjs-pool`, `rxjs-pool/redis`)
 * through `import`, through `require`, and from TypeScript under each module resolution a user
 * may have (node16 from ES modules and from CommonJS, bundler, node10).
 *
 * Needs the build (`npm run build`); `npm test` builds first. It packs with `--ignore-scripts`, so
 * it never rebuilds dist/ underneath specs that run the built CLI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = require.resolve('typescript/bin/tsc');
const eslint = join(dirname(require.resolve('eslint/package.json')), 'bin/eslint.js');
const rxjsDir = dirname(require.resolve('rxjs/package.json'));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  bin?: Record<string, string>;
};

/** The library's core names; the dual-format test checks that both formats export the same. */
const coreNames = ['BufferOverflowError', 'pool', 'poolFrom'];

/** The entry points, and the file each format's condition must resolve to. */
const entryPoints = [
  { specifier: 'rxjs-pool', subpath: '.', file: 'index' },
  { specifier: 'rxjs-pool/redis', subpath: './redis', file: 'redis/index' },
] as const;

interface PackResult {
  filename: string;
  files: { path: string }[];
}

interface ConsumerOutput {
  resolved: string;
  names: string[];
  viaPool: number[];
  viaPoolFrom: number[];
  overflowIsError: boolean;
  redisResolved: string;
}

let work: string;
let project: string;
let packed: PackResult;

/** Runs a command and returns what it did; `run` below also insists that it succeeded. */
function spawnIn(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: 'pipe' });
  if (result.error) throw result.error;
  return result;
}

/** Runs a command; on failure, the error message carries its output. */
function run(command: string, args: string[], cwd: string): string {
  const result = spawnIn(command, args, cwd);
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited with ${result.status ?? result.signal}\n` +
        `${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

function write(file: string, text: string): string {
  const path = join(project, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** What each consumer prints: the resolved entries, the export names, and a tiny pool's results. */
const consumerBody = `
  const viaPool = await lastValueFrom(
    from([1, 2, 3]).pipe(pool((n) => of(n * 10), { concurrency: 2 }), toArray()),
  );
  const viaPoolFrom = await lastValueFrom(
    poolFrom([1, 2, 3], (n) => of(n + 100), { concurrency: 2 }).pipe(toArray()),
  );
  const overflowIsError = BufferOverflowError.prototype instanceof Error;
  console.log(JSON.stringify({ resolved, names: Object.keys(api).sort(), viaPool, viaPoolFrom, overflowIsError, redisResolved }));
`;

function runConsumer(file: string, nodeArgs: string[] = []): ConsumerOutput {
  const stdout = run(process.execPath, [...nodeArgs, file], project);
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as ConsumerOutput;
}

beforeAll(() => {
  for (const format of ['esm', 'commonjs']) {
    if (!existsSync(join(root, `dist/${format}/index.js`))) {
      throw new Error('dist/ is missing: run `npm run build` first (`npm test` does)');
    }
  }
  work = mkdtempSync(join(tmpdir(), 'rxjs-pool-package-'));
  project = join(work, 'project');
  mkdirSync(project);

  const packOutput = run(
    npm,
    ['pack', '--ignore-scripts', '--json', '--pack-destination', work],
    root,
  );
  packed = (JSON.parse(packOutput) as PackResult[])[0];

  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'rxjs-pool-consumer', version: '1.0.0', private: true }, null, 2),
  );
  // Offline: the tarball has no dependencies, and rxjs (its peer) comes from this repository's
  // node_modules.
  run(
    npm,
    [
      'install',
      '--offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--no-package-lock',
      join(work, packed.filename),
      rxjsDir,
    ],
    project,
  );
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds only the build, package.json, README and LICENSE', () => {
    const outside = packed.files
      .map((file) => file.path)
      .filter((path) => !/^(dist\/|package\.json$|README(\.md)?$|LICENSE(\.md)?$)/i.test(path));
    expect(outside).toEqual([]);
  });

  it('holds an ES module and a CommonJS build of each entry point, each with its own declarations', () => {
    const paths = packed.files.map((file) => file.path);
    const expected = entryPoints.flatMap(({ file }) =>
      ['esm', 'commonjs'].flatMap((format) => [
        `dist/${format}/${file}.js`,
        `dist/${format}/${file}.d.ts`,
      ]),
    );
    expect(paths).toEqual(expect.arrayContaining(expected));
  });

  it('marks each build with its module type', () => {
    const installed = join(project, 'node_modules/rxjs-pool/dist');
    const typeOf = (format: string): unknown =>
      (
        JSON.parse(readFileSync(join(installed, format, 'package.json'), 'utf8')) as {
          type: string;
        }
      ).type;
    expect({ esm: typeOf('esm'), commonjs: typeOf('commonjs') }).toEqual({
      esm: 'module',
      commonjs: 'commonjs',
    });
  });

  it('declares no runtime dependencies: installing it installs nothing besides the rxjs peer', () => {
    const installed = JSON.parse(
      readFileSync(join(project, 'node_modules/rxjs-pool/package.json'), 'utf8'),
    ) as { dependencies?: object; peerDependencies?: object };
    expect(installed.dependencies).toBeUndefined();
    expect(Object.keys(installed.peerDependencies ?? {})).toEqual(['rxjs']);
  });
});

describe('the installed package.json', () => {
  const dir = (): string => join(project, 'node_modules/rxjs-pool');
  const installed = (): { exports: Record<string, Record<string, Record<string, string>>> } =>
    JSON.parse(readFileSync(join(dir(), 'package.json'), 'utf8'));

  it.each(entryPoints)(
    'maps $subpath to an ES module and a CommonJS file, each with its types first',
    ({ subpath, file }) => {
      expect(installed().exports[subpath]).toEqual({
        import: { types: `./dist/esm/${file}.d.ts`, default: `./dist/esm/${file}.js` },
        require: {
          types: `./dist/commonjs/${file}.d.ts`,
          default: `./dist/commonjs/${file}.js`,
        },
      });
      for (const condition of Object.values(installed().exports[subpath]!)) {
        expect(Object.keys(condition)[0]).toBe('types');
        for (const target of Object.values(condition))
          expect(existsSync(join(dir(), target))).toBe(true);
      }
    },
  );
});

describe('the installed package', () => {
  it('runs a pool through require() from a CommonJS file', () => {
    const file = write(
      'consumer.cjs',
      `const { from, lastValueFrom, of, toArray } = require('rxjs');
const api = require('rxjs-pool');
const { pool, poolFrom, BufferOverflowError } = api;
const resolved = require.resolve('rxjs-pool');
require('rxjs-pool/redis');
const redisResolved = require.resolve('rxjs-pool/redis');
(async () => {${consumerBody}})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`,
    );
    const output = runConsumer(file);
    expect(output.resolved).toMatch(/node_modules\/rxjs-pool\/dist\/commonjs\/index\.js$/);
    expect(output.redisResolved).toMatch(
      /node_modules\/rxjs-pool\/dist\/commonjs\/redis\/index\.js$/,
    );
    expect(output.viaPool).toEqual([10, 20, 30]);
    expect(output.viaPoolFrom).toEqual([101, 102, 103]);
    expect(output.overflowIsError).toBe(true);
    expect(output.names).toEqual(expect.arrayContaining(coreNames));
  });

  it('runs a pool through import from an ES module, neither entry loading a Node built-in', () => {
    // A loader hook that fails any import of a Node built-in from inside the installed package.
    write(
      'forbid-builtins-hooks.mjs',
      `import { isBuiltin } from 'node:module';
export async function resolve(specifier, context, next) {
  if (isBuiltin(specifier) && context.parentURL?.includes('/node_modules/rxjs-pool/')) {
    throw new Error(\`rxjs-pool loaded the Node built-in '\${specifier}' from \${context.parentURL}\`);
  }
  return next(specifier, context);
}
`,
    );
    write(
      'forbid-builtins.mjs',
      `import { register } from 'node:module';
register('./forbid-builtins-hooks.mjs', import.meta.url);
`,
    );
    const file = write(
      'consumer.mjs',
      `import { from, lastValueFrom, of, toArray } from 'rxjs';
import * as api from 'rxjs-pool';
import { pool, poolFrom, BufferOverflowError } from 'rxjs-pool';
import 'rxjs-pool/redis';
const resolved = import.meta.resolve('rxjs-pool');
const redisResolved = import.meta.resolve('rxjs-pool/redis');
${consumerBody}`,
    );
    const output = runConsumer(file, ['--import', './forbid-builtins.mjs']);
    expect(output.resolved).toMatch(/\/node_modules\/rxjs-pool\/dist\/esm\/index\.js$/);
    expect(output.redisResolved).toMatch(/\/node_modules\/rxjs-pool\/dist\/esm\/redis\/index\.js$/);
    expect(output.viaPool).toEqual([10, 20, 30]);
    expect(output.viaPoolFrom).toEqual([101, 102, 103]);
    expect(output.overflowIsError).toBe(true);
    expect(output.names).toEqual(expect.arrayContaining(coreNames));
  });

  it.each(entryPoints)(
    'exposes the same names through import and require of $specifier',
    ({ specifier }) => {
      const file = write(
        'names.mjs',
        `import { createRequire } from 'node:module';
const specifier = process.argv[2];
const esm = Object.keys(await import(specifier)).filter((name) => name !== 'default').sort();
const cjs = Object.keys(createRequire(import.meta.url)(specifier)).sort();
const hasDefault = 'default' in (await import(specifier));
console.log(JSON.stringify({ esm, cjs, hasDefault }));
`,
      );
      const { esm, cjs, hasDefault } = JSON.parse(
        run(process.execPath, [file, specifier], project),
      ) as { esm: string[]; cjs: string[]; hasDefault: boolean };
      expect(esm).toEqual(cjs);
      // No default export in either format: the types say so too (see the declarations below).
      expect(hasDefault).toBe(false);
      if (specifier === 'rxjs-pool') expect(esm).toEqual(expect.arrayContaining(coreNames));
    },
  );
});

describe('the installed type declarations', () => {
  // Strict, no @types/node (the library's types must not need them), and the declarations
  // themselves are checked too (skipLibCheck off).
  const compilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    skipDefaultLibCheck: true,
    types: [],
    lib: ['ES2022', 'DOM'],
    target: 'ES2022',
  };
  const resolutions = {
    node16: { module: 'node16', moduleResolution: 'node16' },
    bundler: { module: 'esnext', moduleResolution: 'bundler' },
    node10: { module: 'commonjs', moduleResolution: 'node10' },
  };
  /** node16 tells ES module files (.mts) from CommonJS files (.cts) by their extension. */
  const bothFormats = (text: string): Record<string, string> => ({
    'esm.mts': text,
    'cjs.cts': text,
  });

  const usage = `import { pool, poolFrom, BufferOverflowError } from 'rxjs-pool';
import type { Work, WorkContext, PoolOptions, PoolReport } from 'rxjs-pool';
import * as redis from 'rxjs-pool/redis';
import { from, of } from 'rxjs';
import type { Observable, OperatorFunction } from 'rxjs';

const work: Work<number, string> = (n: number, context: WorkContext) =>
  of(\`\${n}@\${context.index}/\${context.attempt}\${context.signal.aborted ? '!' : ''}\`);
const options: PoolOptions<number> = {
  concurrency: 2,
  bufferSize: 4,
  overflow: 'drop-oldest',
  onDrop: (item: number) => void item,
  onFinalize: (report: PoolReport<number>) => {
    const left: number[] = [...report.unstarted, ...report.unfinished];
    void [left, report.accepted, report.succeeded, report.failed, report.dropped, report.reason];
  },
};
const operator: OperatorFunction<number, string> = pool(work, options);
const viaPool: Observable<string> = from([1, 2, 3]).pipe(operator);
const viaPoolFrom: Observable<string> = poolFrom([1, 2, 3], work, options);
const overflowed = (error: unknown): unknown =>
  error instanceof BufferOverflowError ? error.item : undefined;
// @ts-expect-error concurrency is required
pool(work, {});
// @ts-expect-error work returns an ObservableInput, not a bare value
pool((n: number) => n, { concurrency: 1 });
export { viaPool, viaPoolFrom, overflowed, redis };
`;

  /** Type-checks `files` in a project of their own; returns tsc's exit code and its output. */
  function typecheck(
    name: string,
    resolution: keyof typeof resolutions,
    files: Record<string, string>,
  ): { status: number | null; output: string } {
    const dir = join(project, name);
    for (const [file, body] of Object.entries(files)) {
      write(join(name, file), body);
    }
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify(
        { compilerOptions: { ...compilerOptions, ...resolutions[resolution] } },
        null,
        2,
      ),
    );
    const result = spawnIn(process.execPath, [tsc, '-p', dir], project);
    return { status: result.status, output: result.stdout + result.stderr };
  }

  it.each(Object.keys(resolutions) as (keyof typeof resolutions)[])(
    'type-check both entry points under moduleResolution %s',
    (resolution) => {
      expect(
        typecheck(
          `types-${resolution}`,
          resolution,
          resolution === 'node16' ? bothFormats(usage) : { 'index.ts': usage },
        ),
      ).toEqual({
        status: 0,
        output: '',
      });
    },
  );

  // There is no default export at run time, in either format: a default import must not type-check.
  // (From a CommonJS file, TypeScript's esModuleInterop still lets one type-check against any
  // CommonJS declarations; use named imports there, as everywhere.)
  it.each([
    ['node16', 'esm.mts'],
    ['bundler', 'index.ts'],
  ] as const)(
    'make a default import a type error under moduleResolution %s (%s)',
    (resolution, file) => {
      const { status, output } = typecheck(`default-${resolution}`, resolution, {
        [file]: `import rxjsPool from 'rxjs-pool';\nexport const used = rxjsPool;\n`,
      });
      expect(status).not.toBe(0);
      expect(output.split('\n').filter((line) => line.includes('error TS'))).toEqual([
        expect.stringMatching(/error TS1192: Module .*dist\/esm\/index.* has no default export/),
      ]);
    },
  );
});

describe('the library source', () => {
  /** Lints TypeScript as if it were the file at `path` in this repository: its problems. */
  function lint(path: string, code: string): { rule: string | null; message: string }[] {
    const result = spawnSync(
      process.execPath,
      [eslint, '--stdin', '--stdin-filename', path, '--format', 'json'],
      { cwd: root, input: code, encoding: 'utf8' },
    );
    const [report] = JSON.parse(result.stdout) as {
      messages: { ruleId: string | null; message: string }[];
    }[];
    return report!.messages.map(({ ruleId, message }) => ({ rule: ruleId, message }));
  }

  it.each([
    ["import { readFile } from 'node:fs';\nvoid readFile;"],
    ["import { join } from 'path';\nvoid join;"],
    ["export { setTimeout } from 'timers/promises';"],
  ])('may not load a Node built-in outside src/cli/ (lint refuses %j)', (code) => {
    expect(lint('src/internal/probe.ts', `${code}\n`)).toEqual([
      {
        rule: 'no-restricted-imports',
        message: expect.stringContaining('no Node built-ins outside src/cli/'),
      },
    ]);
  });

  it('lets the command line load Node built-ins', () => {
    expect(
      lint('src/cli/probe.ts', "import { readFile } from 'node:fs';\nvoid readFile;\n"),
    ).toEqual([]);
  });
});

describe('the installed command', () => {
  it('is declared as the rxjs-pool bin, built from the ES module tree', () => {
    expect(manifest.bin).toEqual({
      'rxjs-pool': expect.stringMatching(/^\.\/dist\/esm\/cli\/main\.js$/),
    });
  });

  it('runs the demo from node_modules/.bin', () => {
    const bin = join(project, 'node_modules/.bin/rxjs-pool');
    const args = 'demo --requests 4 --healthy 4 --concurrency 2 --delay 1'.split(' ');
    const result = spawnSync(bin, args, { cwd: project, encoding: 'utf8', stdio: 'pipe' });
    // Exit code 0: every request succeeded (1 would be a halt, 2 bad usage).
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(/report/i);
  });
});
