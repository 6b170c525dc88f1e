import { spawn, type ChildProcess } from 'node:child_process';
import { Observable } from 'rxjs';
import type { CommandLine } from './commandLine.js';

/** How much of a failed command's standard error is kept for its error message. */
const STDERR_TAIL = 2000;
/** How long a killed command has to end after SIGTERM before it gets SIGKILL. */
const KILL_GRACE_MS = 3000;

/** What a command that exited with code 0 produced. */
export interface ChildOutput {
  readonly exitCode: 0;
  readonly stdout: string;
}

/**
 * A command that did not succeed: it exited with another code, was killed by a signal, or could
 * not start. The end of its standard error is part of the message.
 *
 * @example
 * ```ts
 * const error = new CommandFailedError(3, null, 'no such user\n');
 * error.message; // 'exited with code 3: no such user'
 * ```
 */
export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';

  /**
   * @param exitCode - the exit code, or `null` when it was killed or could not start.
   * @param signal - the signal that killed it, if one did.
   * @param detail - the end of its standard error, or why it could not start.
   */
  constructor(
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    detail: string,
  ) {
    const what =
      exitCode !== null
        ? `exited with code ${exitCode}`
        : signal !== null
          ? `killed by ${signal}`
          : 'could not start';
    const tail = detail.trim();
    super(tail === '' ? what : `${what}: ${tail}`);
  }
}

/**
 * Kills a command and everything it started: it runs in its own process group (see
 * {@link runChild}), so the whole group gets SIGTERM, then SIGKILL if it is still there after a
 * grace period.
 *
 * @param child - the process to kill; nothing happens if it has already ended.
 *
 * @example
 * ```ts
 * const child = spawn('sh', ['-c', 'sleep 100 & sleep 100'], { detached: true });
 * killGroup(child); // both sleeps and the shell get SIGTERM
 * ```
 */
export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const pid = child.pid;
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      child.kill(signal); // the group is gone or was never made: at least the child
    }
  };
  signalGroup('SIGTERM');
  const escalate = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) signalGroup('SIGKILL');
  }, KILL_GRACE_MS);
  escalate.unref();
  child.once('exit', () => clearTimeout(escalate));
}

/**
 * Runs one command as an Observable: subscribing spawns it (no shell unless the command line is
 * `/bin/sh -c ...`), with the CLI's environment plus the command line's `env`, and it emits once
 * and completes when the command exits with code 0, or fails
 * with a {@link CommandFailedError}. Its standard input is closed; its standard output is collected.
 *
 * The command runs in a process group of its own, so that a Ctrl-C in the terminal reaches only
 * the CLI, which then decides (a graceful stop lets running commands finish). When `signal` aborts,
 * or the Observable is unsubscribed before the command ended (the pool abandoned it), the whole
 * group is killed.
 *
 * @param command - what to run.
 * @param signal - the work's signal: aborted when the pool abandons the item.
 * @returns an Observable of the command's output.
 *
 * @example
 * ```ts
 * runChild({ file: 'echo', args: ['hi'] }, new AbortController().signal).subscribe((out) =>
 *   console.log(out.stdout), // 'hi\n'
 * );
 * ```
 */
export function runChild(command: CommandLine, signal: AbortSignal): Observable<ChildOutput> {
  return new Observable<ChildOutput>((subscriber) => {
    let ended = false;
    let stdout = '';
    let stderr = '';
    const child = spawn(command.file, [...command.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...command.env },
      detached: true,
    });
    const kill = (): void => killGroup(child);
    signal.addEventListener('abort', kill, { once: true });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
    });
    child.once('error', (error) => {
      if (ended) return;
      ended = true;
      signal.removeEventListener('abort', kill);
      subscriber.error(new CommandFailedError(null, null, error.message));
    });
    child.once('close', (exitCode: number | null, killedBy: NodeJS.Signals | null) => {
      if (ended) return;
      ended = true;
      signal.removeEventListener('abort', kill);
      if (exitCode === 0) {
        subscriber.next({ exitCode: 0, stdout });
        subscriber.complete();
      } else {
        subscriber.error(new CommandFailedError(exitCode, killedBy, stderr));
      }
    });
    return () => {
      signal.removeEventListener('abort', kill);
      if (!ended) {
        ended = true;
        kill();
      }
    };
  });
}
