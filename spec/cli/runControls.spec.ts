/**
 * The controls every CLI run over a command pool shares: interrupts (a graceful stop, then an
 * abort), a reader of the results that goes away, and letting go of the signal listeners.
 */
import { InterruptedError, runControls, type ControlledIO } from '../../src/cli/runControls.js';
import type { ProgressDisplay } from '../../src/cli/progressBar.js';

/** A display that only records what is written around it. */
function recordingDisplay(): ProgressDisplay & { arounds: number } {
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

function setUp(intercept?: (signal: NodeJS.Signals) => boolean) {
  const results: string[] = [];
  const messages: string[] = [];
  let outputGone: ((error: unknown) => void) | undefined;
  const io: ControlledIO = {
    writeResult: (line) => results.push(line),
    onOutputGone: (listener) => (outputGone = listener),
  };
  const display = recordingDisplay();
  const controls = runControls(io, display, (line) => messages.push(line), {
    stopping: 'stopping; running commands may finish',
    intercept,
  });
  const stops: number[] = [];
  controls.stop.subscribe(() => stops.push(stops.length));
  return { controls, results, messages, display, stops, goneWith: (e: unknown) => outputGone!(e) };
}

describe('runControls', () => {
  const listening = () => [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
  let before: number[];
  beforeEach(() => (before = listening()));
  afterEach(() => expect(listening()).toEqual(before));

  it('the first interrupt stops the pool gracefully and says so; a later one aborts it with an InterruptedError', () => {
    const { controls, messages, stops } = setUp();
    process.emit('SIGINT', 'SIGINT');
    expect(stops).toHaveLength(1);
    expect(controls.signal.aborted).toBe(false);
    expect(controls.interrupted).toBe('SIGINT');
    process.emit('SIGTERM', 'SIGTERM');
    expect(stops).toHaveLength(1);
    expect(controls.signal.aborted).toBe(true);
    expect(controls.signal.reason).toEqual(new InterruptedError('SIGTERM'));
    expect(controls.interrupted).toBe('SIGINT');
    expect(messages).toEqual([
      'rxjs-pool: SIGINT: stopping; running commands may finish (again to kill them)',
      'rxjs-pool: SIGTERM again: killing running commands',
    ]);
    controls.dispose();
  });

  it('an interrupt that intercept deals with neither stops nor aborts the pool, but is remembered', () => {
    const { controls, messages, stops } = setUp(() => true);
    process.emit('SIGINT', 'SIGINT');
    process.emit('SIGINT', 'SIGINT');
    expect(stops).toEqual([]);
    expect(controls.signal.aborted).toBe(false);
    expect(controls.interrupted).toBe('SIGINT');
    expect(messages).toEqual([]);
    controls.dispose();
  });

  it('writes results around the display until their reader goes away; then it aborts the pool with that error and writes none', () => {
    const { controls, results, display, goneWith } = setUp();
    controls.writeResult('one');
    const gone = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    goneWith(gone);
    controls.writeResult('two');
    expect(results).toEqual(['one']);
    expect(display.arounds).toBe(1);
    expect(controls.signal.reason).toBe(gone);
    controls.dispose();
  });

  it('dispose stops listening: a later interrupt reaches it no more', () => {
    const { controls, stops } = setUp();
    controls.dispose();
    expect(listening()).toEqual(before);
    // Without a listener of ours the signal would end the process: only a listener of the spec
    // hears this one.
    const heard: string[] = [];
    const listener = () => heard.push('SIGINT');
    process.on('SIGINT', listener);
    process.emit('SIGINT', 'SIGINT');
    process.off('SIGINT', listener);
    expect(heard).toEqual(['SIGINT']);
    expect(stops).toEqual([]);
  });
});
