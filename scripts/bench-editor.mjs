#!/usr/bin/env node
// @ts-check
// Editor latency benchmark for the language server (dist/server.js, run `node esbuild.mjs` first).
//
//   node scripts/bench-editor.mjs          readable table
//   node scripts/bench-editor.mjs --json   one JSON object on stdout (read by scripts/bench.mjs)
//
// Measures, over a real JSON-RPC connection on stdio:
//   - edit latency: didChange -> publishDiagnostics of that version, on a 5,000-line Python file,
//     debounce 0, over --edits (default 200: a p95 needs samples) single-character edits; median and p95; twice: in
//     training loops (ordinary code, whose findings the server can move over the edit) and in
//     functions with a finding (which it must recompute);
//   - cold start: didOpen -> first diagnostics on a freshly started server (and spawn -> first);
//   - memory: the server's resident set size after opening 50 files of 1,000 lines.
// This is a measurement, not a test: it never fails on a slow machine (exit code 0 unless broken).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SERVER = join(ROOT, 'dist', 'server.js');
const args = process.argv.slice(2);
const json = args.includes('--json');
/** @param {string} name @param {number} fallback */
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : fallback;
};
const EDITS = Math.max(50, option('--edits', 200));
const TARGETS = { editP95Ms: 15, coldFirstDiagnosticsMs: 500, rssMb: 200 };

/** Realistic ML training code: modules, training loops, config loading, a few findings. */
/** @param {number} lines @param {number} [seed] */
function generatePython(lines, seed = 0) {
  const out = [
    'import os',
    'import json',
    'import torch',
    'import numpy as np',
    'from torch import nn',
    'from torch.utils.data import DataLoader, Dataset',
    '',
  ];
  for (let i = seed * 1000; out.length < lines; i++) {
    out.push(
      `class Block${i}(nn.Module):`,
      `    """Residual block number ${i}."""`,
      '',
      '    def __init__(self, width: int = 128, dropout: float = 0.1) -> None:',
      '        super().__init__()',
      '        self.norm = nn.LayerNorm(width)',
      '        self.fc1 = nn.Linear(width, width * 4)',
      '        self.fc2 = nn.Linear(width * 4, width)',
      '        self.drop = nn.Dropout(dropout)',
      '',
      '    def forward(self, x):',
      '        h = self.norm(x)',
      '        h = self.fc2(self.drop(torch.relu(self.fc1(h))))',
      '        return x + h',
      '',
      '',
      `def train_epoch_${i}(model, loader, optimizer, device="cpu"):`,
      '    model.train()',
      '    total = 0.0',
      '    for step, (features, labels) in enumerate(loader):',
      '        features, labels = features.to(device), labels.to(device)',
      '        optimizer.zero_grad()',
      '        loss = nn.functional.cross_entropy(model(features), labels)',
      '        loss.backward()',
      '        optimizer.step()',
      '        total += loss.item()',
      '        if step % 100 == 0:',
      `            print(f"epoch ${i} step {step}: {total / (step + 1):.4f}")`,
      '    return total / max(1, len(loader))',
      '',
      '',
      `def load_config_${i}(path):`,
      '    with open(path, encoding="utf-8") as handle:',
      '        data = json.load(handle)',
      '    return {key.lower(): value for key, value in data.items() if not key.startswith("_")}',
      '',
      '',
    );
    if (i % 10 === 3) out.push(`def restore_${i}(path):`, '    return torch.load(path, map_location="cpu")', '', '');
    if (i % 10 === 7) out.push(`def restore_safe_${i}(path):`, '    return torch.load(path, weights_only=True)', '', '');
  }
  return out.slice(0, lines).join('\n') + '\n';
}

/**
 * @typedef {{ uri: string; version?: number; diagnostics: unknown[] }} PublishedParams
 * @typedef {{ at: number; params: PublishedParams }} Published
 */
