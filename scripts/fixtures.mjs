// @ts-check
// Bundles the fixture checker to a private temporary file and runs it: quick feedback on rule
// fixtures while developing, without touching out/ or dist/.
import * as esbuild from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const dir = (mkdirSync('.cache', { recursive: true }), mkdtempSync(join('.cache', 'fixtures-')));
const outfile = join(process.cwd(), dir, 'fixtures.cjs');
await esbuild.build({
  stdin: {
    contents: "module.exports = require('./test/support/fixtureReport.ts');",
    resolveDir: process.cwd(),
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  outfile,
  logLevel: 'error',
  external: ['@vscode/tree-sitter-wasm'],
  define: { __dirname: JSON.stringify(join(process.cwd(), 'out', 'test', 'support')) },
});
const require = createRequire(import.meta.url);
const code = await require(outfile).main(process.argv.slice(2));
rmSync(dir, { recursive: true, force: true });
process.exit(code);
