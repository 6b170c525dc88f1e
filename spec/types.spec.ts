/**
 * The public types as users meet them: work returning mixed kinds of ObservableInput infers the
 * union of results (as `mergeMap` does), and every optional option accepts `undefined` under
 * `exactOptionalPropertyTypes`.
 */
import { join } from 'node:path';
import ts from 'typescript';

function diagnosticsOf(file: string): string[] {
  const program = ts.createProgram([file], {
    strict: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipLibCheck: true,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('the public types', () => {
  it('infer the union of results for mixed kinds of ObservableInput, and accept undefined for every optional option under exactOptionalPropertyTypes', () => {
    expect(diagnosticsOf(join(__dirname, 'types', 'usage.ts'))).toEqual([]);
  }, 60_000);
});
