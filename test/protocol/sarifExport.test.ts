/** The checklist view's SARIF export (mlsec/exportSarif): the CLI's SARIF, with the editor's configuration. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExportSarifRequest } from '../../common/src/sarifExport';
import { REPO_ROOT } from '../support/paths';
import { tempWorkspace, write } from './helpers';
import { LspTestClient } from './lspClient';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- SARIF read as plain JSON

/** What a result says, independent of formatting: rule, file, region, suppression. */
function results(log: Json): string[] {
  return (log.runs[0].results as Json[])
    .map((r) => {
      const physical = r.locations[0].physicalLocation;
      const suppressed = r.suppressions?.length ? ` suppressed(${r.suppressions[0].justification ?? ''})` : '';
      return `${physical.artifactLocation.uri}:${physical.region.startLine}:${physical.region.startColumn} ${r.ruleId} ${r.level}${suppressed}`;
    })
    .sort();
}

describe('protocol: SARIF export', () => {
  let workspace: string;

  before(() => {
    workspace = tempWorkspace();
    write(workspace, 'train.py', 'import torch\nm = torch.load("x.pt")\n');
    write(workspace, 'quiet.py', 'import pickle\nd = pickle.load(open("d.pkl", "rb"))  # mlsec: ignore[MLS101] our own cache file\n');
    write(workspace, 'binary.py', Buffer.from([0x00, 0x01, 0x02, 0x00]));
    write(workspace, 'pyproject.toml', '[tool.mlsec]\nexclude = ["gen/"]\n');
    write(workspace, 'gen/load.py', 'import torch\nm = torch.load("x.pt")\n');
    const cell = (cell_type: string, source: string) => ({ cell_type, source, metadata: {}, outputs: [], execution_count: null });
    write(
      workspace,
      'explore.ipynb',
      JSON.stringify({
        cells: [cell('markdown', '# Notes\n'), cell('code', 'import numpy as np\nx = np.load("x.npy", allow_pickle=True)\n')],
        metadata: {},
        nbformat: 4,
        nbformat_minor: 5,
      }),
    );
  });
  after(() => fs.rmSync(workspace, { recursive: true, force: true }));

  async function exported(initializationOptions: unknown, settings: Json = {}): Promise<{ result: ExportSarifRequest.Result; log: Json }> {
    const client = await LspTestClient.start({
      folders: [workspace],
      settings: () => ({ debounceMs: 0, ...settings }),
      initializationOptions,
    });
    try {
      const result = (await client.connection.sendRequest('mlsec/exportSarif', {})) as ExportSarifRequest.Result;
      return { result, log: JSON.parse(result.sarif) as Json };
    } finally {
      await client.stop();
    }
  }

  it('writes what `mlsec scan --format sarif` writes for the folder', async () => {
    const { result, log } = await exported({ workspaceTrusted: true });
    const cli = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'bin', 'mlsec.js'), 'scan', '.', '--format', 'sarif', '--fail-on', 'never'],
      {
        cwd: workspace,
        encoding: 'utf8',
      },
    );
    assert.equal(cli.status, 0, cli.stderr);
    const fromCli = JSON.parse(cli.stdout) as Json;
    assert.deepEqual(results(log), results(fromCli));
    // The findings themselves, so that equal-but-empty logs cannot pass. The notebook's region
    // points into the .ipynb text, where the cell's code is written (as the CLI does).
    const [notebook, ...python] = results(log);
    assert.match(notebook, /^explore\.ipynb:1:\d+ MLS104 error$/);
    assert.deepEqual(python, ['quiet.py:2:5 MLS101 warning suppressed(our own cache file)', 'train.py:2:5 MLS102 warning']);
    assert.equal(log.runs[0].tool.driver.name, 'mlsec');
    assert.deepEqual(
      log.runs[0].tool.driver.rules.map((r: Json) => r.id),
      fromCli.runs[0].tool.driver.rules.map((r: Json) => r.id),
    );
    // The unreadable file is a tool notification, and the run says it was not complete.
    const notes = (log.runs[0].invocations[0].toolExecutionNotifications as Json[]).map((n) => n.message.text as string);
    assert.ok(
      notes.some((t) => t.startsWith('binary.py: ')),
      notes.join('\n'),
    );
    assert.equal(log.runs[0].invocations[0].executionSuccessful, false);
    assert.deepEqual([result.results, result.problems], [3, 1]);
  });

  it('leaves out the findings of the configured baseline, as the CLI does', async () => {
    const mlsec = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'mlsec.js'), ...args], { cwd: workspace, encoding: 'utf8' });
    write(workspace, 'pyproject.toml', '[tool.mlsec]\nexclude = ["gen/"]\nbaseline = "accepted.json"\n');
    try {
      const recorded = mlsec('baseline', '.');
      assert.equal(recorded.status, 0, recorded.stderr);
      write(workspace, 'late.py', 'import torch\nlate = torch.load("late.pt")\n');
      const { log } = await exported({ workspaceTrusted: true });
      const cli = mlsec('scan', '.', '--format', 'sarif', '--fail-on', 'never');
      assert.deepEqual(results(log), results(JSON.parse(cli.stdout) as Json));
      // The suppressed finding stays (suppressed findings are not baselined), the new one is reported.
      assert.deepEqual(results(log), ['late.py:2:8 MLS102 warning', 'quiet.py:2:5 MLS101 warning suppressed(our own cache file)']);
    } finally {
      write(workspace, 'pyproject.toml', '[tool.mlsec]\nexclude = ["gen/"]\n');
      fs.rmSync(path.join(workspace, 'late.py'), { force: true });
      fs.rmSync(path.join(workspace, 'accepted.json'), { force: true });
    }
  });

  it('applies the editor settings and, untrusted with ignoreRepositoryConfig, not the project file', async () => {
    const { log } = await exported({ workspaceTrusted: true }, { ignore: ['MLS102'] });
    assert.ok(!results(log).some((r) => / MLS102 /.test(r)), results(log).join('\n'));
    const untrusted = await exported({ workspaceTrusted: false, ignoreRepositoryConfig: true });
    assert.ok(
      results(untrusted.log).some((r) => r.startsWith('gen/load.py:2:5 MLS102')),
      `the excluded folder is analysed with the defaults: ${results(untrusted.log).join('\n')}`,
    );
  });
});
