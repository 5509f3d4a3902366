/** Engine pieces: notebooks, suppressions, selection, config, input checks, fingerprints, fixes. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigResolver, defaultConfig, parseConfig } from '../../server/src/engine/config/projectConfig';
import { SelectionCache } from '../../server/src/engine/pipeline/fileAnalysis';
import type { ConfigProblem } from '../../server/src/engine/config/projectConfig';
import { collectSourceFiles, decodeSource, readSource } from '../../server/src/engine/io/sourceFiles';
import { maskIPython, NotebookError, readNotebookCells } from '../../server/src/engine/io/notebook';
import { PythonParser } from '../../server/src/engine/parser';
import { resolveSelection } from '../../server/src/engine/config/selection';
import { formatSuppression } from '../../server/src/engine/results/suppressions';
import { LineIndex } from '../../server/src/engine/text';
import { ALL_RULES } from '../../server/src/rules/index';
import { analyzer } from '../support/engine';

function applyEdits(text: string, edits: Array<{ start: number; end: number; newText: string }>): string {
  return [...edits].sort((a, b) => b.start - a.start).reduce((t, e) => t.slice(0, e.start) + e.newText + t.slice(e.end), text);
}

describe('line index', () => {
  it('maps offsets and positions with CRLF and UTF-16', () => {
    const index = new LineIndex('a\r\nbé😀c\nd');
    assert.deepEqual(index.positionAt(3), { line: 1, character: 0 });
    assert.deepEqual(index.positionAt(7), { line: 1, character: 4 });
    assert.equal(index.offsetAt({ line: 2, character: 0 }), 9);
    assert.equal(index.lineText(1), 'bé😀c');
    // Line feeds only (searched natively) and a lone carriage return (counted as a break too).
    const lf = new LineIndex('ab\n\ncd\n');
    assert.equal(lf.lineCount, 4);
    assert.deepEqual(lf.positionAt(5), { line: 2, character: 1 });
    assert.deepEqual(new LineIndex('a\rb\nc').positionAt(4), { line: 2, character: 0 });
  });
});

describe('selections per folder', () => {
  it('share one selection between folders whose configurations say the same', async () => {
    const engine = await analyzer();
    const cache = new SelectionCache(engine);
    // Command-line overrides give each folder its own configuration object.
    const a = { ...defaultConfig('/a'), respectGitignore: false, ignore: ['MLS403'] };
    const b = { ...defaultConfig('/b'), respectGitignore: false, ignore: ['MLS403'] };
    assert.equal(cache.get(a), cache.get(b));
    assert.notEqual(cache.get(a), cache.get({ ...b, ignore: ['MLS404'] }));
    assert.notEqual(cache.get(a), cache.get(a, ['MLS101']));
    assert.equal(cache.get(a).enabled.has('MLS403'), false);
  });
});

describe('notebooks', () => {
  it('masks magics and shell lines without moving anything', () => {
    const cell = '%matplotlib inline\nfiles = !ls\nfor x in y:\n    !echo hi\nobj?\nz = 1\n';
    const masked = maskIPython(cell);
    assert.equal(masked.length, cell.length);
    assert.deepEqual(
      masked.split('\n').map((l) => l.length),
      cell.split('\n').map((l) => l.length),
    );
    assert.ok(masked.includes('z = 1'));
    assert.ok(!masked.includes('!'));
  });

  it('blanks cells of non-Python cell magics', () => {
    assert.equal(maskIPython('%%bash\nrm -rf /\n').trim(), '');
    assert.ok(maskIPython('%%time\nx = 1\n').includes('x = 1'));
  });

  it('parses the masked cells without errors', async () => {
    const parser = await PythonParser.get();
    const tree = parser.parse(maskIPython('%pip install torch\nfor i in range(3):\n    !echo $i\nx = %time f()\n'));
    assert.equal(tree.rootNode.hasError, false);
    tree.delete();
  });

  it('reports broken JSON with a line', () => {
    assert.throws(
      () => readNotebookCells('{\n "cells": [\n  {,}\n ]\n}'),
      (e: unknown) => e instanceof NotebookError && /invalid JSON/.test(e.message) && e.line === 2,
    );
    assert.throws(() => readNotebookCells('{"nbformat": 4}'), /no "cells" array/);
  });

  it('analyses cells together and maps findings to cells', async () => {
    const engine = await analyzer();
    const json = JSON.stringify({
      cells: [
        { cell_type: 'code', source: ['import torch as T\n'] },
        { cell_type: 'markdown', source: ['text'] },
        { cell_type: 'code', source: ['!nvidia-smi\n', 'm = T.load("x.pt")'] },
      ],
      metadata: { language_info: { name: 'python' } },
    });
    const result = engine.analyzeNotebookJson(json);
    assert.equal(result.findings.length, 1);
    assert.equal(result.findings[0].cell, 2);
    assert.deepEqual(result.findings[0].range.start, { line: 1, character: 4 });
    const edit = result.findings[0].fixes[0].edits[0];
    assert.equal(edit.cell, 2);
    assert.equal(applyEdits('!nvidia-smi\nm = T.load("x.pt")', [edit]), '!nvidia-smi\nm = T.load("x.pt", weights_only=True)');
  });
});

describe('suppressions', () => {
  it('formats well-formed comments', () => {
    assert.equal(formatSuppression('line', 'MLS102', 'our own\ncheckpoint'), '# mlsec: ignore[MLS102] our own checkpoint');
    assert.equal(formatSuppression('file', 'MLS201', ''), '# mlsec: ignore-file[MLS201]');
  });

  it('suppresses by code, by name, on the previous line and file-wide', async () => {
    const engine = await analyzer();
    const source = [
      'import torch',
      'a = torch.load(p)  # mlsec: ignore[MLS102] trusted',
      '# mlsec: ignore[torch-load-unsafe] trusted too',
      'b = torch.load(p)',
      'c = torch.load(p)',
    ].join('\n');
    const open = engine.analyzePython(source).findings.filter((f) => !f.suppression);
    assert.deepEqual(
      open.map((f) => f.range.start.line),
      [4],
    );
    const fileWide = engine.analyzePython(source + '\n# mlsec: ignore-file[MLS102] legacy module').findings.filter((f) => !f.suppression);
    assert.deepEqual(fileWide, []);
  });

  it('covers multi-line calls from their last line', async () => {
    const engine = await analyzer();
    const findings = engine.analyzePython('import torch\nm = torch.load(\n    p,\n)  # mlsec: ignore[MLS102] trusted\n').findings;
    assert.equal(findings.length, 1);
    assert.ok(findings[0].suppression);
  });
});

describe('rule selection', () => {
  it('applies select, ignore, prefixes and names with specificity', () => {
    const s1 = resolveSelection(ALL_RULES, { select: ['MLS1'], ignore: ['torch-load-unsafe'] });
    assert.ok(!s1.enabled.has('MLS102'));
    assert.ok(!s1.enabled.has('MLS001'));
    const s2 = resolveSelection(ALL_RULES, { ignore: ['MLS1'], select: ['MLS102'] });
    assert.deepEqual([...s2.enabled], ['MLS102']);
    const s3 = resolveSelection(ALL_RULES, { severity: { MLS102: 'info', MLS999: 'error' }, select: ['nonsense'] });
    assert.equal(s3.severity.get('MLS102'), 'info');
    assert.deepEqual(s3.unknown, ['nonsense', 'MLS999']);
  });

  it('lets a configured severity override an escalated occurrence', async () => {
    const engine = await analyzer();
    const source = 'import torch\ntorch.load(p, weights_only=False)\n';
    assert.equal(engine.analyzePython(source).findings[0].severity, 'error');
    const selection = resolveSelection(ALL_RULES, { severity: { MLS102: 'info' } });
    assert.equal(engine.analyzePython(source, { selection }).findings[0].severity, 'info');
  });
});

describe('configuration', () => {
  it('reads [tool.mlsec] and reports bad values with lines', () => {
    const problems: ConfigProblem[] = [];
    const config = parseConfig(
      [
        '[project]',
        'name = "x"',
        '[tool.mlsec]',
        'select = ["MLS1"]',
        'ignore = "MLS102"',
        'mystery = 1',
        '[tool.mlsec.severity]',
        'MLS102 = "loud"',
      ].join('\n'),
      '/p/pyproject.toml',
      problems,
    );
    assert.deepEqual(config?.select, ['MLS1']);
    assert.deepEqual(
      problems.map((p) => [p.line, p.message.split(' ')[0]]),
      [
        [4, '"ignore"'],
        [5, 'unknown'],
        [7, 'severity'],
      ],
    );
  });

  it('reports malformed TOML with its line and falls back to defaults', () => {
    const problems: ConfigProblem[] = [];
    assert.equal(parseConfig('[tool.mlsec]\nselect = [\n', '/p/.mlsec.toml', problems), undefined);
    assert.equal(problems.length, 1);
    assert.match(problems[0].message, /invalid TOML at line/);
  });

  it('ignores pyproject files without a [tool.mlsec] section', () => {
    const problems: ConfigProblem[] = [];
    assert.equal(parseConfig('[project]\nname = "x"\n', '/p/pyproject.toml', problems), undefined);
    assert.deepEqual(problems, []);
  });

  it('finds the nearest config, applies excludes, per-file ignores and .gitignore', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-config-'));
    try {
      fs.mkdirSync(path.join(root, '.git'));
      fs.mkdirSync(path.join(root, 'pkg', 'tests'), { recursive: true });
      fs.mkdirSync(path.join(root, 'generated'));
      fs.mkdirSync(path.join(root, 'venv'));
      fs.writeFileSync(
        path.join(root, 'pyproject.toml'),
        '[tool.mlsec]\nexclude = ["generated/"]\n[tool.mlsec.per-file-ignores]\n"**/tests/**" = ["MLS102"]\n',
      );
      fs.writeFileSync(path.join(root, '.gitignore'), 'secret_*.py\n');
      for (const file of ['pkg/a.py', 'pkg/tests/t.py', 'generated/g.py', 'venv/v.py', 'secret_x.py', 'nb.ipynb', 'notes.txt']) {
        fs.writeFileSync(path.join(root, file), 'x = 1\n');
      }
      const resolver = new ConfigResolver();
      const files = collectSourceFiles([root], { resolver }).map((f) => path.relative(root, f).split(path.sep).join('/'));
      // pyproject.toml is a dependency manifest (MLS7xx); notes.txt is nothing.
      assert.deepEqual(files.sort(), ['nb.ipynb', 'pkg/a.py', 'pkg/tests/t.py', 'pyproject.toml']);
      assert.deepEqual(resolver.perFileIgnores(path.join(root, 'pkg/tests/t.py')), ['MLS102']);
      assert.deepEqual(resolver.perFileIgnores(path.join(root, 'pkg/a.py')), []);
      // Named explicitly, an excluded file is still scanned.
      assert.equal(collectSourceFiles([path.join(root, 'generated/g.py')], { resolver }).length, 1);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('input checks', () => {
  it('rejects binary content and invalid UTF-8 with a line', () => {
    const binary = decodeSource(Buffer.from('import x\n\u0000\u0001'));
    assert.equal(binary.ok, false);
    const invalid = decodeSource(Buffer.concat([Buffer.from('a = 1\nb = "'), Buffer.from([0xff, 0xfe]), Buffer.from('"\n')]));
    assert.ok(!invalid.ok && invalid.line === 1 && /invalid UTF-8 at byte 11/.test(invalid.message));
    const bom = decodeSource(Buffer.from('\ufeffimport torch\n'));
    assert.ok(bom.ok && bom.text.startsWith('import'));
  });

  it('reads the encoding a PEP 263 cookie declares, as Python does', () => {
    const latin = decodeSource(
      Buffer.concat([
        Buffer.from('#!/usr/bin/env python\n# -*- coding: latin-1 -*-\nname = "caf'),
        Buffer.from([0xe9]),
        Buffer.from('"\n'),
      ]),
    );
    assert.ok(latin.ok && latin.text.includes('café'), JSON.stringify(latin));
    const koi8 = decodeSource(Buffer.concat([Buffer.from('# coding=koi8-r\ns = "'), Buffer.from([0xd0, 0xd2]), Buffer.from('"\n')]));
    assert.ok(koi8.ok && koi8.text.includes('"пр"'), JSON.stringify(koi8));
    const unknown = decodeSource(Buffer.from('# coding: klingon\nx = 1\n'));
    assert.ok(!unknown.ok && unknown.line === 0 && /unsupported encoding "klingon"/.test(unknown.message));
    // Only the first two lines count, and only after comments or blank lines.
    const late = decodeSource(Buffer.concat([Buffer.from('x = 1\n# coding: latin-1\ny = "'), Buffer.from([0xe9]), Buffer.from('"\n')]));
    assert.ok(!late.ok && /invalid UTF-8/.test(late.message));
  });
});

describe('reading source files', () => {
  it('reads text, honours the size limit and reports what cannot be read', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-read-'));
    try {
      const write = (name: string, content: string | Buffer) => {
        fs.writeFileSync(path.join(root, name), content);
        return path.join(root, name);
      };
      const ascii = readSource(write('a.py', 'import torch\n'), 1000);
      assert.deepEqual(ascii, { ok: true, text: 'import torch\n' });
      const utf8 = readSource(write('u.py', '\ufeffname = "café ✓ 𝔸"\n'), 1000);
      assert.deepEqual(utf8, { ok: true, text: 'name = "café ✓ 𝔸"\n' });
      const big = readSource(write('big.py', 'x = 1\n'.repeat(100)), 599);
      assert.ok(!big.ok && /600 bytes, over the 599-byte limit/.test(big.message), JSON.stringify(big));
      assert.deepEqual(readSource(write('limit.py', 'x = 1\n'.repeat(100)), 600), { ok: true, text: 'x = 1\n'.repeat(100) });
      const missing = readSource(path.join(root, 'gone.py'), 1000);
      assert.ok(!missing.ok && /cannot read: ENOENT/.test(missing.message));
      const folder = readSource(root, 1000);
      assert.ok(!folder.ok && /^not a regular file \(folder\)/.test(folder.message), folder.ok ? '' : folder.message);
      const bad = readSource(write('bad.py', Buffer.from([0x61, 0x0a, 0xc3, 0x28])), 1000);
      assert.ok(!bad.ok && bad.line === 1 && /invalid UTF-8 at byte 2/.test(bad.message));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('reads files whose size is not known in advance (reported as 0)', function () {
    if (!fs.existsSync('/proc/self/status')) this.skip();
    const status = readSource('/proc/self/status', 1 << 20);
    assert.ok(status.ok && /^Name:/.test(status.text), JSON.stringify(status).slice(0, 200));
    // The limit holds for them too.
    const capped = readSource('/proc/self/status', 10);
    assert.ok(!capped.ok && /over the 10-byte limit/.test(capped.message), JSON.stringify(capped));
  });
});

describe('findings', () => {
  it('keep their fingerprint when unrelated lines are added above', async () => {
    const engine = await analyzer();
    const body = 'import torch\ndef restore(p):\n    return torch.load(p)\n';
    const before = engine.analyzePython(body).findings[0];
    const after = engine.analyzePython(
      '# a comment\nimport os\n\n' +
        body.replace('    return', '        return').replace('def restore(p):', 'def restore(p):\n    """Docs."""'),
    ).findings[0];
    assert.notEqual(before.range.start.line, after.range.start.line);
    assert.equal(before.fingerprint, after.fingerprint);
  });

  it('distinguish identical findings by occurrence', async () => {
    const engine = await analyzer();
    const findings = engine.analyzePython('import torch\ntorch.load(p)\ntorch.load(p)\n').findings;
    assert.notEqual(findings[0].fingerprint, findings[1].fingerprint);
  });

  it('produce fixes that keep the file valid Python', async () => {
    const engine = await analyzer();
    const parser = await PythonParser.get();
    const sources = [
      'import torch\nm = torch.load(p)\n',
      'import torch\nm = torch.load()\n',
      'import torch\nm = torch.load(p, )\n',
      'import torch\nm = torch.load(\n    p,\n    map_location="cpu"\n)\n',
      'import torch\nm = torch.load(\n    p,\n    map_location="cpu",  # where\n)\n',
      'import torch\nm = torch.load(p, weights_only=False)\n',
    ];
    for (const source of sources) {
      const findings = engine.analyzePython(source).findings;
      // Each source must offer a fix, or the checks below pass without checking anything.
      assert.ok(
        findings.some((f) => f.fixes.length > 0),
        `no fix offered for:\n${source}`,
      );
      for (const finding of findings) {
        for (const fix of finding.fixes) {
          const fixed = applyEdits(source, fix.edits);
          const tree = parser.parse(fixed);
          assert.equal(tree.rootNode.hasError, false, `fix broke:\n${fixed}`);
          tree.delete();
          assert.ok(fixed.includes('weights_only=True'), fixed);
          assert.deepEqual(engine.analyzePython(fixed).findings, [], `still flagged after the fix:\n${fixed}`);
        }
      }
    }
  });
});

describe('MLS201 severity with a pinned commit', () => {
  const severities = (source: string) =>
    analyzer().then((engine) =>
      engine
        .analyzePython(source)
        .findings.filter((f) => f.code === 'MLS201')
        .map((f) => `${f.severity}${/pinned to commit/.test(f.message) ? ' pinned' : ''}`),
    );
  const head = 'from transformers import AutoModel\n';
  const sha = '0123456789abcdef0123456789abcdef01234567';

  it('lowers a full-commit pin to a warning and says why', async () => {
    assert.deepEqual(await severities(`${head}m = AutoModel.from_pretrained("org/m", revision="${sha}", trust_remote_code=True)\n`), [
      'warning pinned',
    ]);
    assert.deepEqual(
      await severities(`${head}REV = "${sha}"\nm = AutoModel.from_pretrained("org/m", revision=REV, trust_remote_code=True)\n`),
      ['warning pinned'],
    );
    assert.deepEqual(await severities(`${head}m = AutoModel.from_pretrained("org/m", code_revision="${sha}", trust_remote_code=True)\n`), [
      'warning pinned',
    ]);
  });

  it('keeps the error for branches, short shas, computed pins and an unpinned weights revision', async () => {
    assert.deepEqual(await severities(`${head}m = AutoModel.from_pretrained("org/m", revision="main", trust_remote_code=True)\n`), [
      'error',
    ]);
    assert.deepEqual(await severities(`${head}m = AutoModel.from_pretrained("org/m", revision="0123456", trust_remote_code=True)\n`), [
      'error',
    ]);
    assert.deepEqual(
      await severities(`${head}def f(r):\n    return AutoModel.from_pretrained("org/m", revision=r, trust_remote_code=True)\n`),
      ['error'],
    );
    assert.deepEqual(
      await severities(`${head}m = AutoModel.from_pretrained("org/m", revision="main", code_revision="${sha}", trust_remote_code=True)\n`),
      ['error'],
    );
    assert.deepEqual(await severities(`${head}m = AutoModel.from_pretrained("org/m", trust_remote_code=True)\n`), ['error']);
  });
});
