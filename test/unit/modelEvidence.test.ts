/** Model-file scan results as checklist evidence (model versioning, model tampering). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ModelFilesSummary } from '../../common/src/modelFiles';
import { gatherChecklistEvidence } from '../../server/src/checklist/evidence';
import type { FindingSummary, ThreatId } from '../../common/src/protocol';

function finding(file: string, line: number, code: string, severity: FindingSummary['severity'], threats: ThreatId[]): FindingSummary {
  return {
    uri: pathToFileURL(file).href,
    range: { start: { line, character: 0 }, end: { line, character: 0 } },
    code,
    name: code.toLowerCase(),
    severity,
    message: code,
    threats,
  };
}

describe('checklist evidence from model files', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-model-evidence-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const versioning = (models: ModelFilesSummary | undefined, findings = [] as ReturnType<typeof finding>[]) => {
    const result = gatherChecklistEvidence({
      folders: [dir],
      sourceFiles: [],
      findings,
      scannedAt: '2026-01-01T00:00:00Z',
      ...(models ? { models } : {}),
    });
    return { item: result.items.find((i) => i.id === 'model-versioning'), result };
  };

  it('says how many model files were scanned and how many run code on load, as a hint', () => {
    const evil = finding(path.join(dir, 'm.pt'), 0, 'MLS601', 'error', ['model-tampering']);
    const { item, result } = versioning({ scanned: 12, codeOnLoad: 1, notInspected: 0 }, [evil]);
    const signal = item?.signals.find((s) => s.detail.startsWith('12 model files'));
    assert.equal(signal?.detail, '12 model files scanned: 1 runs code on load');
    assert.equal(signal?.weak, true);
    assert.equal(item?.status, 'at-risk');
    assert.equal(result.threats.find((t) => t.id === 'model-tampering')?.findings[0].code, 'MLS601');
  });

  it('counts a complete, unchanged lock as evidence and a broken one only as a hint', () => {
    const lock = {
      file: 'mlsec.lock',
      uri: pathToFileURL(path.join(dir, 'mlsec.lock')).href,
      locked: 3,
      changed: 0,
      missing: 0,
      unlocked: 0,
    };
    let { item } = versioning({ scanned: 3, codeOnLoad: 0, notInspected: 0, lock });
    assert.ok(item?.signals.some((s) => s.detail === '3 model files scanned, none runs code on load' && s.weak));
    assert.ok(item?.signals.some((s) => s.detail === 'all 3 model files locked and unchanged' && !s.weak));
    assert.equal(item?.status, 'evidence');
    ({ item } = versioning({ scanned: 3, codeOnLoad: 0, notInspected: 1, lock: { ...lock, changed: 1, unlocked: 2 } }));
    assert.ok(item?.signals.some((s) => s.detail === 'model lock: 1 changed, 2 not locked' && s.weak));
    assert.ok(item?.signals.some((s) => s.detail === '3 model files scanned: 1 not fully inspected'));
  });

  it('adds nothing when no model file was scanned and there is no lock', () => {
    assert.equal(versioning({ scanned: 0, codeOnLoad: 0, notInspected: 0 }).item?.signals.length, 0);
    assert.equal(versioning(undefined).item?.signals.length, 0);
  });
});
