// Bundles the extension client, the language server and the CLI into dist/. The tree-sitter
// WebAssembly files are copied next to the bundles, where the parser looks for them first. Its
// JavaScript glue is copied too rather than bundled: the parser loads a fresh copy of it to
// replace a runtime that aborted (see server/src/engine/parser.ts).
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // Keep identifiers readable in stack traces users paste into issues.
  keepNames: true,
};

const builds = [
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'] },
  // The rule pages travel inside the server bundle (see server/src/lsp/rulePages.ts).
  // So do the bundled OSV advisories (see server/src/deps/bundled.ts), in the server and the CLI.
  {
    entryPoints: ['server/src/server.ts'],
    outfile: 'dist/server.js',
    define: { MLSEC_RULE_DOCS: JSON.stringify(readRuleDocs()), MLSEC_BUNDLED_ADVISORIES: readAdvisories() },
  },
  { entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli.js', define: { MLSEC_BUNDLED_ADVISORIES: readAdvisories() } },
];

function readRuleDocs() {
  const docs = {};
  if (!existsSync('docs/rules')) return docs;
  for (const file of readdirSync('docs/rules')) {
    if (/^MLS\d+\.md$/.test(file)) docs[file.slice(0, -3)] = readFileSync(join('docs/rules', file), 'utf8');
  }
  return docs;
}

function readAdvisories() {
  const entries = {};
  const dir = 'advisories/osv';
  if (existsSync(dir))
    for (const file of readdirSync(dir).sort())
      if (file.endsWith('.json')) entries[file] = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  return JSON.stringify(entries);
}

mkdirSync('dist/wasm', { recursive: true });
const wasmDir = join(dirname(require.resolve('@vscode/tree-sitter-wasm/package.json')), 'wasm');
for (const file of ['tree-sitter.js', 'tree-sitter.wasm', 'tree-sitter-python.wasm']) cpSync(join(wasmDir, file), join('dist/wasm', file));

const present = builds.filter((b) => existsSync(b.entryPoints[0]));
if (watch) {
  for (const build of present) (await esbuild.context({ ...common, ...build })).watch();
} else {
  await Promise.all(present.map((build) => esbuild.build({ ...common, ...build })));
}
