import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, type Subscription } from 'rxjs';
import { CommandFailedError, runChild } from '../../src/cli/child';
import { waitUntil } from '../helpers/polling';

const node = process.execPath;
const never = new AbortController().signal;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A command that starts a grandchild, writes both pids to the file named by its argument, and then
 * waits for a minute: killing it must kill both.
 */
function parentOfSleeper(pidFile: string): { file: string; args: string[] } {
  const script = `
    const { spawn } = require('child_process');
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    require('fs').writeFileSync(process.argv[1], process.pid + ' ' + sleeper.pid);
    setTimeout(() => {}, 60000);`;
  return { file: node, args: ['-e', script, pidFile] };
}

describe('runChild', () => {
  it('emits the standard output of a command that exits with 0', async () => {
    const out = await lastValueFrom(
      runChild(
        { file: node, args: ['-e', 'process.stdout.write("hi " + process.argv[1])', 'x'] },
        never,
      ),
    );
    expect(out).toEqual({ exitCode: 0, stdout: 'hi x' });
  });

  it('fails with the exit code and the end of standard error', async () => {
    const error = await lastValueFrom(
      runChild(
        { file: node, args: ['-e', 'console.error("no such user"); process.exit(3)'] },
        never,
      ),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailedError);
    expect(error).toMatchObject({ exitCode: 3, message: 'exited with code 3: no such user' });
  });

  it('fails, without a crash, when the command cannot start', async () => {
    const error = await lastValueFrom(
      runChild({ file: 'rxjs-pool-no-such-command', args: [] }, never),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailedError);
    expect(error).toMatchObject({
      exitCode: null,
      message: expect.stringMatching(/^could not start: .*ENOENT/),
    });
  });

  it('kills the command and what it started when the signal aborts', async () => {
    const controller = new AbortController();
    const pids: number[] = [];
    const result = lastValueFrom(runChild(parentOfSleeper(pidFile()), controller.signal)).catch(
      (e: unknown) => e,
    );
    await waitUntil(() => readPids(pids));
    controller.abort();
    const error = await result;
    expect(error).toBeInstanceOf(CommandFailedError);
    expect((error as CommandFailedError).signal).toBe('SIGTERM');
    await waitUntil(() => pids.every((pid) => !isAlive(pid)));
  }, 20_000);

  it('kills the command and what it started when unsubscribed before it ended', async () => {
    const pids: number[] = [];
    let exited = false;
    const subscription: Subscription = runChild(parentOfSleeper(pidFile()), never).subscribe({
      error: () => (exited = true),
      complete: () => (exited = true),
    });
    await waitUntil(() => readPids(pids));
    subscription.unsubscribe();
    await waitUntil(() => pids.every((pid) => !isAlive(pid)));
    expect(exited).toBe(false); // unsubscribed: nobody hears of the end
  }, 20_000);
});

let dir: string | undefined;
let file: string | undefined;
function pidFile(): string {
  dir = mkdtempSync(join(tmpdir(), 'rxjs-pool-child-'));
  file = join(dir, 'pids');
  return file;
}
function readPids(into: number[]): boolean {
  try {
    const text = readFileSync(file!, 'utf8').trim();
    if (!/^\d+ \d+$/.test(text)) return false;
    into.splice(0, into.length, ...text.split(' ').map(Number));
    return true;
  } catch {
    return false;
  }
}
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});
