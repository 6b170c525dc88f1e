#!/usr/bin/env node
/**
 * The `rxjs-pool` command: `rxjs-pool demo` runs the seed scenario, `rxjs-pool run -- <command>`
 * runs a command per input line. Node-only; built on the package's public API.
 *
 * @packageDocumentation
 */
import { runDemo } from './demo.js';
import { packageVersion } from './packageVersion.js';
import { parseCli } from './program.js';
import { runItems } from './run.js';

const writeLine =
  (stream: NodeJS.WriteStream) =>
  (line: string): void => {
    stream.write(`${line}\n`);
  };

// A reader that went away (`rxjs-pool run ... | head`) is not an error worth a stack trace:
// `run` aborts (and still writes --leftover); `demo` just has nobody to tell.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

parseCli(
  process.argv.slice(2),
  {
    demo: (options) => runDemo(options, writeLine(process.stdout)),
    run: (options, command) =>
      runItems(options, command, {
        stdin: process.stdin,
        writeResult: writeLine(process.stdout),
        writeMessage: writeLine(process.stderr),
        progressStream: process.stderr,
        onOutputGone: (listener) => process.stdout.on('error', listener),
      }),
    version: () => packageVersion(),
  },
  {
    writeOut: (text) => process.stdout.write(text),
    writeErr: (text) => process.stderr.write(text),
  },
).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `rxjs-pool: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