class Session {
  static async start() {
    const spawned = performance.now();
    const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const session = new Session(child, connection, spawned);
    connection.listen();
    const settings = {
      enable: true,
      run: 'onType',
      debounceMs: 0,
      select: [],
      ignore: [],
      severity: {},
      exclude: [],
      maxFileSize: 4 * 1024 * 1024,
      trace: { server: 'off' },
    };
    connection.onRequest('workspace/configuration', (params) => params.items.map(() => settings));
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onNotification('mlsec/findingsChanged', () => undefined);
    connection.onNotification('window/logMessage', () => undefined);
    await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: null,
      workspaceFolders: null,
      capabilities: { workspace: { configuration: true }, textDocument: { publishDiagnostics: { versionSupport: true } } },
    });
    await connection.sendNotification('initialized', {});
    return session;
  }

  /**
   * @param {import('node:child_process').ChildProcess} child
   * @param {import('vscode-languageserver-protocol').ProtocolConnection} connection
   * @param {number} spawned
   */
  constructor(child, connection, spawned) {
    this.child = child;
    this.connection = connection;
    this.spawned = spawned;
    /** @type {{ uri: string; version: number | undefined; resolve: (v: Published) => void }[]} */
    this.waiters = [];
    connection.onNotification('textDocument/publishDiagnostics', (/** @type {PublishedParams} */ params) => {
      const at = performance.now();
      this.waiters = this.waiters.filter((w) => {
        if (w.uri !== params.uri || (w.version !== undefined && params.version !== w.version)) return true;
        w.resolve({ at, params });
        return false;
      });
    });
  }

  /** @param {string} uri @param {number | undefined} version @returns {Promise<Published>} */
  diagnostics(uri, version) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for diagnostics of ${uri} v${version}`)), 60000);
      this.waiters.push({ uri, version, resolve: (/** @type {Published} */ v) => (clearTimeout(timer), resolve(v)) });
    });
  }

  /** @param {string} uri @param {string} text */
  async open(uri, text) {
    const published = this.diagnostics(uri, 1);
    const sent = performance.now();
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
    const { at, params } = await published;
    return { ms: at - sent, params };
  }

  /** @param {string} uri @param {number} version @param {unknown[]} changes */
  async change(uri, version, changes) {
    const published = this.diagnostics(uri, version);
    const sent = performance.now();
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    const { at } = await published;
    return at - sent;
  }

  rssMb() {
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
      return Number.isFinite(kb) ? kb / 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  async stop() {
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      await this.connection.sendNotification('exit');
    } catch {
      // already gone
    }
    setTimeout(() => this.child.kill(), 500).unref();
    this.connection.dispose();
  }
}

/** @param {number[]} sorted @param {number} p */
function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/** @param {number | undefined} n */
const round = (n) => (n === undefined || Number.isNaN(n) ? null : Math.round(n * 10) / 10);

/** @param {string} text */
async function measureCold(text) {
  const session = await Session.start();
  try {
    const { ms, params } = await session.open('file:///bench/cold.py', text);
    return { didOpenToDiagnosticsMs: ms, spawnToDiagnosticsMs: performance.now() - session.spawned, findings: params.diagnostics.length };
  } finally {
    await session.stop();
  }
}

/**
 * Single-character edits spread over the file: type a character, delete it. `pattern` picks the
 * lines edited and `column` where on them: ordinary code (a training loop: most of what people
 * type) or a function with a finding (the server must recompute: the harder case).
 */
/** @param {string} text @param {RegExp} pattern @param {number} column */
async function measureEdits(text, pattern, column) {
  const session = await Session.start();
  const uri = 'file:///bench/edit.py';
  try {
    await session.open(uri, text);
    /** @type {number[]} */
    const targets = [];
    text.split('\n').forEach((line, i) => {
      if (pattern.test(line)) targets.push(i);
    });
    const samples = [];
    let version = 1;
    // Two warm-up edits, not counted (first reuse of the rule index, JIT).
    for (let i = 0; i < EDITS + 2; i++) {
      const insert = i % 2 === 0;
      const line = targets[((insert ? i : i - 1) * 7) % targets.length];
      const change = insert
        ? { range: { start: { line, character: column }, end: { line, character: column } }, text: '_' }
        : { range: { start: { line, character: column }, end: { line, character: column + 1 } }, text: '' };
      const ms = await session.change(uri, ++version, [change]);
      if (i >= 2) samples.push(ms);
    }
    samples.sort((a, b) => a - b);
    return {
      edits: samples.length,
      medianMs: percentile(samples, 50),
      p95Ms: percentile(samples, 95),
      minMs: samples[0],
      maxMs: samples[samples.length - 1],
    };
  } finally {
    await session.stop();
  }
}

async function measureMemory() {
  const session = await Session.start();
  try {
    const before = session.rssMb();
    for (let i = 0; i < 50; i++) await session.open(`file:///bench/mem/m${i}.py`, generatePython(1000, i));
    await new Promise((r) => setTimeout(r, 200));
    return { files: 50, linesPerFile: 1000, rssAfterInitMb: before, rssMb: session.rssMb() };
  } finally {
    await session.stop();
  }
}

