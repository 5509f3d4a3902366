/** `mlsec advisories [--advisories PATH]… [--format text|json]`: what advisory data is loaded. */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadAdvisories } from '../deps/bundled';

export class AdvisoriesUsageError extends Error {}

/** Checks `--advisories` paths before a scan: a missing one is a usage error, not an empty database. */
export function checkAdvisoryPaths(paths: readonly string[] | undefined): void {
  for (const target of paths ?? []) if (!fs.existsSync(target)) throw new AdvisoriesUsageError(`--advisories: ${target} not found`);
}

/** Loads the advisories and prints the problems met (once, to stderr). */
export function reportAdvisoryProblems(paths: readonly string[] | undefined, write: (text: string) => void): void {
  const db = loadAdvisories(paths);
  for (const problem of db.problems) write(`mlsec: advisories: ${problem.file}: ${problem.message}\n`);
}

export function runAdvisories(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: { advisories: { type: 'string', multiple: true }, format: { type: 'string', short: 'f', default: 'text' } },
  });
  if (values.format !== 'text' && values.format !== 'json')
    throw new AdvisoriesUsageError(`unknown format "${values.format}" (text or json)`);
  checkAdvisoryPaths(values.advisories);
  const db = loadAdvisories(values.advisories);
  if (values.format === 'json') {
    process.stdout.write(
      JSON.stringify({ advisories: db.size, newest: db.newest() ?? null, sources: db.sources, problems: db.problems }, null, 2) + '\n',
    );
    return 0;
  }
  for (const source of db.sources) {
    process.stdout.write(
      `${source.source}: ${source.count} PyPI advisories${source.newest ? `, newest entry modified ${source.newest.slice(0, 10)}` : ''}\n`,
    );
  }
  process.stdout.write(`${db.size} advisories loaded${db.newest() ? `; newest entry modified ${db.newest()!.slice(0, 10)}` : ''}.\n`);
  for (const problem of db.problems) process.stderr.write(`mlsec: advisories: ${problem.file}: ${problem.message}\n`);
  return 0;
}
