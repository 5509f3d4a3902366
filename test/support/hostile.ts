/**
 * Generated hostile inputs for the fuzz tests of the CLI and the language server: binary, bad
 * encodings, deep nesting, huge lines, broken notebooks, odd line endings, special files and odd
 * configuration, mixed with mutated real ML code so that rules have something to find. Everything
 * comes from one seeded generator: the same seed gives the same files.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** mulberry32: small, fast, deterministic. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FUZZ_SEED = Number(process.env.MLSEC_FUZZ_SEED ?? 20261206);

const SNIPPETS = [
  'import torch\nm = torch.load(path)\n',
  'import pickle\nwith open(p, "rb") as f:\n    obj = pickle.load(f)\n',
  'from transformers import AutoModel\nm = AutoModel.from_pretrained("org/x", trust_remote_code=True)\n',
  'import yaml\ncfg = yaml.load(open("c.yml"))\n',
  'eval(input())\n',
  'import numpy as np\na = np.load("a.npy", allow_pickle=True)\n',
  'import requests\nr = requests.get(url, verify=False)\n',
  'def f(x):\n    # mlsec: ignore[MLS102] reviewed\n    return torch.load(x)\n',
  'class A:\n    def load(self, p):\n        return torch.load(p, weights_only=False)\n',
  'x = f"{torch.load(p)!r:>{w}}"\n',
];

export interface HostileFile {
  name: string;
  content: Buffer;
}

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)];
}

function mutate(next: () => number, text: string): string {
  let out = text;
  const edits = Math.floor(next() * 6);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(next() * (out.length + 1));
    const what = next();
    if (what < 0.3) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(next() * 5));
    else if (what < 0.6)
      out =
        out.slice(0, at) +
        pick(next, ['(', ')', '"', "'''", ':', '\\', '\t', '#', '\r', '\u2028', '\0', '\ufeff', '{', 'lambda', '@']) +
        out.slice(at);
    else out = out.slice(0, at) + pick(next, SNIPPETS) + out.slice(at);
  }
  return out;
}

function randomBytes(next: () => number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(next() * 256);
  return bytes;
}

/** The generators of source files (`.py`), each a class of hostile input. */
const PYTHON: Array<(next: () => number) => Buffer | string> = [
  (next) => randomBytes(next, 1 + Math.floor(next() * 4096)),
  (next) =>
    Buffer.concat([Buffer.from(pick(next, SNIPPETS)), Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xed, 0xa0, 0x80])]),
  (next) =>
    `# -*- coding: ${pick(next, ['utf-7', 'latin-1', 'euc-jp', 'bogus-enc', 'utf-16', 'cp1252', 'UTF8'])} -*-\n${pick(next, SNIPPETS)}`,
  () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('import torch\ntorch.load(p)\n', 'utf16le')]),
  (next) => `x = ${'('.repeat(500 + Math.floor(next() * 3000))}1${')'.repeat(500 + Math.floor(next() * 3000))}\n${pick(next, SNIPPETS)}`,
  (next) => `x = ${'['.repeat(2000 + Math.floor(next() * 5000))}\n${pick(next, SNIPPETS)}`,
  (next) => `import torch\nm = torch.load(${'-'.repeat(2000 + Math.floor(next() * 20000))}1)\n`,
  (next) =>
    `${Array.from({ length: 100 + Math.floor(next() * 100) }, (_, i) => `${' '.repeat(i)}if x:`).join('\n')}\n${' '.repeat(200)}torch.load(p)\n`,
  (next) => `s = "${'a'.repeat(50_000 + Math.floor(next() * 200_000))}"\n${pick(next, SNIPPETS)}`,
  (next) => `${'torch.load(p); '.repeat(2000 + Math.floor(next() * 4000))}\n`,
  (next) => mutate(next, SNIPPETS.join('\n')).replace(/\n/g, pick(next, ['\r', '\r\n', '\n\r', '\u2028', '\f\n', '\x0b\n'])),
  (next) => `# comment\r${pick(next, SNIPPETS).replace(/\n/g, '\r')}`,
  (next) => '\ufeff' + mutate(next, pick(next, SNIPPETS)),
  (next) => mutate(next, SNIPPETS.join('')),
  (next) => mutate(next, SNIPPETS.join('\n') + '\n' + SNIPPETS.join('\n')),
  () => '',
  () => '\ufeff',
  (next) => `\x1b[2J\x1b[1;1H# ${'\x1b[8m'}hidden\n${pick(next, SNIPPETS)}`,
  (next) => `def f(${Array.from({ length: 3000 }, (_, i) => `a${i}`).join(', ')}):\n    ${pick(next, SNIPPETS).split('\n')[0]}\n`,
  (next) => `x = 1 ${'+ 1 '.repeat(10_000 + Math.floor(next() * 20_000))}\n`,
];

