/**
 * SARIF output checked against the structure SARIF 2.1.0 requires (no schema file offline): the
 * log, run, tool, result, location, region, logical location, fingerprint and suppression rules
 * of the specification that a consumer such as GitHub code scanning relies on.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/paths';

type Json = Record<string, unknown>;

function checkRegion(region: Json, where: string): void {
  for (const key of ['startLine', 'startColumn', 'endLine', 'endColumn']) {
    if (region[key] !== undefined)
      assert.ok(Number.isInteger(region[key]) && (region[key] as number) >= 1, `${where}.${key} is a positive integer`);
  }
  assert.ok(Number.isInteger(region.startLine), `${where}.startLine is given`);
  if (region.endLine !== undefined) assert.ok((region.endLine as number) >= (region.startLine as number), `${where} ends after it starts`);
  if (region.endColumn !== undefined && region.endLine === region.startLine && region.startColumn !== undefined) {
    assert.ok((region.endColumn as number) >= (region.startColumn as number), `${where} columns are ordered`);
  }
}

function checkPhysical(location: Json, where: string): void {
  const physical = location.physicalLocation as Json;
  assert.ok(physical, `${where}.physicalLocation`);
  const artifact = physical.artifactLocation as Json;
  assert.equal(typeof artifact.uri, 'string', `${where} artifact uri`);
  assert.doesNotMatch(artifact.uri as string, /^\/|\\/, `${where} uri is relative with forward slashes`);
  if (physical.region) checkRegion(physical.region as Json, `${where}.region`);
}

function validateSarif(log: Json): void {
  assert.equal(log.version, '2.1.0');
  assert.equal(typeof log.$schema, 'string');
  const runs = log.runs as Json[];
  assert.ok(Array.isArray(runs) && runs.length === 1);
  const run = runs[0];
  const driver = (run.tool as Json).driver as Json;
  assert.equal(typeof driver.name, 'string');
  const rules = driver.rules as Json[];
  assert.equal(new Set(rules.map((r) => r.id)).size, rules.length, 'rule ids are unique');
  for (const rule of rules) assert.ok(['none', 'note', 'warning', 'error'].includes((rule.defaultConfiguration as Json).level as string));
  for (const [i, result] of (run.results as Json[]).entries()) {
    const where = `results[${i}]`;
    assert.equal(typeof (result.message as Json).text, 'string', `${where}.message.text`);
    assert.ok(['none', 'note', 'warning', 'error'].includes(result.level as string), `${where}.level`);
    assert.equal(rules[result.ruleIndex as number]?.id, result.ruleId, `${where}.ruleIndex names its rule`);
    for (const [k, location] of (result.locations as Json[]).entries()) {
      checkPhysical(location, `${where}.locations[${k}]`);
      for (const logical of (location.logicalLocations as Json[] | undefined) ?? []) {
        assert.equal(typeof logical.name, 'string');
        assert.equal(typeof logical.kind, 'string');
        assert.equal(logical.index, undefined, 'index would point into run.logicalLocations, which is not written');
      }
    }
    for (const [k, related] of ((result.relatedLocations as Json[] | undefined) ?? []).entries()) {
      assert.ok(Number.isInteger(related.id) && (related.id as number) >= 0);
      checkPhysical(related, `${where}.relatedLocations[${k}]`);
    }
    for (const value of Object.values(result.partialFingerprints as Json)) assert.equal(typeof value, 'string');
    for (const suppression of (result.suppressions as Json[] | undefined) ?? [])
      assert.ok(['inSource', 'external'].includes(suppression.kind as string));
  }
  for (const invocation of run.invocations as Json[]) {
    assert.equal(typeof invocation.executionSuccessful, 'boolean');
    for (const note of (invocation.toolExecutionNotifications as Json[] | undefined) ?? []) {
      assert.equal(typeof (note.message as Json).text, 'string');
      for (const location of (note.locations as Json[] | undefined) ?? []) checkPhysical(location, 'notification');
    }
  }
}

describe('SARIF structure', () => {
  it('holds for Python files, notebooks, related locations, suppressions and input problems', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-sarif-'));
    try {
      fs.mkdirSync(path.join(dir, '.git'));
      fs.mkdirSync(path.join(dir, 'src'));
      fs.writeFileSync(
        path.join(dir, 'src', 'train.py'),
        'import torch, numpy as np\nFLAG = True\nm = torch.load("m.pt", weights_only=False)\nx = np.load("x.npy", allow_pickle=FLAG)\ny = torch.load("y.pt", weights_only=False)  # mlsec: ignore[MLS102] our own file\n',
      );
      fs.writeFileSync(
        path.join(dir, 'nb.ipynb'),
        JSON.stringify(
          {
            cells: [
              {
                cell_type: 'code',
                metadata: {},
                outputs: [],
                execution_count: null,
                source: ['import torch\n', 'torch.load("m.pt", weights_only=False)\n'],
              },
            ],
            metadata: {},
            nbformat: 4,
            nbformat_minor: 5,
          },
          null,
          1,
        ),
      );
      fs.writeFileSync(path.join(dir, 'broken.ipynb'), '{"cells": [');
      const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'mlsec.js'), 'scan', '.', '--format', 'sarif'], {
        cwd: dir,
        encoding: 'utf8',
      });
      assert.equal(result.status, 1, result.stderr);
      const log = JSON.parse(result.stdout) as Json;
      validateSarif(log);
      const results = (log.runs as Json[])[0].results as Json[];
      assert.ok(results.length >= 4, 'python, notebook and suppressed results are all there');
      assert.ok(
        results.some((r) => ((r.relatedLocations as Json[] | undefined) ?? []).length > 0),
        'a related location is checked',
      );
      assert.ok(
        results.some((r) => r.suppressions),
        'a suppression is checked',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
