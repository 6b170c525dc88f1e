#!/usr/bin/env node
/**
 * The `rxjs-pool` command: `rxjs-pool demo` runs the seed scenario, `rxjs-pool run -- <command>`
 * runs a command per input line (or per Redis stream entry with `--redis`); `enqueue`, `status`
 * and `dead` fill and look into a Redis stream. Node-only; built on the package's public API
 * (`rxjs-pool` and `rxjs-pool/redis`).
 *
 * @packageDocumentation
 */
import { listDead } from './dead.js';
import { runDemo } from './demo.js';
import { enqueueLines } from './enqueue.js';
import { packageVersion } from './packageVersion.js';
import { parseCli } from './program.js';
import { runRedisItems } from './redisRun.js';
import { runItems, type RunIO } from './run.js';
import { showStatus } from './status.js';

const writeLine =
  (stream: NodeJS.WriteStream) =>
  (line: string): void => {
    stream.write(`${line}\n`);
  };

// A hangup never kills the CLI half-way: `run` and `status --watch` stop on it (interrupts.ts),
// the other subcommands are short and finish. A closing terminal can deliver a second SIGHUP
// right after the first (a shell resending it, a wrapper forwarding it); this keeps that echo
// from killing a run that has just disposed of its own listeners.
process.on('SIGHUP', () => {});

/**
 * The output's reader went away: a closed pipe (`rxjs-pool run ... | head`: EPIPE) or a terminal
 * that has gone (the window closed, the SSH connection dropped: EIO).
 */
const isReaderGone = (error: NodeJS.ErrnoException): boolean =>
  error.code === 'EPIPE' || error.code === 'EIO';

// A reader that went away is not an error worth a stack trace: `run` aborts (and still writes
// --leftover); `demo` just has nobody to tell.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (!isReaderGone(error)) throw error;
});
// Messages and the progress bar without a reader are lost, and the run goes on: a terminal that
// closed also sent SIGHUP, which stops the run gracefully, and its results may go to a file.
process.stderr.on('error', (error: NodeJS.ErrnoException) => {
  if (!isReaderGone(error)) throw error;
});

const runIO: RunIO = {
  stdin: process.stdin,
  writeResult: writeLine(process.stdout),
  writeMessage: writeLine(process.stderr),
  progressStream: process.stderr,
  onOutputGone: (listener) => {
    process.stdout.on('error', listener);
    return () => process.stdout.off('error', listener);
  },
};

parseCli(
  process.argv.slice(2),
  {
    demo: (options) => runDemo(options, writeLine(process.stdout)),
    run: (options, command) => runItems(options, command, runIO),
    runRedis: (options, command) => runRedisItems(options, command, runIO),
    enqueue: (options) => enqueueLines(options, runIO),
    status: (options) =>
      showStatus(options, {
        write: (text) => process.stdout.write(text),
        isTTY: process.stdout.isTTY === true,
        onOutputGone: runIO.onOutputGone,
      }),
    dead: (options) => listDead(options, runIO),
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
