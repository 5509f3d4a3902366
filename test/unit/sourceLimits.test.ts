/** The size limit applies to a notebook's code, not to its outputs (engine/sourceLimits.ts). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readSourceWithinLimit } from '../../server/src/engine/io/sourceLimits';

function notebook(code: string, imageBytes: number): string {
  const image = 'A'.repeat(imageBytes);
  return JSON.stringify({
    cells: [
      { cell_type: 'markdown', metadata: {}, source: ['# Plots'] },
      {
        cell_type: 'code',
        metadata: {},
        execution_count: 1,
        source: [code],
        outputs: [{ output_type: 'display_data', data: { 'image/png': image }, metadata: {} }],
      },
    ],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  });
}

describe('source size limits', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-limits-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('analyses a notebook whose outputs, not code, are over max-file-size', () => {
    const file = path.join(dir, 'plots.ipynb');
    const code = 'import torch\nmodel = torch.load("m.pt")\n';
    fs.writeFileSync(file, notebook(code, 2 * 1024 * 1024));
    const read = readSourceWithinLimit(file, 1024 * 1024);
    assert.ok(read.ok, read.ok ? '' : read.message);
    assert.ok(read.text.includes('torch.load'));
  });

  it('skips a notebook whose code is over max-file-size, saying how large the code is', () => {
    const file = path.join(dir, 'generated.ipynb');
    fs.writeFileSync(file, notebook('x = 1\n'.repeat(2000), 10));
    const read = readSourceWithinLimit(file, 4096);
    assert.equal(read.ok, false);
    assert.match(read.ok ? '' : read.message, /^notebook code is 12000 bytes, over the 4096-byte limit \(max-file-size\)$/);
  });

  it('keeps the limit on the whole file for Python sources', () => {
    const file = path.join(dir, 'big.py');
    fs.writeFileSync(file, '# padding\n'.repeat(1000));
    const read = readSourceWithinLimit(file, 4096);
    assert.equal(read.ok, false);
    assert.match(read.ok ? '' : read.message, /over the 4096-byte limit/);
  });
});
