// The README's examples, kept as tests so that the README stays true.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestScheduler } from 'rxjs/testing';
import ts from 'typescript';
import * as library from '../src/index';
import { redisExamples } from './helpers/readmeExamples';
import { pool } from '../src/index';

it('halts at the first failure and releases the source first', () => {
  new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(
    ({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  a-b-c---d-|');
      const a = cold('      -x|');
      const b = cold('        ----#');
      const c = cold('          -y-z|');
      const d = cold('x|');
      const inners: Record<string, ReturnType<typeof cold>> = { a, b, c, d };
      expectObservable(source.pipe(pool((k) => inners[k], { concurrency: 2 }))).toBe('-x---y#');
      expectSubscriptions(source.subscriptions).toBe('^-----!');
      expectSubscriptions(a.subscriptions).toBe('^-!');
      expectSubscriptions(b.subscriptions).toBe('--^---!');
      expectSubscriptions(c.subscriptions).toBe('----^-!');
      expectSubscriptions(d.subscriptions).toBe([]);
    },
  );
});

describe("the README's quick start", () => {
  it('runs as written and reports what the README says it reports', async () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Quick start'));
    const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
    const { outputText } = ts.transpileModule(code, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    });
    const logged: unknown[] = [];
    let halted!: (error: unknown) => void;
    const haltedWith = new Promise<unknown>((resolve) => (halted = resolve));
    const sandboxConsole = {
      log: (value: unknown) => logged.push(value),
      error: (_label: string, error: unknown) => halted(error),
    };
    const run = new Function('require', 'console', 'exports', outputText);
    const modules: Record<string, unknown> = { 'rxjs-pool': library };
    run((name: string) => modules[name], sandboxConsole, {});
    const error = await haltedWith;
    expect(error).toEqual(new Error('request 11 failed'));
    const report = logged.find((v) => typeof v === 'object' && v !== null && 'reason' in v);
    expect(report).toEqual({
      reason: 'error',
      error: new Error('request 11 failed'),
      accepted: 30,
      succeeded: 11,
      failed: 1,
      dropped: 0,
      retried: 0,
      unfinished: [12, 13],
      unstarted: Array.from({ length: 16 }, (_, i) => i + 14),
    });
  });
});

describe("the README's Redis examples", () => {
  // Type-checked under `strict` and NodeNext resolution against this package's types and the
  // real clients, from memory (beside this file, so that `redis` and `ioredis` resolve). They
  // run against a real server in spec/redis/readmeExamples.spec.ts.
  function diagnosticsOfModule(code: string, name: string): string[] {
    const file = join(__dirname, name);
    const source = code
      .replace("from 'rxjs-pool'", "from '../src/index.js'")
      .replace("from 'rxjs-pool/redis'", "from '../src/redis/index.js'");
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ['node'],
      skipLibCheck: true,
    };
    const host = ts.createCompilerHost(options);
    const readFromDisk = host.getSourceFile.bind(host);
    host.getSourceFile = (path, languageVersion, ...rest) =>
      path === file
        ? ts.createSourceFile(path, source, languageVersion, true)
        : readFromDisk(path, languageVersion, ...rest);
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (path) => path === file || fileExists(path);
    const program = ts.createProgram([file], options, host);
    return ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }

  it('are a node-redis program and an ioredis program', () => {
    const examples = redisExamples();
    expect(examples.map((code) => /from '(redis|ioredis)'/.exec(code)?.[1])).toEqual([
      'redis',
      'ioredis',
    ]);
  });

  it.each([
    ['node-redis', 0],
    ['ioredis', 1],
  ])(
    'the %s program type-checks as an ES module under strict, as pasted',
    (kind, at) => {
      const code = redisExamples()[at]!;
      expect(diagnosticsOfModule(code, `readme-${kind}.example.mts`)).toEqual([]);
    },
    60_000,
  );
});
