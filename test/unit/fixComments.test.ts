/**
 * Fixes keep comments: applying any rule's fix must leave every comment of the file in place
 * (a reason, a licence note, a suppression). Checked on the weights_only fix in the layouts that
 * used to lose one, and on every fix of every fixture, corpus and example file.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TextEdit } from '../../server/src/engine/rule';
import { analyzer } from '../support/engine';
import { CORPUS, FIXTURES, REPO_ROOT, filesUnder } from '../support/paths';

function applyEdits(text: string, edits: readonly TextEdit[]): string {
  return [...edits].sort((a, b) => b.start - a.start).reduce((t, e) => t.slice(0, e.start) + e.newText + t.slice(e.end), text);
}

/** Comment texts of a file, from the parse tree (strings holding `#` are not comments). */
async function commentsOf(text: string): Promise<string[]> {
  const engine = await analyzer();
  const tree = engine.parser.parse(text);
  try {
    return tree.rootNode.descendantsOfType('comment').map((n) => n!.text.trimEnd());
  } finally {
    tree.delete();
  }
}

describe('fixes keep comments', () => {
  it('adds weights_only=True without losing a comment, in every call layout', async () => {
    const engine = await analyzer();
    const calls = [
      'm = torch.load(path,  # the checkpoint we trained\n)\n',
      'm = torch.load(\n    path  # the checkpoint we trained\n)\n',
      'm = torch.load(\n    path,  # the checkpoint we trained\n)\n',
      'm = torch.load(\n    path,\n    # the checkpoint we trained\n)\n',
      'm = torch.load(path  # the checkpoint we trained\n)\n',
      'm = torch.load(  # the checkpoint we trained\n)\n',
    ];
    for (const call of calls) {
      const text = `import torch\n${call}`;
      const finding = engine.analyzePython(text).findings.find((f) => f.code === 'MLS102');
      assert.ok(finding, call);
      assert.equal(finding.fixes.length, 1, `the fix is offered for\n${call}`);
      const fixed = applyEdits(text, finding.fixes[0].edits);
      assert.ok(fixed.includes('# the checkpoint we trained'), fixed);
      assert.ok(fixed.includes('weights_only=True'), fixed);
      const tree = engine.parser.parse(fixed);
      assert.equal(tree.rootNode.hasError, false, fixed);
      tree.delete();
      assert.deepEqual(
        engine.analyzePython(fixed).findings.filter((f) => f.code === 'MLS102'),
        [],
        fixed,
      );
    }
  });

  it('offers no fix that would replace a comment', async () => {
    const engine = await analyzer();
    const text = 'import torch\nm = torch.load(path, weights_only=(False  # legacy pickles\n))\n';
    const findings = engine.analyzePython(text).findings.filter((f) => f.code === 'MLS102');
    assert.equal(findings.length, 1);
    for (const fix of findings[0].fixes) assert.ok(applyEdits(text, fix.edits).includes('# legacy pickles'), fix.title);
  });

  it('keeps every comment when any fix is applied to the fixtures, corpus and examples', async () => {
    const engine = await analyzer();
    const files = [
      ...filesUnder(FIXTURES, ['.py']),
      ...filesUnder(CORPUS, ['.py']),
      ...filesUnder(path.join(REPO_ROOT, 'examples'), ['.py']),
    ];
    let applied = 0;
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      const before = await commentsOf(text);
      for (const finding of engine.analyzePython(text).findings) {
        for (const fix of finding.fixes) {
          const fixed = applyEdits(text, fix.edits);
          const after = await commentsOf(fixed);
          // The suppression-removal fix (MLS001) removes its own comment and nothing else.
          const removed = finding.code === 'MLS001' ? [text.slice(finding.span.start, finding.span.end)] : [];
          const expected = before.filter((c) => !removed.some((r) => c.endsWith(r)));
          for (const comment of expected)
            assert.ok(
              after.includes(comment),
              `${path.basename(file)}: "${fix.title}" for ${finding.code} at line ${finding.range.start.line + 1} lost ${comment}`,
            );
          applied++;
        }
      }
    }
    assert.ok(applied >= 50, `only ${applied} fixes applied`);
  });
});
