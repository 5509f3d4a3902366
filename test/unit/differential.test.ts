/**
 * The differential check's own machinery (test/support/differential.ts, run at scale by
 * `npm run differential`): it must see a difference when there is one, name it readably, and
 * find none on a file where the optimisations are sound.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Finding } from '../../server/src/engine/findings';
import { checkText, describeDifferences, knownEntry } from '../support/differential';
import { analyzer } from '../support/engine';
import { CORPUS } from '../support/paths';

const SOURCE = 'import torch\nimport pickle\nm = torch.load(p)\nd = pickle.loads(b)\n';

describe('differential check', () => {
  it('names missing, extra and changed findings and the fields that differ', async () => {
    const engine = await analyzer();
    const findings = engine.analyzePython(SOURCE).findings;
    assert.ok(findings.length >= 2, 'the source has findings to compare');
    const [first, second] = findings;
    assert.deepEqual(describeDifferences(findings, findings), { lines: [], fields: [] });

    const changed: Finding[] = [{ ...first, fingerprint: 'other' }, second];
    const one = describeDifferences(findings, changed);
    assert.deepEqual(one.fields, ['fingerprint']);
    assert.match(one.lines[0], new RegExp(`^changed 3:5 ${first.code} fingerprint: "${first.fingerprint}" \\(reference\\) vs "other"$`));

    const missing = describeDifferences(findings, [second]);
    assert.deepEqual(missing.fields, ['findings']);
    assert.match(missing.lines[0], new RegExp(`^missing 3:5 ${first.code}: `));
    assert.match(describeDifferences([second], findings).lines[0], new RegExp(`^extra 3:5 ${first.code}: `));
    assert.deepEqual(describeDifferences(findings, [second, first]).lines, ['the same findings in another order']);
  });

  it('treats only the listed fields of the listed files as known', () => {
    const list = [{ file: '/test/test_compile.py', variants: ['cli' as const], fields: ['fingerprint'], why: 'an example' }];
    const known = { file: '/usr/lib/python3.11/test/test_compile.py', variant: 'cli' as const, lines: ['…'], fields: ['fingerprint'] };
    assert.ok(knownEntry(known, list));
    assert.equal(knownEntry({ ...known, fields: ['fingerprint', 'findings'] }, list), undefined, 'a missing finding is never known');
    assert.equal(knownEntry({ ...known, variant: 'editor-edit' }, list), undefined);
    assert.equal(knownEntry({ ...known, file: '/src/test_compile_other.py' }, list), undefined);
    assert.equal(knownEntry(known), undefined, 'the fingerprints of test_compile.py are equal across surfaces now');
  });

  it('finds no difference on the corpus, editor edits included', async () => {
    const engine = await analyzer();
    const files = fs.readdirSync(CORPUS).filter((f) => f.endsWith('.py'));
    assert.ok(files.length >= 3, `only ${files.length} corpus files`);
    let findings = 0;
    let edits = 0;
    for (const name of files) {
      const file = path.join(CORPUS, name);
      const check = checkText(engine, file, fs.readFileSync(file, 'utf8'), { edits: true, seed: 1 });
      assert.deepEqual(check.differences, [], name);
      findings += check.findings;
      edits += check.edits;
    }
    assert.ok(findings > 20 && edits >= files.length * 4, `only ${findings} findings and ${edits} edits compared`);
  });
});
