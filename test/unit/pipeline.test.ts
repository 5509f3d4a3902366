/**
 * One pipeline, one entry (ARCHITECTURE.md): the CLI, the workspace scan and the editor all
 * analyse through engine/pipeline/fileAnalysis.ts, and what they report must not depend on how
 * the text was parsed (partial parse, whole parse, re-parse of an edited tree).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EditSession } from '../../server/src/engine/pipeline/editSession';
import { analyzeSource } from '../../server/src/engine/pipeline/fileAnalysis';
import type { SourceAnalysis } from '../../server/src/engine/pipeline/fileAnalysis';
import { ScopePaths } from '../../server/src/engine/results/fingerprints';
import { SemanticModel } from '../../server/src/engine/semantic';
import { analyzer } from '../support/engine';
import { brokenOnlyWhenWhole } from '../support/brokenText';
import { CORPUS, FIXTURES, REPO_ROOT, filesUnder } from '../support/paths';

const fingerprints = (result: SourceAnalysis) => result.findings.map((f) => `${f.code} ${f.range.start.line} ${f.fingerprint}`);

describe('pipeline: one entry for every surface', () => {
  it('gives the CLI, the workspace scan and the editor the same fingerprints when only the whole parse has an error', async () => {
    const engine = await analyzer();
    const text = brokenOnlyWhenWhole();
    const file = path.join(REPO_ROOT, 'broken_only_when_whole.py');
    const selection = engine.defaultSelection;
    const cli = analyzeSource(engine, { file, text }, selection);
    const workspace = analyzeSource(engine, { file, text }, selection, { force: true });
    const session = new EditSession();
    try {
      const editor = analyzeSource(engine, { file, text, kind: 'python', session }, selection);
      // The case under test: partial parse clean, whole parse broken, and a tree path differing.
      assert.ok(cli.skippedUnits !== undefined && cli.skippedUnits > 0, 'the CLI parses partially');
      assert.equal(cli.syntaxErrors, 0);
      assert.ok(editor.syntaxErrors > 0, 'the editor parses the whole text, with its error');
      const whole = engine.parser.parse(text);
      try {
        const treePaths = new SemanticModel(whole, text);
        const textPaths = new ScopePaths(text);
        const at = cli.findings.map((f) => f.span.start);
        assert.ok(
          at.some((offset) => treePaths.scopePathAt(offset) !== textPaths.at(offset)),
          'the broken tree misplaces the methods',
        );
        assert.deepEqual(
          at.map((offset) => textPaths.at(offset)),
          ['Loader.load', 'Loader.again'],
        );
      } finally {
        whole.delete();
      }
      assert.equal(cli.findings.length, 2);
      assert.deepEqual(fingerprints(editor), fingerprints(cli));
      assert.deepEqual(fingerprints(workspace), fingerprints(cli));
      // After an edit, through the session's kept tree (and the reuse of the previous findings).
      const at = text.indexOf('value_3 =');
      const edited = text.slice(0, at) + 'renamed' + text.slice(at + 'value_3'.length);
      session.edit(text, at, at + 'value_3'.length, 'renamed');
      const again = analyzeSource(engine, { file, text: edited, kind: 'python', session }, selection);
      assert.deepEqual(fingerprints(again), fingerprints(analyzeSource(engine, { file, text: edited }, selection)));
      assert.deepEqual(fingerprints(again), fingerprints(cli));
    } finally {
      session.drop();
    }
  });

  it('keeps the whole text’s imports and findings when the workspace scan’s forced parse is partial', async () => {
    const engine = await analyzer();
    const files = [...filesUnder(FIXTURES, ['.py']), ...filesUnder(CORPUS, ['.py'])];
    assert.ok(files.length >= 20, `expected the fixtures and the corpus, found ${files.length} files`);
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      const forced = analyzeSource(engine, { file, text }, engine.defaultSelection, { force: true });
      const whole = engine.analyzePython(text, { force: true, prefilter: false });
      const name = path.relative(REPO_ROOT, file);
      assert.deepEqual(forced.imports, whole.imports, name);
      assert.deepEqual(
        forced.findings.map((f) => f.fingerprint),
        whole.findings.map((f) => f.fingerprint),
        name,
      );
    }
    // The fixtures are small, never worth a partial parse: this one is, and keeps its import.
    const text = brokenOnlyWhenWhole();
    const forced = analyzeSource(engine, { file: path.join(REPO_ROOT, 'x.py'), text }, engine.defaultSelection, { force: true });
    assert.ok((forced.skippedUnits ?? 0) > 0, 'a forced parse is partial when it can be');
    assert.deepEqual(forced.imports, ['pickle']);
  });
});
