import { resultLine } from '../../src/cli/resultLine';

describe('resultLine', () => {
  it('writes a success as one JSON line with item, index, exitCode, stdout and ms', () => {
    expect(resultLine({ item: 'a', index: 0, exitCode: 0, stdout: 'A\n', ms: 12 })).toBe(
      '{"item":"a","index":0,"exitCode":0,"stdout":"A\\n","ms":12}',
    );
  });

  it('writes a failure with error instead of stdout', () => {
    expect(resultLine({ item: 'b', index: 3, exitCode: null, error: 'killed', ms: 5 })).toBe(
      '{"item":"b","index":3,"exitCode":null,"error":"killed","ms":5}',
    );
  });

  it('never spans more than one line', () => {
    const line = resultLine({ item: 'x\ny', index: 0, exitCode: 0, stdout: 'a\nb\n', ms: 0 });
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toMatchObject({ item: 'x\ny', stdout: 'a\nb\n' });
  });
});
