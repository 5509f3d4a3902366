#!/usr/bin/env node
// @ts-check
// Workspace scan in the language server: how long a whole corpus folder takes to reach the
// Problems panel, and how fast edits to an open document are answered while that scan runs.
// A measurement, not a test: it never fails because a machine is slow. Run `node esbuild.mjs`
// first (`npm run build` does); `node scripts/bench.mjs --workspace` runs it on each corpus.
//
//   node scripts/bench/workspace.mjs --corpus DIR [--edit-file FILE] [--max-edits N] [--pause MS] [--json]
//
// Over a real JSON-RPC connection on stdio to dist/server.js (the same server the extension
// starts), with the workspace folder DIR and the client settings of a fresh install (debounce 0):
//   1. scan alone: a fresh server, `mlsec/scanWorkspace` (the request the "mlsec: Scan workspace"
//      command sends; the server publishes the diagnostics of every file with findings, then
//      answers) -> time to the answer and to the last diagnostics, files, findings, server
//      peak RSS;
//   2. edits without a scan: on a fresh server, the largest Python file of DIR (or --edit-file)
//      is opened and single-character edits spread over its lines are sent one at a time
//      (append a space at the end of a line, then remove it): didChange -> publishDiagnostics
//      of that version, median and p95;
//   3. edits during the scan: the same edits, sent while a workspace scan of DIR runs, from the
//      request until its answer (at most --max-edits, default 400), one every --pause ms after
//      the previous one's diagnostics (default 100: a person typing, not a flood that would
//      starve the scan), and the scan's time with them.
// Peak RSS is read from /proc/PID/status (VmHWM), so it is reported on Linux only.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { connectServer, helpIfAsked, percentile, processMemoryMb, stopServer } from './common.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SERVER = join(ROOT, 'dist', 'server.js');
const args = process.argv.slice(2);
/** @param {string} name */
const value = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
helpIfAsked(import.meta.url, args);
const json = args.includes('--json');
const corpusArg = value('--corpus');
if (!corpusArg || !existsSync(corpusArg) || !statSync(corpusArg).isDirectory()) {
  process.stderr.write(`workspace bench: --corpus DIR must name a folder${corpusArg ? ` (${corpusArg} is not one)` : ''}\n`);
  process.exit(2);
}
if (!existsSync(SERVER)) {
  process.stderr.write('workspace bench: dist/server.js is missing; run `node esbuild.mjs` (or `npm run build`) first\n');
  process.exit(2);
}
const corpus = resolve(corpusArg);
const maxEdits = Math.max(1, Number(value('--max-edits') ?? 400));
const pauseMs = Math.max(0, Number(value('--pause') ?? 100));
/** Per-message timeout: a server that stops answering ends the run with an error, not a hang. */
const TIMEOUT_MS = 10 * 60 * 1000;

/** The largest .py file of the folder under 400 kB (outside VCS data, caches and environments). */
function largestPythonFile(/** @type {string} */ root) {
  const skip = new Set(['.git', '__pycache__', 'node_modules', '.venv', 'venv', 'site-packages', '.tox']);
  let best = { file: '', size: -1 };
  /** @param {string} dir */
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skip.has(entry.name)) walk(full);
      } else if (entry.isFile() && entry.name.endsWith('.py')) {
        const size = statSync(full).size;
        if (size > best.size && size < 400_000) best = { file: full, size };
      }
    }
  };
  walk(root);
  return best.file || undefined;
}

const editFile = value('--edit-file') ? resolve(/** @type {string} */ (value('--edit-file'))) : largestPythonFile(corpus);
if (!editFile) {
  process.stderr.write(`workspace bench: no Python file in ${corpus} to edit\n`);
  process.exit(2);
}
const editText = readFileSync(editFile, 'utf8');
const editLines = editText.split('\n');

/**
 * @typedef {{ uri: string; version?: number; diagnostics: unknown[] }} PublishedParams
 */
