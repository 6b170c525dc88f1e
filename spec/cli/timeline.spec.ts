import { renderTimeline, type Span } from '../../src/cli/timeline';

const ms = (step: number): string => `${step * 500}ms`;

describe('renderTimeline', () => {
  it('draws the example of its documentation', () => {
    expect(
      renderTimeline({
        lanes: 2,
        spans: [
          { lane: 0, label: '0', start: 0, end: 1, outcome: 'succeeded' },
          { lane: 1, label: '1', start: 0, end: 1, outcome: 'failed' },
          { lane: 0, label: '2', start: 1, end: 1, outcome: 'aborted' },
        ],
        queue: [1, 0],
        haltStep: 1,
        stepLabel: ms,
      }),
    ).toEqual([
      'time      0ms   500ms',
      'worker 1  0-----2x',
      'worker 2  1-----#',
      'halt            |',
      'queue     1     0',
    ]);
  });

  it('draws the seed run: three lanes, the failure of 11, 12 and 13 aborted, the halt at 2000 ms', () => {
    const spans: Span[] = [];
    for (let step = 0; step < 4; step++) {
      for (let lane = 0; lane < 3; lane++) {
        const request = step * 3 + lane;
        spans.push({
          lane,
          label: String(request),
          start: step,
          end: step + 1,
          outcome: request === 11 ? 'failed' : 'succeeded',
        });
      }
    }
    spans.push({ lane: 0, label: '12', start: 4, end: 4, outcome: 'aborted' });
    spans.push({ lane: 1, label: '13', start: 4, end: 4, outcome: 'aborted' });
    expect(
      renderTimeline({ lanes: 3, spans, queue: [19, 19, 19, 18, 16], haltStep: 4, stepLabel: ms }),
    ).toEqual([
      'time      0ms    500ms  1000ms 1500ms 2000ms',
      'worker 1  0------3------6------9------12x',
      'worker 2  1------4------7------10-----13x',
      'worker 3  2------5------8------11-----#',
      'halt                                  |',
      'queue     19     19     19     18     16',
    ]);
  });

  it('fills every step of a long run with -', () => {
    const lines = renderTimeline({
      lanes: 1,
      spans: [{ lane: 0, label: 'a', start: 0, end: 3, outcome: 'succeeded' }],
      queue: [],
      stepLabel: String,
    });
    expect(lines[1]).toBe('worker 1  a--------'); // 3 steps of 3 characters
  });

  it('draws no halt row for a run that did not halt', () => {
    const lines = renderTimeline({
      lanes: 1,
      spans: [{ lane: 0, label: 'a', start: 0, end: 1, outcome: 'succeeded' }],
      queue: [0],
      stepLabel: String,
    });
    expect(lines.map((line) => line.split(' ')[0])).toEqual(['time', 'worker', 'queue']);
  });

  it('leaves an idle lane empty and a step without a queue sample blank', () => {
    const lines = renderTimeline({
      lanes: 2,
      spans: [{ lane: 0, label: 'a', start: 1, end: 2, outcome: 'succeeded' }],
      queue: [undefined, 3],
      stepLabel: String,
    });
    expect(lines).toEqual(['time      0  1  2', 'worker 1     a--', 'worker 2', 'queue        3']);
  });

  it('widens the columns for long labels', () => {
    const lines = renderTimeline({
      lanes: 1,
      spans: [
        { lane: 0, label: 'alpha', start: 0, end: 1, outcome: 'succeeded' },
        { lane: 0, label: 'b', start: 1, end: 2, outcome: 'succeeded' },
      ],
      queue: [],
      stepLabel: String,
    });
    expect(lines[1]).toBe('worker 1  alpha--b------');
  });
});
