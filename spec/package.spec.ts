/**
 * The package as a user gets it: `npm pack` the built package, install the tarball (with rxjs) in
 * a temporary project, and use it through `import`, through `require`, and from TypeScript.
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
const rxjsDir = dirname(require.resolve('rxjs/package.json'));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  bin?: Record<string, string>;
};

/** The public names of issue 2; later issues add more, which the dual-format test also checks. */
const coreNames = ['BufferOverflowError', 'pool', 'poolFrom'];

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
}

let work: string;
let project: string;
let packed: PackResult;

/** Runs a command; on failure, the error message carries its output. */
function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: 'pipe' });
  if (result.error) throw result.error;
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

/** What each consumer prints: the resolved entry, the export names, and a tiny pool's results. */
const consumerBody = `
  const viaPool = await lastValueFrom(
    from([1, 2, 3]).pipe(pool((n) => of(n * 10), { concurrency: 2 }), toArray()),
  );
  const viaPoolFrom = await lastValueFrom(
    poolFrom([1, 2, 3], (n) => of(n + 100), { concurrency: 2 }).pipe(toArray()),
  );
  const overflowIsError = BufferOverflowError.prototype instanceof Error;
  console.log(JSON.stringify({ resolved, names: Object.keys(api).sort(), viaPool, viaPoolFrom, overflowIsError }));
`;

function runConsumer(file: string, nodeArgs: string[] = []): ConsumerOutput {
  const stdout = run(process.execPath, [...nodeArgs, file], project);
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as ConsumerOutput;
}

beforeAll(() => {
  if (
    !existsSync(join(root, 'dist/cjs/index.js')) ||
    !existsSync(join(root, 'dist/esm/index.js'))
  ) {
    throw new Error('dist/ is missing: run `npm run build` first (`npm test` does)');
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
  // From the local npm cache where it can; rxjs comes from this repository's node_modules.
  run(
    npm,
    [
      'install',
      '--prefer-offline',
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

  it('holds the ESM, CommonJS and declaration entries with their module-type markers', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'dist/esm/index.js',
        'dist/esm/package.json',
        'dist/cjs/index.js',
        'dist/cjs/package.json',
        'dist/types/index.d.ts',
      ]),
    );
    const installed = join(project, 'node_modules/rxjs-pool/dist');
    expect(JSON.parse(readFileSync(join(installed, 'esm/package.json'), 'utf8'))).toEqual({
      type: 'module',
    });
    expect(JSON.parse(readFileSync(join(installed, 'cjs/package.json'), 'utf8'))).toEqual({
      type: 'commonjs',
    });
  });
});

describe('the installed package.json', () => {
  it('maps the root export to types first, then import, then require, all present', () => {
    const dir = join(project, 'node_modules/rxjs-pool');
    const installed = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      exports: Record<string, Record<string, string>>;
    };
    const conditions = installed.exports['.'];
    expect(Object.keys(conditions)).toEqual(['types', 'import', 'require']);
    expect(Object.values(conditions).filter((target) => !existsSync(join(dir, target)))).toEqual(
      [],
    );
  });
});

describe('the installed package', () => {
  it('runs a pool through require() from a CommonJS file', () => {
    const file = write(
      'consumer.cjs',
      `const { from, lastValueFrom, of, toArray } = require('rxjs');
const api = require('rxjs-pool');
const { pool, poolFrom, BufferOverflowError } = api;
const resolved = require.resolve('rxjs-pool');
(async () => {${consumerBody}})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`,
    );
    const output = runConsumer(file);
    expect(output.resolved).toMatch(/node_modules[\\/]rxjs-pool[\\/]dist[\\/]cjs[\\/]index\.js$/);
    expect(output.viaPool).toEqual([10, 20, 30]);
    expect(output.viaPoolFrom).toEqual([101, 102, 103]);
    expect(output.overflowIsError).toBe(true);
    expect(output.names).toEqual(expect.arrayContaining(coreNames));
  });

  it('runs a pool through import from an ES module, loading no Node built-in', () => {
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
const resolved = import.meta.resolve('rxjs-pool');
${consumerBody}`,
    );
    const output = runConsumer(file, ['--import', './forbid-builtins.mjs']);
    expect(output.resolved).toMatch(/\/node_modules\/rxjs-pool\/dist\/esm\/index\.js$/);
    expect(output.viaPool).toEqual([10, 20, 30]);
    expect(output.viaPoolFrom).toEqual([101, 102, 103]);
    expect(output.overflowIsError).toBe(true);
    expect(output.names).toEqual(expect.arrayContaining(coreNames));
  });

  it('exposes the same names through import and require', () => {
    const file = write(
      'names.mjs',
      `import { createRequire } from 'node:module';
const esm = Object.keys(await import('rxjs-pool')).filter((name) => name !== 'default').sort();
const cjs = Object.keys(createRequire(import.meta.url)('rxjs-pool')).sort();
console.log(JSON.stringify({ esm, cjs }));
`,
    );
    const { esm, cjs } = JSON.parse(run(process.execPath, [file], project)) as {
      esm: string[];
      cjs: string[];
    };
    expect(esm).toEqual(cjs);
    expect(esm).toEqual(expect.arrayContaining(coreNames));
  });
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
  const usage = (
    specifier: string,
  ) => `import { pool, poolFrom, BufferOverflowError } from '${specifier}';
import type { Work, WorkContext, PoolOptions, PoolReport } from '${specifier}';
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
export { viaPool, viaPoolFrom, overflowed };
`;

  function typecheck(name: string, options: object, files: Record<string, string>): void {
    const dir = join(project, name);
    for (const [file, text] of Object.entries(files)) write(join(name, file), text);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { ...compilerOptions, ...options } }, null, 2),
    );
    run(process.execPath, [tsc, '-p', dir], project);
  }

  it('type-check under moduleResolution node16 from ES module and CommonJS files', () => {
    expect(() =>
      typecheck(
        'types-node16',
        { module: 'node16', moduleResolution: 'node16' },
        { 'esm.mts': usage('rxjs-pool'), 'cjs.cts': usage('rxjs-pool') },
      ),
    ).not.toThrow();
  });

  it('type-check under moduleResolution bundler', () => {
    expect(() =>
      typecheck(
        'types-bundler',
        { module: 'esnext', moduleResolution: 'bundler' },
        { 'index.ts': usage('rxjs-pool') },
      ),
    ).not.toThrow();
  });
});

describe('the installed command', () => {
  it('is declared as the rxjs-pool bin, built from the CommonJS tree', () => {
    expect(manifest.bin).toEqual({
      'rxjs-pool': expect.stringMatching(/dist\/cjs\/cli\/main\.js$/),
    });
  });

  it('runs the demo from node_modules/.bin with its dependencies from the tarball', () => {
    const bin = join(project, 'node_modules/.bin/rxjs-pool');
    const args = 'demo --requests 4 --healthy 4 --concurrency 2 --delay 1'.split(' ');
    const result = spawnSync(bin, args, { cwd: project, encoding: 'utf8', stdio: 'pipe' });
    // Exit code 0: every request succeeded (1 would be a halt, 2 bad usage).
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(/report/i);
  });
});
