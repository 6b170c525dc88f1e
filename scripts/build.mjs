#!/usr/bin/env node
// Builds src/ into the three trees the package ships, then checks what it built.
//
//   dist/esm    ES modules      (+ dist/esm/package.json {"type":"module"})
//   dist/cjs    CommonJS        (+ dist/cjs/package.json {"type":"commonjs"})
//   dist/types  declarations
//
// Checks, each of which fails the build:
//   - every relative import in dist/esm and dist/cjs names a file that exists (Node's ESM loader
//     needs the `.js` extension that the sources must write);
//   - the library entry (dist/esm/index.js and dist/cjs/index.js) and everything they import load
//     no Node built-in (`node:*`, `fs`, ...) and no package other than a declared (peer) dependency:
//     the library must run in browsers; Node-only code (the CLI) lives behind its own entry;
//   - every path that package.json points at (main, module, types, exports, bin) exists, and each
//     `bin` starts with a `#!/usr/bin/env node` line and is executable.
//
// Usage: node scripts/build.mjs   (npm run build)

import { spawn } from 'node:child_process';
import { chmod, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const ts = require('typescript');
const tscBin = require.resolve('typescript/bin/tsc');

/** The three compilations; they are independent, so they run side by side. */
const targets = [
  { config: 'tsconfig.build.esm.json', out: 'dist/esm', type: 'module' },
  { config: 'tsconfig.build.cjs.json', out: 'dist/cjs', type: 'commonjs' },
  { config: 'tsconfig.build.types.json', out: 'dist/types' },
];

const SHEBANG = '#!/usr/bin/env node';

function tsc(config) {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [tscBin, '-p', config], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolvePromise({ config, code, output }));
  });
}

async function listFiles(dir) {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

async function exists(path) {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The module specifiers a JS file loads: static and dynamic imports, re-exports, require(). */
function specifiersOf(code) {
  const info = ts.preProcessFile(code, true, true);
  return info.importedFiles.map((file) => file.fileName);
}

function isBuiltin(specifier) {
  return specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]);
}

function packageNameOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const isRelative = (specifier) => specifier.startsWith('./') || specifier.startsWith('../');

/**
 * The file a relative specifier loads, or undefined. ES modules name the file exactly; CommonJS's
 * require() also tries `.js` and `/index.js`.
 */
async function resolveRelative(fromFile, specifier) {
  const path = resolve(dirname(fromFile), specifier);
  const candidates = fromFile.includes(`${join('dist', 'cjs')}`)
    ? [path, `${path}.js`, join(path, 'index.js')]
    : [path];
  for (const candidate of candidates) {
    if ((await stat(candidate).catch(() => undefined))?.isFile()) return candidate;
  }
  return undefined;
}

/** Every relative import of every emitted JS file must name an existing file. */
async function checkRelativeImports(dir, problems) {
  for (const file of (await listFiles(dir)).filter((f) => f.endsWith('.js'))) {
    for (const specifier of specifiersOf(await readFile(file, 'utf8'))) {
      if (isRelative(specifier) && !(await resolveRelative(file, specifier))) {
        problems.push(
          `${relative(root, file)} imports '${specifier}', which does not exist ` +
            `(relative imports in src/ need the '.js' extension)`,
        );
      }
    }
  }
}

/**
 * Walks the import graph from a library entry: nothing in it may load a Node built-in, or a package
 * that is not a declared (peer) dependency.
 */
async function checkLibraryGraph(entry, allowedPackages, problems) {
  const seen = new Set();
  const start = resolve(root, entry);
  if (!(await exists(start))) return 0; // reported by checkPackageJsonTargets
  const pending = [{ file: start, from: [] }];
  while (pending.length > 0) {
    const { file, from } = pending.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const chain = [...from, relative(root, file)];
    for (const specifier of specifiersOf(await readFile(file, 'utf8'))) {
      if (isRelative(specifier)) {
        const target = await resolveRelative(file, specifier);
        if (target) pending.push({ file: target, from: chain }); // else: checkRelativeImports says
      } else if (isBuiltin(specifier)) {
        problems.push(
          `the library entry loads the Node built-in '${specifier}': ${chain.join(' -> ')}`,
        );
      } else if (!allowedPackages.has(packageNameOf(specifier))) {
        problems.push(
          `the library entry loads '${specifier}', which is not a dependency or ` +
            `peerDependency: ${chain.join(' -> ')}`,
        );
      }
    }
  }
  return seen.size;
}

/** Every string leaf of an `exports` value (conditions nest). */
function exportTargets(value) {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(exportTargets);
}

async function checkPackageJsonTargets(pkg, problems) {
  const targetsOf = [
    ...['main', 'module', 'types'].map((key) => [key, pkg[key]]),
    ...exportTargets(pkg.exports ?? {}).map((target) => ['exports', target]),
  ].filter(([, target]) => typeof target === 'string' && !target.includes('*'));
  for (const [key, target] of targetsOf) {
    if (!(await exists(resolve(root, target)))) {
      problems.push(`package.json ${key} points at ${target}, which the build did not produce`);
    }
  }
  const bins = typeof pkg.bin === 'string' ? { [pkg.name]: pkg.bin } : (pkg.bin ?? {});
  for (const [name, target] of Object.entries(bins)) {
    const file = resolve(root, target);
    if (!(await exists(file))) {
      problems.push(
        `package.json bin '${name}' points at ${target}, which the build did not produce`,
      );
      continue;
    }
    const firstLine = (await readFile(file, 'utf8')).split('\n', 1)[0];
    if (firstLine !== SHEBANG) {
      problems.push(`bin '${name}' (${target}) must start with '${SHEBANG}', got '${firstLine}'`);
    }
    await chmod(file, 0o755);
  }
}

async function main() {
  const started = Date.now();
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));

  await rm(join(root, 'dist'), { recursive: true, force: true });
  const results = await Promise.all(targets.map((target) => tsc(target.config)));
  const failed = results.filter((result) => result.code !== 0);
  for (const result of failed) {
    process.stderr.write(`tsc -p ${result.config} failed:\n${result.output}\n`);
  }
  if (failed.length > 0) process.exit(1);

  for (const target of targets.filter((t) => t.type)) {
    await mkdir(join(root, target.out), { recursive: true });
    await writeFile(
      join(root, target.out, 'package.json'),
      JSON.stringify({ type: target.type }, null, 2) + '\n',
    );
  }

  const problems = [];
  const allowed = new Set([
    ...Object.keys(pkg.peerDependencies ?? {}),
    ...Object.keys(pkg.dependencies ?? {}),
  ]);
  await checkRelativeImports(join(root, 'dist/esm'), problems);
  await checkRelativeImports(join(root, 'dist/cjs'), problems);
  const esmModules = await checkLibraryGraph('dist/esm/index.js', allowed, problems);
  await checkLibraryGraph('dist/cjs/index.js', allowed, problems);
  await checkPackageJsonTargets(pkg, problems);

  if (problems.length > 0) {
    process.stderr.write(`build checks failed:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `built dist/esm, dist/cjs, dist/types in ${seconds}s; ` +
      `library entry: ${esmModules} modules, no Node built-ins`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