function notebook(next: () => number, cells: string[], language = 'python'): string {
  return JSON.stringify({
    cells: cells.map((source) => ({ cell_type: 'code', source, metadata: {}, outputs: [], execution_count: null })),
    metadata: { kernelspec: { language, name: language }, language_info: { name: language } },
    nbformat: 4,
    nbformat_minor: Math.floor(next() * 6),
  });
}

/** The generators of notebooks (`.ipynb`). */
const NOTEBOOK: Array<(next: () => number) => Buffer | string> = [
  (next) => notebook(next, [pick(next, SNIPPETS), pick(next, SNIPPETS)]).slice(0, 10 + Math.floor(next() * 100)),
  (next) => notebook(next, ['s = """unterminated\n', pick(next, SNIPPETS)]),
  (next) =>
    notebook(
      next,
      [`%time ${pick(next, SNIPPETS).split('\n')[1] ?? 'x'}\n`, '!pip install x\n', pick(next, SNIPPETS)],
      pick(next, ['python3', 'ipython', 'pyspark', 'python', 'R', '']),
    ),
  (next) => JSON.stringify({ cells: 'not a list', metadata: 5, nbformat: next() < 0.5 ? 4 : 'x' }),
  () =>
    JSON.stringify({ cells: [{ cell_type: 'code', source: 42 }, { cell_type: 'code', source: [1, null, {}] }, null, 'x'], nbformat: 4 }),
  (next) => `${'['.repeat(5000 + Math.floor(next() * 20_000))}${']'.repeat(10)}`,
  (next) => notebook(next, [mutate(next, SNIPPETS.join('\n'))]),
  (next) =>
    notebook(
      next,
      Array.from({ length: 200 }, () => pick(next, SNIPPETS)),
    ),
  (next) => randomBytes(next, 2000),
  () => '\ufeff{"cells": []}',
  (next) => notebook(next, [`x = "${'b'.repeat(50_000 + Math.floor(next() * 100_000))}"\n` + pick(next, SNIPPETS)]),
];

/**
 * A tree of `count` hostile source files and notebooks under `dir`, plus (where the platform has
 * them) special files: a FIFO, a link to /dev/zero, a link loop and a folder, all named like
 * sources. Returns the names (relative, `/`) of every entry a scan must either analyse or report.
 */
export function writeHostileTree(dir: string, next: () => number, count: number): string[] {
  const inputs: string[] = [];
  for (let i = 0; i < count; i++) {
    const asNotebook = next() < 0.3;
    const make = asNotebook ? pick(next, NOTEBOOK) : pick(next, PYTHON);
    const name = `${i % 4 === 0 ? `pkg${i % 3}/` : ''}f${String(i).padStart(3, '0')}.${asNotebook ? 'ipynb' : 'py'}`;
    const content = make(next);
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
    inputs.push(name);
  }
  if (process.platform !== 'win32') {
    try {
      execFileSync('mkfifo', [path.join(dir, 'fifo.py')]);
      inputs.push('fifo.py');
    } catch {
      // no mkfifo here
    }
    if (fs.existsSync('/dev/zero')) {
      fs.symlinkSync('/dev/zero', path.join(dir, 'zero.py')); // a link in a tree: not followed, not an input
    }
    fs.symlinkSync('loop.py', path.join(dir, 'loop.py'));
  }
  return inputs;
}

/** Odd but meaningful configurations: none may exclude a source file or stop the scan. */
export const ODD_CONFIGS: Array<{ name: string; text: string | Buffer }> = [
  { name: 'pyproject.toml', text: '[tool.mlsec\nselect = [' },
  {
    name: 'pyproject.toml',
    text: '[tool.mlsec]\nselect = 5\nignore = [1, 2]\nseverity = "x"\nmax-file-size = -1\nfail-on = "sometimes"\n',
  },
  { name: 'pyproject.toml', text: '[tool.mlsec]\nmax-file-size = 0\nrespect-gitignore = "yes"\nunknown = 1\n' },
  {
    name: '.mlsec.toml',
    text: `[per-file-ignores]\n${Array.from({ length: 3000 }, (_, i) => `"nothing/${i}/*.py" = ["MLS101"]`).join('\n')}\n`,
  },
  { name: '.mlsec.toml', text: Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x5b, 0x5d]) },
  { name: '.mlsec.toml', text: `x = ${'['.repeat(3000)}${']'.repeat(3000)}\n` },
  { name: '.gitignore', text: `\\\n[\n!\n!*.py\n**/nothing/**\n${'a'.repeat(100_000)}\n/\n#\n\\!x\nnothing-*/\n` },
];