class Session {
  static async start() {
    const settings = {
      enable: true,
      run: 'onType',
      debounceMs: 0,
      select: [],
      ignore: [],
      severity: {},
      exclude: [],
      maxFileSize: 2 * 1024 * 1024,
      advisories: [],
      baselineFindings: 'hint',
      trace: { server: 'off' },
      logLevel: 'warn',
      suppressionActions: true,
    };
    const { child, connection } = connectServer(SERVER, settings);
    const session = new Session(child, connection);
    const folder = pathToFileURL(corpus).href;
    await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: folder,
      workspaceFolders: [{ uri: folder, name: basename(corpus) }],
      capabilities: {
        workspace: { configuration: true, workspaceFolders: true },
        textDocument: { publishDiagnostics: { versionSupport: true } },
      },
    });
    await connection.sendNotification('initialized', {});
    return session;
  }

  /**
   * @param {import('node:child_process').ChildProcess} child
   * @param {import('vscode-languageserver-protocol').ProtocolConnection} connection
   */
  constructor(child, connection) {
    this.child = child;
    this.connection = connection;
    /** Every publishDiagnostics: when it came, for which file, how many diagnostics. */
    /** @type {{ at: number; uri: string; count: number }[]} */
    this.published = [];
    /** @type {{ uri: string; version: number; resolve: (at: number) => void }[]} */
    this.waiters = [];
    connection.onNotification('textDocument/publishDiagnostics', (/** @type {PublishedParams} */ params) => {
      const at = performance.now();
      this.published.push({ at, uri: params.uri, count: params.diagnostics.length });
      this.waiters = this.waiters.filter((w) => {
        if (w.uri !== params.uri || params.version !== w.version) return true;
        w.resolve(at);
        return false;
      });
    });
  }

  /** @param {string} uri @param {number} version @returns {Promise<number>} */
  diagnostics(uri, version) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for diagnostics of ${uri} v${version}`)), TIMEOUT_MS);
      this.waiters.push({ uri, version, resolve: (/** @type {number} */ at) => (clearTimeout(timer), resolve(at)) });
    });
  }

  /** @param {string} uri @param {string} text */
  async open(uri, text) {
    const published = this.diagnostics(uri, 1);
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
    await published;
  }

  /** @param {string} uri @param {number} version @param {unknown[]} changes @returns {Promise<number>} */
  async change(uri, version, changes) {
    const published = this.diagnostics(uri, version);
    const sent = performance.now();
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    return (await published) - sent;
  }

  /** @returns {Promise<{ files: number; findings: unknown[]; problems: unknown[]; durationMs: number }>} */
  scan() {
    return /** @type {any} */ (
      Promise.race([
        this.connection.sendRequest('mlsec/scanWorkspace', {}),
        new Promise((_, reject) => setTimeout(() => reject(new Error('the workspace scan did not answer')), TIMEOUT_MS).unref()),
      ])
    );
  }

  /** Peak resident set size of the server (Linux). */
  peakRssMb() {
    return processMemoryMb(this.child.pid, 'VmHWM');
  }

  async stop() {
    await stopServer(this.connection, this.child);
  }
}

/** @param {number | undefined} n */
const round = (n) => (n === undefined || !Number.isFinite(n) ? null : Math.round(n * 10) / 10);
/** @param {number[]} xs */
const latency = (xs) => ({
  edits: xs.length,
  p50Ms: round(percentile(xs, 50)),
  p95Ms: round(percentile(xs, 95)),
  maxMs: round(Math.max(...xs)),
});

const uri = pathToFileURL(editFile).href;
/**
 * Edit number k: a space appended to a line (even k) or removed again (odd k); the lines are
 * spread over the whole file by a stride prime to its length.
 * @param {number} k
 */
function editOf(k) {
  const line = ((k >> 1) * 7919) % editLines.length;
  const end = editLines[line].length;
  return k % 2 === 0
    ? { range: { start: { line, character: end }, end: { line, character: end } }, text: ' ' }
    : { range: { start: { line, character: end }, end: { line, character: end + 1 } }, text: '' };
}

/**
 * Sends edits one at a time, `pause` ms apart, until `until()` is true or `limit` edits were
 * answered.
 * @param {Session} session @param {() => boolean} until @param {number} limit @param {number} pause
 */
async function editLoop(session, until, limit, pause) {
  /** @type {number[]} */
  const times = [];
  let version = 1;
  for (let k = 0; k < limit && !until(); k++) {
    if (k > 0 && pause > 0) await new Promise((r) => setTimeout(r, pause));
    if (until()) break;
    times.push(await session.change(uri, ++version, [editOf(k)]));
  }
  // Leave the document as it was (an odd number of edits left a space behind).
  if (times.length % 2 === 1) await session.change(uri, ++version, [editOf(times.length)]);
  return times;
}

// 1. The scan alone.
const alone = await Session.start();
let scanAlone;
try {
  const started = performance.now();
  const result = await alone.scan();
  const answeredMs = performance.now() - started;
  const withFindings = alone.published.filter((p) => p.count > 0);
  scanAlone = {
    files: result.files,
    findings: result.findings.length,
    problems: result.problems.length,
    filesWithDiagnostics: withFindings.length,
    answerMs: round(answeredMs),
    lastDiagnosticsMs: round(withFindings.length > 0 ? Math.max(...withFindings.map((p) => p.at)) - started : NaN),
    serverDurationMs: result.durationMs,
    peakRssMb: round(alone.peakRssMb()),
  };
} finally {
  await alone.stop();
}

// 2. The same edits without a scan (the reference), 3. while a scan runs.
const quiet = await Session.start();
let editsQuiet;
try {
  await quiet.open(uri, editText);
  editsQuiet = latency(await editLoop(quiet, () => false, Math.min(maxEdits, 100), 0));
} finally {
  await quiet.stop();
}
const busy = await Session.start();
let during;
try {
  await busy.open(uri, editText);
  let done = false;
  const started = performance.now();
  const scanning = busy.scan().finally(() => (done = true));
  const times = await editLoop(busy, () => done, maxEdits, pauseMs);
  const result = await scanning;
  during = {
    scanAnswerMs: round(performance.now() - started),
    serverDurationMs: result.durationMs,
    files: result.files,
    ...latency(times),
    pauseMs,
    peakRssMb: round(busy.peakRssMb()),
  };
} finally {
  await busy.stop();
}

const report = {
  corpus,
  editFile,
  editFileLines: editLines.length,
  scan: scanAlone,
  editsWithoutScan: editsQuiet,
  editsDuringScan: during,
};
if (json) process.stdout.write(JSON.stringify(report) + '\n');
else {
  const s = scanAlone;
  const out = [
    `workspace scan of ${corpus} in the language server (dist/server.js):`,
    `  scan alone: ${s.files} files, ${s.findings} findings in ${s.filesWithDiagnostics} files; answer after ${s.answerMs} ms ` +
      `(server: ${s.serverDurationMs} ms), last diagnostics at ${s.lastDiagnosticsMs} ms; server peak RSS ${s.peakRssMb} MB`,
    `  edits to ${editFile} (${editLines.length} lines), didChange -> diagnostics of that version:`,
    `    without a scan: ${editsQuiet.edits} edits, p50 ${editsQuiet.p50Ms} ms, p95 ${editsQuiet.p95Ms} ms, max ${editsQuiet.maxMs} ms`,
    `    during the scan (one edit every ${pauseMs} ms): ${during.edits} edits, p50 ${during.p50Ms} ms, p95 ${during.p95Ms} ms, max ${during.maxMs} ms; ` +
      `the scan answered after ${during.scanAnswerMs} ms with them; server peak RSS ${during.peakRssMb} MB`,
  ];
  process.stdout.write(out.join('\n') + '\n');
}
