/**
 * The option table in `src/policies/options.ts` is the one list of options: the README's option
 * table follows it, row for row and default for default.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { optionTable } from '../../src/policies/options.js';

function readmeOptionRows(): Array<[string, string]> {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Options'));
  const rows: Array<[string, string]> = [];
  for (const line of section.split('\n')) {
    const match = /^\| `(\w+)`\s*\| (.+?)\s*\|/.exec(line);
    if (match !== null) rows.push([match[1]!, match[2]!]);
    else if (rows.length > 0 && !line.startsWith('|')) break;
  }
  return rows;
}

describe('the option table', () => {
  it("is the README's option table: the same options, in the same order, with the same defaults", () => {
    expect(readmeOptionRows()).toEqual(
      Object.entries(optionTable).map(([name, row]) => [name, row.default]),
    );
  });
});
