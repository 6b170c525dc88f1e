/**
 * The controls every CLI run over a command pool shares: interrupts (a graceful stop, then an
 * abort), a reader of the results that goes away, and letting go of the listeners.
 */
import { InterruptedError, runControls, type RunControls } from '../../src/cli/runControls.js';
import type { ProgressDisplay } from '../../src/cli/progressBar.js';

/** A display that only counts what is written around it. */
function countingDisplay(): ProgressDisplay & { arounds: number } {
  const display = {
    enabled: false,
    arounds: 0,
    update: () => undefined,
    setTotal: () => undefined,
    around: (write: () => void) => {
      display.arounds++;
      write();
    },
    stop: () => undefined,
  };
  return display;
}

/** The controls made by the test now: afterEach lets go of them even when an assertion failed. */
let made: RunControls | undefined;

function setUp(intercept?: (signal: NodeJS.Signals) => boolean) {
  const results: string[] = [];
  const messages: string[] = [];
  const outputListeners = new Set<(error: unknown) => void>();
  const display = countingDisplay();
  const controls = runControls(
    {
      writeResult: (line) => results.push(line),
      onOutputGone: (listener) => {
        outputListeners.add(listener);
        return () => outputListeners.delete(listener);
      },
    },
    display,
    (line) => messages.push(line),
    { stopping: 'stopping; running commands may finish', intercept },
  );
  made = controls;
  const stops: number[] = [];
  controls.stop.subscribe(() => stops.push(stops.length));
  const outputGoes = (error: unknown) => {
    for (const listener of outputListeners) listener(error);
  };
  return { controls, results, messages, display, stops, outputListeners, outputGoes };
}

describe('runControls', () => {
  const listening = () =>
    ['SIGINT', 'SIGTERM', 'SIGHUP'].map((signal) => process.listenerCount(signal));
  let before: number[];
  beforeEach(() => (before = listening()));
  afterEach(() => {
    made?.dispose();
    made = undefined;
    expect(listening()).toEqual(before);
  });

  it('the first interrupt stops the pool gracefully and says so; a later one aborts it with an InterruptedError', () => {
    const { controls, messages, stops } = setUp();
    process.emit('SIGINT', 'SIGINT');
    expect(stops).toHaveLength(1);
    expect(controls.signal.aborted).toBe(false);
    expect(controls.interrupted).toBe('SIGINT');
    process.emit('SIGTERM', 'SIGTERM');
    expect(stops).toHaveLength(1);
    expect(controls.signal.aborted).toBe(true);
    expect(controls.signal.reason).toBeInstanceOf(InterruptedError);
    expect((controls.signal.reason as InterruptedError).signal).toBe('SIGTERM');
    expect((controls.signal.reason as Error).message).toBe('interrupted by SIGTERM');
    expect(controls.interrupted).toBe('SIGINT');
    expect(messages).toEqual([
      'rxjs-pool: SIGINT: stopping; running commands may finish (again to kill them)',
      'rxjs-pool: SIGTERM: killing running commands',
    ]);
  });

  it('a hangup (SIGHUP: the terminal went away) stops the pool gracefully, as the first Ctrl-C does', () => {
    const { controls, messages, stops } = setUp();
    process.emit('SIGHUP', 'SIGHUP');
    expect(stops).toHaveLength(1);
    expect(controls.signal.aborted).toBe(false);
    expect(controls.interrupted).toBe('SIGHUP');
    expect(messages).toEqual([
      'rxjs-pool: SIGHUP: stopping; running commands may finish (SIGINT or SIGTERM to kill them)',
    ]);
  });

  it('a SIGHUP after the first interrupt is an echo of it (a closing terminal sends two): it neither aborts nor says anything, and a Ctrl-C after it still aborts', () => {
    const { controls, messages, stops } = setUp();
    process.emit('SIGHUP', 'SIGHUP');
    process.emit('SIGHUP', 'SIGHUP');
    expect(stops).toHaveLength(1);
    expect(controls.signal.aborted).toBe(false);
    process.emit('SIGINT', 'SIGINT');
    expect(controls.signal.aborted).toBe(true);
    expect(messages).toEqual([
      'rxjs-pool: SIGHUP: stopping; running commands may finish (SIGINT or SIGTERM to kill them)',
      'rxjs-pool: SIGINT: killing running commands',
    ]);
  });

  it('an interrupt that intercept deals with neither stops nor aborts the pool, but is remembered', () => {
    const { controls, messages, stops } = setUp(() => true);
    process.emit('SIGINT', 'SIGINT');
    process.emit('SIGINT', 'SIGINT');
    expect(stops).toEqual([]);
    expect(controls.signal.aborted).toBe(false);
    expect(controls.interrupted).toBe('SIGINT');
    expect(messages).toEqual([]);
  });

  it('intercept is asked on every interrupt: the first may stop the pool and a later one be dealt with elsewhere (the --leftover copy)', () => {
    let pastThePool = false;
    const { controls, messages, stops } = setUp(() => pastThePool);
    process.emit('SIGINT', 'SIGINT');
    pastThePool = true;
    process.emit('SIGINT', 'SIGINT');
    expect(stops).toHaveLength(1);
    expect(controls.signal.aborted).toBe(false);
    expect(messages).toEqual([
      'rxjs-pool: SIGINT: stopping; running commands may finish (again to kill them)',
    ]);
  });

  it('writes results around the display until their reader goes away; then it aborts the pool with that error and writes none', () => {
    const { controls, results, display, outputGoes } = setUp();
    controls.writeResult('one');
    const gone = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    outputGoes(gone);
    controls.writeResult('two');
    expect(results).toEqual(['one']);
    expect(display.arounds).toBe(1);
    expect(controls.signal.reason).toBe(gone);
  });

  it('dispose lets go of every listener: a later interrupt or a reader that goes away reaches it no more', () => {
    const { controls, stops, outputListeners } = setUp();
    expect(listening()).toEqual(before.map((count) => count + 1));
    expect(outputListeners.size).toBe(1);
    controls.dispose();
    expect(listening()).toEqual(before);
    expect(outputListeners.size).toBe(0);
    expect(stops).toEqual([]);
    expect(controls.signal.aborted).toBe(false);
  });
});