async function main() {
  const big = generatePython(5000);
  const cold = await measureCold(big);
  const edits = await measureEdits(big, /^ {8}total \+= loss\.item\(\)$/, 'total'.length + 8);
  const flagged = await measureEdits(big, /^ {4}return torch\.load\(path, map_location="cpu"\)$/, '    return torch.load(path, map'.length);
  const memory = await measureMemory();
  const result = {
    benchmark: 'editor',
    node: process.version,
    fileLines: 5000,
    edit: {
      ...edits,
      medianMs: round(edits.medianMs),
      p95Ms: round(edits.p95Ms),
      minMs: round(edits.minMs),
      maxMs: round(edits.maxMs),
      debounceMs: 0,
    },
    editInFlaggedFunction: {
      ...flagged,
      medianMs: round(flagged.medianMs),
      p95Ms: round(flagged.p95Ms),
      minMs: round(flagged.minMs),
      maxMs: round(flagged.maxMs),
      debounceMs: 0,
    },
    cold: {
      didOpenToDiagnosticsMs: round(cold.didOpenToDiagnosticsMs),
      spawnToDiagnosticsMs: round(cold.spawnToDiagnosticsMs),
      findings: cold.findings,
    },
    memory: { ...memory, rssAfterInitMb: round(memory.rssAfterInitMb), rssMb: round(memory.rssMb) },
    targets: TARGETS,
    meetsTargets: {
      editP95: edits.p95Ms <= TARGETS.editP95Ms,
      editInFlaggedFunctionP95: flagged.p95Ms <= TARGETS.editP95Ms,
      coldFirstDiagnostics: cold.didOpenToDiagnosticsMs <= TARGETS.coldFirstDiagnosticsMs,
      memory: memory.rssMb !== undefined && memory.rssMb <= TARGETS.rssMb,
    },
  };
  if (json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const rows = [
    ['edit in a training loop, median (5,000 lines, debounce 0)', `${result.edit.medianMs} ms`, ''],
    [
      `edit in a training loop, p95 over ${result.edit.edits} edits`,
      `${result.edit.p95Ms} ms`,
      `≤ ${TARGETS.editP95Ms} ms ${result.meetsTargets.editP95 ? 'ok' : 'MISSED'}`,
    ],
    ['edit in a function with a finding, median', `${result.editInFlaggedFunction.medianMs} ms`, ''],
    [
      `edit in a function with a finding, p95 over ${result.editInFlaggedFunction.edits} edits`,
      `${result.editInFlaggedFunction.p95Ms} ms`,
      `≤ ${TARGETS.editP95Ms} ms ${result.meetsTargets.editInFlaggedFunctionP95 ? 'ok' : 'MISSED'}`,
    ],
    [
      'cold: didOpen → first diagnostics',
      `${result.cold.didOpenToDiagnosticsMs} ms`,
      `≤ ${TARGETS.coldFirstDiagnosticsMs} ms ${result.meetsTargets.coldFirstDiagnostics ? 'ok' : 'MISSED'}`,
    ],
    ['cold: spawn → first diagnostics', `${result.cold.spawnToDiagnosticsMs} ms`, ''],
    [
      'server RSS after opening 50 × 1,000-line files',
      `${result.memory.rssMb ?? 'n/a'} MB`,
      `≤ ${TARGETS.rssMb} MB ${result.meetsTargets.memory ? 'ok' : 'MISSED'}`,
    ],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  const valueWidth = Math.max(...rows.map((r) => r[1].length));
  console.log(`mlsec editor benchmark (node ${process.version})`);
  for (const [label, value, target] of rows) console.log(`  ${label.padEnd(width)}  ${value.padStart(valueWidth)}  ${target}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
