#!/usr/bin/env node
// @ts-check
// Model-file benchmark: artifact scanning throughput (MB/s and files/s) on a generated folder of
// checkpoints whose tensor payloads must be skipped, not read, and the lock's hashing throughput
// next to `sha256sum` on the same files. A measurement, not a test. Run `npm run build` first.
//
//   node scripts/bench/models.mjs [--checkpoints N] [--size-mb M] [--small N] [--reps R] [--keep]
//
// Generated (in a temporary folder): N PyTorch zip checkpoints (a real data.pkl from the
// fixtures and one stored tensor record of M MiB), N/2 legacy-format checkpoints (five pickles
// followed by M MiB of raw storage), and `--small` copies of the small fixtures (pickles,
// joblib, npy, keras, gguf…). Files are written just before the runs, so they are in the page
// cache: the numbers are CPU and syscall cost, not disk speed. Medians of --reps runs (default 3).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const require = createRequire(import.meta.url);
const { inspectArtifactFile } = require(join(ROOT, 'out', 'server', 'src', 'artifacts', 'inspect.js'));
const { HashCache } = require(join(ROOT, 'out', 'server', 'src', 'artifacts', 'lock.js'));
const { zipSync } = require('fflate');

const args = process.argv.slice(2);
/** @param {string} name @param {number} fallback */
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const checkpoints = option('--checkpoints', 6);
const sizeMb = option('--size-mb', 64);
const small = option('--small', 4);
const reps = option('--reps', 3);
const keep = args.includes('--keep');

const FIXTURES = join(ROOT, 'test', 'artifacts', 'fixtures');
const dir = mkdtempSync(join(os.tmpdir(), 'mlsec-bench-models-'));
/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function generate() {
  const payload = new Uint8Array(sizeMb * 1024 * 1024);
  for (let i = 0; i < payload.length; i += 4096) payload[i] = i & 0xff;
  // data.pkl of a real torch.save (from the stored fixture): read it with the project's zip reader.
  const { readZipDirectory, readMember } = require(join(ROOT, 'out', 'server', 'src', 'artifacts', 'zip.js'));
  const { MemorySource } = require(join(ROOT, 'out', 'server', 'src', 'artifacts', 'source.js'));
  const { readFileSync } = require('node:fs');
  const fixture = new MemorySource(readFileSync(join(FIXTURES, 'state_dict.pt')));
  const directory = readZipDirectory(fixture);
  const dataPkl = readMember(
    fixture,
    directory.members.find((/** @type {{ name: string }} */ m) => m.name.endsWith('data.pkl')),
  );
  for (let i = 0; i < checkpoints; i++) {
    const zip = zipSync({
      'ckpt/data.pkl': [dataPkl, { level: 0 }],
      'ckpt/data/0': [payload, { level: 0 }],
      'ckpt/version': [new TextEncoder().encode('3\n'), { level: 0 }],
    });
    writeFileSync(join(dir, `model_${i}.pt`), zip);
  }
  const legacyHead = readFileSync(join(FIXTURES, 'state_dict_legacy.pt'));
  for (let i = 0; i < Math.ceil(checkpoints / 2); i++) writeFileSync(join(dir, `legacy_${i}.pth`), Buffer.concat([legacyHead, payload]));
  const names = readdirSync(FIXTURES).filter((f) => f !== 'expected.json');
  mkdirSync(join(dir, 'small'));
  for (let c = 0; c < small; c++) for (const name of names) copyFileSync(join(FIXTURES, name), join(dir, 'small', `${c}_${name}`));
}

function files() {
  /** @type {string[]} */
  const out = [];
  /** @param {string} d */
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(full);
    }
  };
  walk(dir);
  return out.sort();
}

generate();
const all = files();
const totalBytes = all.reduce((n, f) => n + statSync(f).size, 0);
/** @param {number} b */
const mb = (b) => b / (1024 * 1024);
console.log(
  `model files: ${all.length} (${checkpoints} zip checkpoints and ${Math.ceil(checkpoints / 2)} legacy ones of ${sizeMb} MiB payload, ${all.length - checkpoints - Math.ceil(checkpoints / 2)} small), ${mb(totalBytes).toFixed(1)} MiB`,
);

// 1. Artifact scanning, in process.
const scanTimes = [];
let bytesRead = 0;
let findings = 0;
for (let r = 0; r < reps; r++) {
  const started = performance.now();
  bytesRead = 0;
  findings = 0;
  for (const f of all) {
    const report = inspectArtifactFile(f);
    bytesRead += report.bytesRead;
    findings += report.findings.length;
  }
  scanTimes.push(performance.now() - started);
}
const scanMs = median(scanTimes);
console.log(
  `artifact scan: ${scanMs.toFixed(0)} ms, ${(mb(totalBytes) / (scanMs / 1000)).toFixed(0)} MB/s of model files, ${(all.length / (scanMs / 1000)).toFixed(0)} files/s; read ${mb(bytesRead).toFixed(2)} MiB of ${mb(totalBytes).toFixed(0)} MiB (${((100 * bytesRead) / totalBytes).toFixed(2)} %); ${findings} findings`,
);
// The tensor payloads (the stored records of the checkpoints) must be skipped, not read: what
// the scan did not read is what it skipped.
console.log(
  `tensor payloads skipped: ${mb(totalBytes - bytesRead).toFixed(1)} of ${mb(totalBytes).toFixed(1)} MiB not read (${((100 * (totalBytes - bytesRead)) / totalBytes).toFixed(2)} %)`,
);

// 2. The CLI end to end (walk, scan, report), one process per run.
const cliTimes = [];
for (let r = 0; r < reps; r++) {
  const started = performance.now();
  const run = spawnSync(
    process.execPath,
    [join(ROOT, 'bin', 'mlsec.js'), 'scan', '--models-only', '--format', 'json', '--fail-on', 'never', dir],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  cliTimes.push(performance.now() - started);
  if (run.status !== 0) console.log(`mlsec exited ${run.status}: ${run.stderr.slice(0, 500)}`);
}
console.log(`mlsec scan --models-only: ${median(cliTimes).toFixed(0)} ms wall (process start included)`);

// 3. Lock hashing (forced, as `mlsec lock` and --verify-hashes do) against sha256sum.
const hashTimes = [];
for (let r = 0; r < reps; r++) {
  const cache = new HashCache(dir, true);
  const started = performance.now();
  for (const f of all) cache.hash(f);
  hashTimes.push(performance.now() - started);
  if (r === reps - 1) cache.save();
}
const hashMs = median(hashTimes);
console.log(`lock hashing: ${hashMs.toFixed(0)} ms, ${(mb(totalBytes) / (hashMs / 1000)).toFixed(0)} MB/s`);
const shaTimes = [];
for (let r = 0; r < reps; r++) {
  const started = performance.now();
  const run = spawnSync('sha256sum', all, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  shaTimes.push(performance.now() - started);
  if (run.error) {
    console.log('sha256sum not available');
    break;
  }
}
if (shaTimes.length === reps) {
  const shaMs = median(shaTimes);
  console.log(
    `sha256sum: ${shaMs.toFixed(0)} ms, ${(mb(totalBytes) / (shaMs / 1000)).toFixed(0)} MB/s (mlsec/sha256sum time ratio ${(hashMs / shaMs).toFixed(2)})`,
  );
}
const cached = new HashCache(dir, false);
const started = performance.now();
for (const f of all) cached.hash(f);
console.log(
  `lock verification with the size/mtime/inode cache: ${(performance.now() - started).toFixed(1)} ms for ${all.length} files (${cached.reused} reused, ${cached.hashed} hashed)`,
);

if (!keep) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
