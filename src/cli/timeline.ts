/** How an item's run on a worker ended. */
export type SpanOutcome = 'succeeded' | 'failed' | 'aborted';

/** One item's run on one worker slot, in time steps. */
export interface Span {
  /** The worker slot, 0-based. */
  readonly lane: number;
  /** What to write at the start of the run: the item. */
  readonly label: string;
  /** The step in which the run started. */
  readonly start: number;
  /** The step in which it ended (equal to `start` when it ended in the step it started). */
  readonly end: number;
  readonly outcome: SpanOutcome;
}

/** Everything the timeline shows. */
export interface TimelineModel {
  /** How many worker slots (lanes) to draw. */
  readonly lanes: number;
  /** The runs, in any order. */
  readonly spans: readonly Span[];
  /** How many items waited in the queue at the end of each step (a missing step: not drawn). */
  readonly queue: readonly (number | undefined)[];
  /** The step in which the pool halted, if it did. */
  readonly haltStep?: number;
  /** What to write above each column, e.g. its time. */
  readonly stepLabel: (step: number) => string;
}

/** The marks of the timeline, as in a marble diagram. */
export const MARKS = {
  running: '-',
  failed: '#',
  aborted: 'x',
  halt: '|',
} as const;

const LANE_TITLE_WIDTH = 10;

/**
 * Draws a pool's run as text, in the spirit of a marble diagram: one lane per worker slot, one
 * column per time step. An item's label is written in the column where it started and `-` fills the
 * steps it ran; `#` marks a failure, `x` an item aborted in flight, and a `halt` row marks the
 * column where the pool halted with `|`. A `queue` row beneath gives how many items waited at the
 * end of each step.
 *
 * Pure: the same model always gives the same lines.
 *
 * @param model - the lanes, the runs, the queue depths and the halt.
 * @returns the lines, without trailing spaces.
 *
 * @example
 * ```ts
 * renderTimeline({
 *   lanes: 2,
 *   spans: [
 *     { lane: 0, label: '0', start: 0, end: 1, outcome: 'succeeded' },
 *     { lane: 1, label: '1', start: 0, end: 1, outcome: 'failed' },
 *     { lane: 0, label: '2', start: 1, end: 1, outcome: 'aborted' },
 *   ],
 *   queue: [1, 0],
 *   haltStep: 1,
 *   stepLabel: (step) => `${step * 500}ms`,
 * });
 * // [ 'time      0ms   500ms',
 * //   'worker 1  0-----2x',
 * //   'worker 2  1-----#',
 * //   'halt            |',
 * //   'queue     1     0' ]
 * ```
 */
export function renderTimeline(model: TimelineModel): string[] {
  const lastSpanStep = model.spans.reduce((last, span) => Math.max(last, span.end), 0);
  const steps = Math.max(lastSpanStep + 1, model.queue.length, (model.haltStep ?? -1) + 1);
  const width = columnWidth(model, steps);
  const column = (step: number): number => step * width;

  const header = Array.from({ length: steps }, (_, step) => model.stepLabel(step));
  const lines: string[] = [row('time', cells(header, width))];

  const lanes: string[][] = Array.from({ length: model.lanes }, () => []);
  const ordered = [...model.spans].sort((a, b) => a.start - b.start || a.end - b.end);
  for (const span of ordered) {
    const chars = lanes[span.lane];
    if (chars === undefined) continue;
    const from = column(span.start);
    write(chars, from, span.label);
    const labelEnd = from + span.label.length;
    const to = column(span.end);
    for (let at = labelEnd; at < to; at++) write(chars, at, MARKS.running);
    if (span.outcome === 'failed') write(chars, Math.max(to, labelEnd), MARKS.failed);
    if (span.outcome === 'aborted') write(chars, Math.max(to, labelEnd), MARKS.aborted);
  }
  lanes.forEach((chars, lane) => lines.push(row(`worker ${lane + 1}`, text(chars))));

  if (model.haltStep !== undefined) {
    const chars: string[] = [];
    write(chars, column(model.haltStep), MARKS.halt);
    lines.push(row('halt', text(chars)));
  }
  const depths = model.queue.map((depth) => (depth === undefined ? '' : String(depth)));
  lines.push(row('queue', cells(depths, width)));
  return lines;
}

/** Wide enough for every label and header, with one space to spare. */
function columnWidth(model: TimelineModel, steps: number): number {
  let width = 2;
  for (const span of model.spans) width = Math.max(width, span.label.length + 2);
  for (let step = 0; step < steps; step++) {
    width = Math.max(width, model.stepLabel(step).length + 1);
  }
  for (const depth of model.queue) width = Math.max(width, String(depth ?? '').length + 1);
  return width;
}

function write(chars: string[], at: number, value: string): void {
  for (let i = chars.length; i < at; i++) chars[i] = ' ';
  for (let i = 0; i < value.length; i++) chars[at + i] = value[i]!;
}

function text(chars: readonly string[]): string {
  return Array.from(chars, (char) => char ?? ' ').join('');
}

function cells(values: readonly string[], width: number): string {
  return values.map((value) => value.padEnd(width)).join('');
}

function row(title: string, body: string): string {
  return (title.padEnd(LANE_TITLE_WIDTH) + body).trimEnd();
}
