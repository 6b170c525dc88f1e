import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The package whose version `rxjs-pool --version` prints. */
const PACKAGE_NAME = 'rxjs-pool';

/**
 * The version of the installed rxjs-pool package that holds a script: the `version` of the nearest
 * `package.json` named `rxjs-pool` in the script's directory or above it. Symbolic links are
 * followed first (`node_modules/.bin/rxjs-pool` links to the built `main.js`). It reads the file
 * rather than importing it, so the same code serves the ES module and the CommonJS build.
 *
 * @param script - a file inside the package, by default the running script.
 * @returns the version, or `'unknown'` when no such `package.json` is found.
 *
 * @example
 * ```ts
 * packageVersion(); // '0.1.0' when run as node_modules/.bin/rxjs-pool
 * ```
 */
export function packageVersion(script: string | undefined = process.argv[1]): string {
  if (script === undefined) return 'unknown';
  let dir: string;
  try {
    dir = dirname(realpathSync(script));
  } catch {
    return 'unknown';
  }
  for (;;) {
    const manifest = readManifest(join(dir, 'package.json'));
    if (manifest?.name === PACKAGE_NAME && typeof manifest.version === 'string') {
      return manifest.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

function readManifest(path: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; version?: unknown };
  } catch {
    return undefined;
  }
}
