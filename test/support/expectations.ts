/**
 * Inline expectations in fixture files: a comment `# expect: MLS102` (several codes separated by
 * commas) on the line where a finding starts. `# ok` marks a deliberate negative (a look-alike
 * that must not be reported); lines with neither must not be reported either.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Finding } from '../../server/src/engine/findings';
import { readNotebookCells } from '../../server/src/engine/io/notebook';
import { sourceKindOf } from '../../server/src/engine/io/sourceFiles';
import { analyzeText } from '../../server/src/engine/pipeline/fileAnalysis';
import type { Analyzer } from '../../server/src/engine/pipeline/analyzer';

const EXPECT = /#.*?\bexpect:\s*([A-Z0-9, ]+)/;

export interface Expectation {
  cell?: number;
  line: number;
  code: string;
}

export function expectationsIn(text: string, cell?: number): Expectation[] {
  const found: Expectation[] = [];
  text.split('\n').forEach((line, index) => {
    const match = EXPECT.exec(line);
    if (!match) return;
    for (const code of match[1]
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean))
      found.push({ cell, line: index, code });
  });
  return found;
}

export function expectationsOfFile(file: string): Expectation[] {
  const text = fs.readFileSync(file, 'utf8');
  if (sourceKindOf(file) === 'notebook') return readNotebookCells(text).flatMap((cell) => expectationsIn(cell.text, cell.index));
  return expectationsIn(text);
}

const key = (e: { cell?: number; line: number; code: string }) => `${e.cell ?? '-'}:${e.line + 1}:${e.code}`;

export interface Comparison {
  file: string;
  truePositives: string[];
  falsePositives: string[];
  falseNegatives: string[];
  findings: Finding[];
}

/** Runs the analyzer on a fixture and compares unsuppressed findings with the expectations. */
export function compareWithExpectations(engine: Analyzer, file: string): Comparison {
  const text = fs.readFileSync(file, 'utf8');
  const { findings, problems } = analyzeText(engine, file, text, engine.defaultSelection);
  if (problems.length > 0) throw new Error(`${file}: ${problems.map((p) => p.message).join('; ')}`);
  const actual = findings.filter((f) => !f.suppression).map((f) => key({ cell: f.cell, line: f.range.start.line, code: f.code }));
  const expected = expectationsOfFile(file).map(key);
  const remaining = [...expected];
  const truePositives: string[] = [];
  const falsePositives: string[] = [];
  for (const item of actual) {
    const i = remaining.indexOf(item);
    if (i >= 0) {
      remaining.splice(i, 1);
      truePositives.push(item);
    } else falsePositives.push(item);
  }
  return { file: path.basename(file), truePositives, falsePositives, falseNegatives: remaining, findings };
}
