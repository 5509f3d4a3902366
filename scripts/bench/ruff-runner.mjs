#!/usr/bin/env node
// @ts-check
// The Ruff side of `npm run bench`: Ruff's WebAssembly build with only the S (flake8-bandit) rules,
// over the same file list as mlsec, in its own process. Like `mlsec scan`, it reads every file
// from disk (and decodes it) inside the timed run.
//
//   node scripts/bench/ruff-runner.mjs LIST_FILE    prints one JSON object on stdout
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Workspace, PositionEncoding } = require('@astral-sh/ruff-wasm-nodejs');

const started = performance.now();
const files = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
const workspace = new Workspace({ lint: { select: ['S'] } }, PositionEncoding.Utf16);
const decoder = new TextDecoder('utf-8');
let diagnostics = 0;
let failures = 0;
let readMs = 0;
let checkMs = 0;
for (const file of files) {
  let t = performance.now();
  let text;
  try {
    text = decoder.decode(readFileSync(file));
  } catch {
    failures++;
    continue;
  }
  readMs += performance.now() - t;
  t = performance.now();
  try {
    diagnostics += workspace.check(text).length;
  } catch {
    failures++;
  }
  checkMs += performance.now() - t;
}
workspace.free();
process.stdout.write(
  JSON.stringify({
    version: Workspace.version(),
    files: files.length,
    diagnostics,
    failures,
    readMs,
    checkMs,
    totalMs: performance.now() - started,
  }) + '\n',
);
