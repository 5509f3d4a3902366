/**
 * Development aid: `npm run fixtures -- MLS102 MLS201` analyses the matching fixtures and prints
 * missing and unexpected findings, without a full build (see scripts/fixtures.mjs).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzer } from './engine';
import { compareWithExpectations } from './expectations';
import { FIXTURES } from './paths';

export async function main(filters: string[]): Promise<number> {
  const engine = await analyzer();
  const files = fs
    .readdirSync(FIXTURES)
    .filter((f) => (f.endsWith('.py') || f.endsWith('.ipynb')) && (filters.length === 0 || filters.some((x) => f.startsWith(x))))
    .sort();
  let failed = 0;
  for (const name of files) {
    const result = compareWithExpectations(engine, path.join(FIXTURES, name));
    const ok = result.falsePositives.length === 0 && result.falseNegatives.length === 0;
    if (!ok) failed++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${result.truePositives.length} expected findings`);
    for (const fp of result.falsePositives) {
      const [, line, code] = fp.split(':');
      const f = result.findings.find((x) => x.code === code && x.range.start.line + 1 === Number(line));
      console.log(`     unexpected ${fp}  ${f?.message ?? ''}`);
    }
    for (const fn of result.falseNegatives) console.log(`     missing    ${fn}`);
  }
  return failed === 0 ? 0 : 1;
}
