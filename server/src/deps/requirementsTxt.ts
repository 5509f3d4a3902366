/**
 * pip requirements files (`requirements*.txt`, `*.in`, `constraints*.txt`): comments, line
 * continuations, options, `-r`/`-c` includes relative to the file (with cycle protection and a
 * depth limit), hashes, markers, extras; URLs, paths and editable installs are recognised and
 * skipped with a reason. Offsets are kept: a continuation `\` + newline is blanked to spaces of
 * the same length, so a logical line's offsets are offsets in the file.
 */
import * as path from 'node:path';
import type { ManifestProblem, ManifestReport, SkippedLine } from './model';
import { normalizeName, pinnedVersion } from './pep440';
import { declaredRequirement, parseRequirement } from './requirement';
import { LineIndex } from '../engine/text';

/** Reads an included file; returns undefined with a reason when it cannot. */
export type ReadText = (file: string) => { text: string } | { error: string };

const MAX_INCLUDE_DEPTH = 8;

/** Options that take a value, and what the line then is. */
const VALUE_OPTIONS = new Set([
  '-i',
  '--index-url',
  '--extra-index-url',
  '-f',
  '--find-links',
  '--trusted-host',
  '--no-binary',
  '--only-binary',
  '--use-feature',
  '--config-settings',
  '--global-option',
  '--progress-bar',
]);
const FLAG_OPTIONS = new Set(['--pre', '--prefer-binary', '--require-hashes', '--no-index']);

export function readRequirementsTxt(text: string, file: string, readText: ReadText): ManifestReport {
  const report: ManifestReport = { kind: 'requirements', requirements: [], skipped: [], problems: [], constraints: new Map() };
  const visited = new Set([path.resolve(file)]);
  parseInto(text, file, report, readText, visited, 0, true);
  return report;
}

/**
 * `own` is false for included files: their pins are gathered (a `-c` constraint pins what is
 * installed), their requirements are reported where they are written, when that file is scanned.
 */
function parseInto(
  text: string,
  file: string,
  report: ManifestReport,
  readText: ReadText,
  visited: Set<string>,
  depth: number,
  own: boolean,
): void {
  const logical = text.replace(/\\\r?\n/g, (m) => ' '.repeat(m.length));
  const lines = new LineIndex(text);
  let offset = 0;
  for (const raw of logical.split('\n')) {
    const lineStart = offset;
    offset += raw.length + 1;
    const line = lines.positionAt(lineStart).line;
    const withoutComment = stripComment(raw).replace(/\r$/, '');
    if (withoutComment.trim() === '') continue;
    const trimmed = withoutComment.trim();
    const lead = withoutComment.length - withoutComment.trimStart().length;
    if (trimmed.startsWith('-')) {
      handleOption(trimmed, file, line, report, readText, visited, depth, own);
      continue;
    }
    const skip = (reason: string) => {
      if (own) report.skipped.push({ line, reason });
    };
    // A requirement may carry per-requirement options: `--hash=sha256:…`, `--config-settings`.
    const optionAt = trimmed.search(/\s--?[A-Za-z]/);
    const requirementText = optionAt >= 0 ? trimmed.slice(0, optionAt) : trimmed;
    const options = optionAt >= 0 ? trimmed.slice(optionAt) : '';
    if (/^(?:[a-z][a-z0-9+.-]*:\/\/|git\+|hg\+|svn\+|bzr\+|file:)/i.test(requirementText)) {
      skip('a URL, not a name and version: the version installed cannot be known from this file');
      continue;
    }
    if (
      /^(?:\.{1,2}[\\/]|[\\/]|~)/.test(requirementText) ||
      (!requirementText.includes('@') && /\.(?:whl|tar\.gz|zip)$/i.test(requirementText))
    ) {
      skip('a local path or archive: the version installed cannot be known from this file');
      continue;
    }
    const parsed = parseRequirement(requirementText);
    if (!parsed.ok) {
      if (own) report.problems.push({ line, message: parsed.message });
      continue;
    }
    const value = parsed.value;
    if (value.url !== undefined) {
      skip(`${value.name} comes from a direct URL (${value.url}): its version cannot be known from this file`);
      continue;
    }
    const normalized = normalizeName(value.name);
    const pinned = pinnedVersion(value.specifier);
    if (!own) {
      // What an included file pins governs this file's ranges too (pip installs one version).
      if (pinned) report.constraints?.set(normalized, pinned);
      continue;
    }
    const requirement = declaredRequirement(value, text, lineStart + lead);
    if (/--hash[=\s]/.test(options)) requirement.hashed = true;
    report.requirements.push(requirement);
  }
}

/** pip: a `#` at the start of a line or after whitespace starts a comment. */
function stripComment(line: string): string {
  const match = /(^|\s)#/.exec(line);
  return match ? line.slice(0, match.index) : line;
}

function handleOption(
  trimmed: string,
  file: string,
  line: number,
  report: ManifestReport,
  readText: ReadText,
  visited: Set<string>,
  depth: number,
  own: boolean,
): void {
  const match = /^(-r|--requirement|-c|--constraint|-e|--editable)(?:\s*=\s*|\s+|(?=\S))(.*)$/.exec(trimmed);
  const skipped: SkippedLine[] = own ? report.skipped : [];
  if (match) {
    const [, option, argument] = match;
    if (option === '-e' || option === '--editable') {
      skipped.push({
        line,
        reason: 'an editable install: it is built from a local or VCS source, whose version cannot be known from this file',
      });
      return;
    }
    const target = argument.trim();
    if (!target) {
      if (own) report.problems.push({ line, message: `${option} needs a file name` });
      return;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
      skipped.push({ line, reason: `${option} ${target}: included files are read from disk only, never fetched` });
      return;
    }
    const resolved = path.resolve(path.dirname(file), target);
    if (visited.has(resolved)) {
      if (own) report.problems.push({ line, message: `${option} ${target} includes a file already being read (a cycle): ignored` });
      return;
    }
    if (depth >= MAX_INCLUDE_DEPTH) {
      if (own)
        report.problems.push({
          line,
          message: `${option} ${target}: includes nested deeper than ${MAX_INCLUDE_DEPTH} levels are not followed`,
        });
      return;
    }
    const read = readText(resolved);
    if ('error' in read) {
      const problem: ManifestProblem = { line, message: `cannot read ${option} ${target}: ${read.error}` };
      if (own) report.problems.push(problem);
      return;
    }
    visited.add(resolved);
    parseInto(read.text, resolved, report, readText, visited, depth + 1, false);
    visited.delete(resolved);
    return;
  }
  const name = trimmed.split(/[\s=]/, 1)[0];
  if (VALUE_OPTIONS.has(name) || FLAG_OPTIONS.has(name)) return;
  skipped.push({ line, reason: `option ${name} is not a requirement` });
}
