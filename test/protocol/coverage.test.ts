/** Repository configuration that narrows coverage is reported, and can be ignored until trusted. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChecklistEvidenceRequest, ScanWorkspaceRequest } from '../../common/src/protocol';
import { tempWorkspace, write } from './helpers';
import { LspTestClient } from './lspClient';

describe('protocol: narrowed coverage', () => {
  let workspace: string;

  before(() => {
    workspace = tempWorkspace();
    write(
      workspace,
      'pyproject.toml',
      '[tool.mlsec]\nignore = ["MLS2", "MLS3"]\nexclude = ["gen/"]\n\n[tool.mlsec.severity]\nMLS102 = "info"\n',
    );
    write(workspace, 'llm.py', 'from transformers import AutoModel\nm = AutoModel.from_pretrained("org/m", trust_remote_code=True)\n');
    write(workspace, 'gen/load.py', 'import torch\nm = torch.load("x.pt")\n');
    write(
      workspace,
      'quiet.py',
      'import torch\nm = torch.load("x.pt")  # mlsec: ignore[MLS102] fixture\nimport pickle\nd = pickle.load(open("d.pkl", "rb"))\n',
    );
  });
  after(() => fs.rmSync(workspace, { recursive: true, force: true }));

  async function evidenceWith(
    initializationOptions: unknown,
  ): Promise<{ scan: ScanWorkspaceRequest.Result; evidence: ChecklistEvidenceRequest.Result }> {
    const client = await LspTestClient.start({ folders: [workspace], settings: () => ({ debounceMs: 0 }), initializationOptions });
    try {
      const scan = (await client.connection.sendRequest('mlsec/scanWorkspace', {})) as ScanWorkspaceRequest.Result;
      const evidence = (await client.connection.sendRequest('mlsec/checklistEvidence', {})) as ChecklistEvidenceRequest.Result;
      return { scan, evidence };
    } finally {
      await client.stop();
    }
  }
  const found = (scan: ScanWorkspaceRequest.Result) =>
    scan.findings.map((f) => `${path.relative(workspace, new URL(f.uri).pathname)} ${f.code} ${f.severity}`).sort();

  it('lists what the project file and suppression comments take out', async () => {
    const { scan, evidence } = await evidenceWith({ workspaceTrusted: true });
    assert.deepEqual(found(scan), ['quiet.py MLS101 warning']);
    const coverage = evidence.coverage!;
    assert.equal(coverage.repositoryConfigIgnored, false);
    assert.deepEqual(
      coverage.configs.map((c) => c.file),
      ['pyproject.toml'],
    );
    assert.deepEqual(coverage.configs[0].narrowing, ['ignore = ["MLS2", "MLS3"]', 'exclude = ["gen/"]', 'severity: MLS102 → info']);
    assert.equal(coverage.suppressed.findings, 1);
    assert.deepEqual(
      coverage.suppressed.files.map((f) => `${f.file} ${f.count}`),
      ['quiet.py 1'],
    );
  });

  it('in an untrusted workspace, can analyse with defaults and still say what the file would narrow', async () => {
    const { scan, evidence } = await evidenceWith({ workspaceTrusted: false, ignoreRepositoryConfig: true });
    assert.deepEqual(found(scan), [
      'gen/load.py MLS102 warning',
      'llm.py MLS201 error',
      'llm.py MLS202 warning',
      'quiet.py MLS101 warning',
    ]);
    assert.equal(evidence.coverage!.repositoryConfigIgnored, true);
    assert.equal(evidence.coverage!.workspaceTrusted, false);
    assert.equal(evidence.coverage!.configs[0].narrowing.length, 3);
  });

  it('applies the project file when trusted even if the setting asks to ignore it', async () => {
    const { scan, evidence } = await evidenceWith({ workspaceTrusted: true, ignoreRepositoryConfig: true });
    assert.deepEqual(found(scan), ['quiet.py MLS101 warning']);
    assert.equal(evidence.coverage!.repositoryConfigIgnored, false);
  });
});
