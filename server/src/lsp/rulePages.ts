/**
 * Rule documentation for the editor: the markdown pages of docs/rules and the links diagnostics
 * carry in `codeDescription`.
 *
 * The pages travel inside the server bundle: esbuild.mjs reads docs/rules/*.md at build time and
 * defines `MLSEC_RULE_DOCS` as a `{ code: markdown }` object, so the running server never depends
 * on the repository layout. When the server runs unbundled (from out/ during development) the
 * pages are read from the repository if they are there, and a rule without a page falls back to
 * the page rendered from its metadata (engine/results/ruleMarkdown.ts), so every rule has documentation.
 *
 * Links: `codeDescription.href` must be a URI the editor can open without network. We use the
 * rule page shipped in the extension: `<extensionDocsUri>/MLS102.md` when the client names the
 * folder in `initializationOptions.extensionDocsUri`, else `docs/rules/MLS102.md` next to the
 * server bundle's folder (dist/../docs/rules, which is the extension folder once installed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Rule } from '../engine/rule';
import { rulePageMarkdown } from '../engine/results/ruleMarkdown';
import { MAX_PROJECT_FILE_SIZE, readTextFile } from '../engine/io/safeRead';

declare const MLSEC_RULE_DOCS: Record<string, string> | undefined;

const bundled: Record<string, string> | undefined = typeof MLSEC_RULE_DOCS === 'object' && MLSEC_RULE_DOCS ? MLSEC_RULE_DOCS : undefined;

const fromDisk = new Map<string, string | null>();

function diskDocsFolder(): string | undefined {
  for (const candidate of [path.join(__dirname, '..', 'docs', 'rules'), path.join(__dirname, '..', '..', '..', '..', 'docs', 'rules')]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The hand-written page of a rule, if one exists (bundled, or read once from disk). */
export function writtenRulePage(code: string): string | undefined {
  if (bundled) return bundled[code];
  let page = fromDisk.get(code);
  if (page === undefined) {
    const folder = diskDocsFolder();
    const read = folder ? readTextFile(path.join(folder, `${code}.md`), MAX_PROJECT_FILE_SIZE) : undefined;
    page = read?.ok ? read.text : null;
    fromDisk.set(code, page);
  }
  return page ?? undefined;
}

/** The documentation page of a rule: the hand-written page, else one rendered from metadata. */
export function rulePage(rule: Rule): string {
  return writtenRulePage(rule.code) ?? rulePageMarkdown(rule);
}

export class RuleLinks {
  private readonly base: string;
  /** The client command showing a rule page (initializationOptions.ruleDocsCommand), if any. */
  readonly command?: string;

  constructor(extensionDocsUri: string | undefined, command?: string) {
    const fallback = pathToFileURL(path.join(__dirname, '..', 'docs', 'rules')).toString();
    this.base = (extensionDocsUri && /^[a-z][a-z0-9+.-]*:/i.test(extensionDocsUri) ? extensionDocsUri : fallback).replace(/\/+$/, '');
    this.command = command && /^[\w.-]+$/.test(command) ? command : undefined;
  }

  /**
   * Where a rule code links to: the client's documentation command when it named one (the page
   * then opens rendered and read-only), else the page file shipped with the extension.
   */
  href(code: string): string {
    if (this.command) return `command:${this.command}?${encodeURIComponent(JSON.stringify([code]))}`;
    return `${this.base}/${encodeURIComponent(code)}.md`;
  }
}
