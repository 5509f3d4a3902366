/**
 * Manifest and lock-file readers: which files are manifests, and what each declares, with the
 * place of every requirement. Broken input becomes a problem with its line; the rest of the file
 * (and of the scan) goes on.
 */
import * as path from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { DeclaredRequirement, ManifestKind, ManifestReport } from './model';
import { isValidVersion, normalizeName, pinnedVersion } from './pep440';
import { poetryConstraint } from './poetry';
import { declaredRequirement, parseRequirement } from './requirement';
import { readRequirementsTxt } from './requirementsTxt';
import { LineIndex } from '../engine/text';
import type { ReadText } from './requirementsTxt';
import { isRecord, locateKey, locateQuoted, parseTomlReporting, sectionEnd, sectionStart } from './tomlText';

/** The manifest kind of a file, by name; undefined for files that are not manifests. */
export function manifestKindOf(file: string): ManifestKind | undefined {
  const base = path.basename(file);
  const lower = base.toLowerCase();
  if (lower === 'pyproject.toml') return 'pyproject';
  if (lower === 'setup.cfg') return 'setup-cfg';
  if (base === 'Pipfile') return 'pipfile';
  if (base === 'Pipfile.lock') return 'pipfile-lock';
  if (lower === 'poetry.lock') return 'poetry-lock';
  if (lower === 'uv.lock') return 'uv-lock';
  if (/^pylock(\.[^.\\/]+)?\.toml$/.test(lower)) return 'pylock';
  if (/^environment[\w.-]*\.ya?ml$/.test(lower)) return 'conda-environment';
  if (/(^|[-_.])(requirements|constraints)([-_.][\w.-]*)?\.(txt|in)$/.test(lower)) return 'requirements';
  if (/\.(txt|in)$/.test(lower) && path.basename(path.dirname(file)).toLowerCase() === 'requirements') return 'requirements';
  return undefined;
}

export function isLockKind(kind: ManifestKind): boolean {
  return kind === 'poetry-lock' || kind === 'uv-lock' || kind === 'pipfile-lock' || kind === 'pylock';
}

export function readManifest(kind: ManifestKind, text: string, file: string, readText: ReadText): ManifestReport {
  switch (kind) {
    case 'requirements':
      return readRequirementsTxt(text, file, readText);
    case 'pyproject':
      return readPyproject(text);
    case 'setup-cfg':
      return readSetupCfg(text);
    case 'pipfile':
      return readPipfile(text);
    case 'conda-environment':
      return readCondaEnvironment(text);
    case 'poetry-lock':
    case 'uv-lock':
    case 'pylock':
      return readTomlLock(kind, text);
    case 'pipfile-lock':
      return readPipfileLock(text);
    case 'notebook':
      return { kind, requirements: [], skipped: [], problems: [] };
  }
}

function emptyReport(kind: ManifestKind): ManifestReport {
  return { kind, requirements: [], skipped: [], problems: [] };
}

let lastLines: LineIndex | undefined;

/** Zero-based line of an offset (the index of the text being read is kept between calls). */
function lineAt(text: string, offset: number): number {
  if (lastLines?.text !== text) lastLines = new LineIndex(text);
  return lastLines.positionAt(offset).line;
}

/**
 * A PEP 508 string found at `start` (offset of its first character in the file): the requirement,
 * or a skipped line / problem.
 */
function pep508At(report: ManifestReport, text: string, value: string, start: number | undefined, locked = false): void {
  const line = start !== undefined ? lineAt(text, start) : undefined;
  const parsed = parseRequirement(value);
  if (!parsed.ok) {
    report.problems.push({ line, message: parsed.message });
    return;
  }
  const v = parsed.value;
  if (v.url !== undefined) {
    report.skipped.push({ line: line ?? 0, reason: `${v.name} comes from a direct URL: its version cannot be known from this file` });
    return;
  }
  const requirement = declaredRequirement(v, text, start, locked);
  report.requirements.push(requirement);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

// ---------------------------------------------------------------------------------------------
// pyproject.toml

function readPyproject(text: string): ManifestReport {
  const report = emptyReport('pyproject');
  const data = parseTomlReporting(text, report.problems);
  if (!data) return report;
  const project = isRecord(data.project) ? data.project : undefined;
  const pep508Lists: { header: string; key?: string; values: string[] }[] = [];
  if (project) {
    pep508Lists.push({ header: 'project', key: 'dependencies', values: stringList(project.dependencies) });
    if (isRecord(project['optional-dependencies'])) {
      for (const [extra, values] of Object.entries(project['optional-dependencies']))
        pep508Lists.push({ header: 'project.optional-dependencies', key: extra, values: stringList(values) });
    }
  }
  if (isRecord(data['dependency-groups'])) {
    for (const [group, values] of Object.entries(data['dependency-groups']))
      pep508Lists.push({ header: 'dependency-groups', key: group, values: stringList(values) });
  }
  for (const list of pep508Lists) {
    const start = sectionStart(text, list.header) ?? 0;
    const end = sectionEnd(text, start);
    let from = (list.key !== undefined ? locateKey(text, list.key, start, end) : undefined) ?? start;
    for (const value of list.values) {
      const at = locateQuoted(text, value, from);
      pep508At(report, text, value, at);
      if (at !== undefined) from = at + value.length;
    }
  }
  const poetry = isRecord(data.tool) && isRecord(data.tool.poetry) ? data.tool.poetry : undefined;
  if (poetry) {
    const tables: { header: string; deps: unknown }[] = [
      { header: 'tool.poetry.dependencies', deps: poetry.dependencies },
      { header: 'tool.poetry.dev-dependencies', deps: poetry['dev-dependencies'] },
    ];
    if (isRecord(poetry.group)) {
      for (const [group, table] of Object.entries(poetry.group)) {
        if (isRecord(table)) tables.push({ header: `tool.poetry.group.${group}.dependencies`, deps: table.dependencies });
      }
    }
    for (const table of tables) if (isRecord(table.deps)) readPoetryTable(report, text, table.header, table.deps);
  }
  return report;
}

function readPoetryTable(report: ManifestReport, text: string, header: string, deps: Record<string, unknown>): void {
  const start = sectionStart(text, header);
  const end = start !== undefined ? sectionEnd(text, start) : text.length;
  for (const [name, value] of Object.entries(deps)) {
    if (normalizeName(name) === 'python') continue;
    const keyAt = start !== undefined ? locateKey(text, name, start, end) : undefined;
    // `[tool.poetry.dependencies.torch]` tables put the constraint in their own section.
    const ownSection = sectionStart(text, `${header}.${name}`);
    const anchor = keyAt ?? ownSection;
    const line = anchor !== undefined ? lineAt(text, anchor) : 0;
    let constraint: string | undefined;
    let extras: string[] = [];
    let marker: string | undefined;
    if (typeof value === 'string') constraint = value;
    else if (isRecord(value)) {
      if (typeof value.git === 'string' || typeof value.path === 'string' || typeof value.url === 'string') {
        report.skipped.push({
          line,
          reason: `${name} comes from a ${typeof value.git === 'string' ? 'git repository' : typeof value.path === 'string' ? 'local path' : 'URL'}: its version cannot be known from this file`,
        });
        continue;
      }
      constraint = typeof value.version === 'string' ? value.version : '*';
      extras = stringList(value.extras);
      if (typeof value.markers === 'string') marker = value.markers;
    } else if (Array.isArray(value)) {
      report.skipped.push({ line, reason: `${name} has several constraints chosen by markers: not checked` });
      continue;
    } else {
      report.problems.push({ line, message: `${name}: a dependency must be a version string or a table` });
      continue;
    }
    const translated = poetryConstraint(constraint);
    if (!translated) {
      report.problems.push({ line, message: `${name}: cannot read the version constraint "${constraint}"` });
      continue;
    }
    const lineEnd = anchor !== undefined ? sectionEnd(text, anchor) : text.length;
    const valueAt = anchor !== undefined ? locateQuoted(text, constraint, anchor) : undefined;
    const span =
      anchor !== undefined
        ? { start: anchor, end: Math.min(text.indexOf('\n', anchor) < 0 ? text.length : text.indexOf('\n', anchor), lineEnd) }
        : { start: 0, end: 0 };
    const requirement: DeclaredRequirement = {
      name,
      normalized: normalizeName(name),
      specifier: translated.length === 1 ? translated[0] : '',
      alternatives: translated.length > 1 ? translated : undefined,
      pinned: translated.length === 1 ? pinnedVersion(translated[0]) : undefined,
      extras,
      marker,
      span,
      style: 'poetry',
      locked: false,
    };
    if (valueAt !== undefined && valueAt < lineEnd) {
      requirement.constraintSpan = { start: valueAt, end: valueAt + constraint.length };
      requirement.constraintText = constraint;
    }
    report.requirements.push(requirement);
  }
}

// ---------------------------------------------------------------------------------------------
// Pipfile (TOML; values are PEP 440 specifiers or "*")

function readPipfile(text: string): ManifestReport {
  const report = emptyReport('pipfile');
  const data = parseTomlReporting(text, report.problems);
  if (!data) return report;
  for (const header of ['packages', 'dev-packages']) {
    const table = data[header];
    if (!isRecord(table)) continue;
    const start = sectionStart(text, header);
    const end = start !== undefined ? sectionEnd(text, start) : text.length;
    for (const [name, value] of Object.entries(table)) {
      const keyAt = start !== undefined ? locateKey(text, name, start, end) : undefined;
      const line = keyAt !== undefined ? lineAt(text, keyAt) : 0;
      let constraint: string;
      let extras: string[] = [];
      let marker: string | undefined;
      if (typeof value === 'string') constraint = value;
      else if (isRecord(value)) {
        if (typeof value.git === 'string' || typeof value.path === 'string' || typeof value.file === 'string') {
          report.skipped.push({
            line,
            reason: `${name} comes from a repository, path or file: its version cannot be known from this file`,
          });
          continue;
        }
        constraint = typeof value.version === 'string' ? value.version : '*';
        extras = stringList(value.extras);
        if (typeof value.markers === 'string') marker = value.markers;
      } else {
        report.problems.push({ line, message: `${name}: a package must be a version string or a table` });
        continue;
      }
      const specifier = constraint.trim() === '*' ? '' : constraint.replace(/\s+/g, '');
      const parsed = parseRequirement(`${name}${specifier}`);
      if (!parsed.ok) {
        report.problems.push({ line, message: parsed.message });
        continue;
      }
      const lineEndAt = keyAt !== undefined ? (text.indexOf('\n', keyAt) < 0 ? text.length : text.indexOf('\n', keyAt)) : 0;
      const valueAt = keyAt !== undefined ? locateQuoted(text, constraint, keyAt) : undefined;
      const requirement: DeclaredRequirement = {
        name,
        normalized: normalizeName(name),
        specifier,
        pinned: pinnedVersion(specifier),
        extras,
        marker,
        span: keyAt !== undefined ? { start: keyAt, end: lineEndAt } : { start: 0, end: 0 },
        style: 'pep440',
        locked: false,
      };
      if (valueAt !== undefined && valueAt <= lineEndAt) {
        requirement.constraintSpan = { start: valueAt, end: valueAt + constraint.length };
        requirement.constraintText = constraint;
      }
      report.requirements.push(requirement);
    }
  }
  return report;
}

// ---------------------------------------------------------------------------------------------
// setup.cfg: [options] install_requires and [options.extras_require], one requirement a line

function readSetupCfg(text: string): ManifestReport {
  const report = emptyReport('setup-cfg');
  const lines = text.split('\n');
  let section = '';
  let collecting = false;
  let offset = 0;
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index];
    const lineStart = offset;
    offset += raw.length + 1;
    const line = raw.replace(/\r$/, '');
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      section = header[1].trim();
      collecting = false;
      continue;
    }
    if (/^\s*[#;]/.test(line) || line.trim() === '') continue;
    const indented = /^\s/.test(line);
    const keyMatch = !indented ? /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line) : null;
    if (keyMatch) {
      const key = keyMatch[1].trim();
      collecting = (section === 'options' && key === 'install_requires') || section === 'options.extras_require';
      // A requirement may follow the key on its own line (`install_requires = torch>=2`).
      const rest = keyMatch[2];
      if (collecting && rest.trim() !== '')
        addCfgRequirement(report, text, lineStart + line.indexOf(rest) + (rest.length - rest.trimStart().length), rest.trim(), index);
      continue;
    }
    if (collecting && indented) addCfgRequirement(report, text, lineStart + (line.length - line.trimStart().length), line.trim(), index);
  }
  return report;
}

function addCfgRequirement(report: ManifestReport, text: string, start: number, value: string, line: number): void {
  const comment = /\s#/.exec(value);
  const requirement = (comment ? value.slice(0, comment.index) : value).trim();
  if (!requirement) return;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(requirement)) {
    report.skipped.push({ line, reason: 'a URL: its version cannot be known from this file' });
    return;
  }
  pep508At(report, text, requirement, start);
}

// ---------------------------------------------------------------------------------------------
// environment.yml: the `pip:` list of the dependencies (conda packages are not PyPI names)

function readCondaEnvironment(text: string): ManifestReport {
  const report = emptyReport('conda-environment');
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false });
  for (const error of doc.errors)
    report.problems.push({ line: counter.linePos(error.pos[0]).line - 1, message: `invalid YAML: ${error.message.split('\n')[0]}` });
  if (doc.errors.length > 0) return report;
  const root = doc.contents;
  if (!isMap(root)) return report;
  const deps = root.get('dependencies', true);
  if (!isSeq(deps)) return report;
  for (const item of deps.items) {
    if (!isMap(item)) continue;
    const pip = item.get('pip', true);
    if (!isSeq(pip)) continue;
    for (const entry of pip.items) {
      if (!isScalar(entry) || typeof entry.value !== 'string' || !entry.range) continue;
      const value = entry.value;
      const start = entry.range[0];
      const quoted = text[start] === '"' || text[start] === "'";
      const line = counter.linePos(start).line - 1;
      if (value.trim().startsWith('-')) {
        report.skipped.push({ line, reason: `pip option ${value.trim().split(/\s/)[0]} is not a requirement` });
        continue;
      }
      if (/^(?:[a-z][a-z0-9+.-]*:\/\/|git\+|\.{0,2}\/)/i.test(value.trim())) {
        report.skipped.push({ line, reason: 'a URL or path: its version cannot be known from this file' });
        continue;
      }
      pep508At(report, text, value, quoted ? start + 1 : start);
    }
  }
  return report;
}

// ---------------------------------------------------------------------------------------------
// Locks: poetry.lock, uv.lock, pylock.toml ([[package]] / [[packages]] with name and version)

function readTomlLock(kind: 'poetry-lock' | 'uv-lock' | 'pylock', text: string): ManifestReport {
  const report = emptyReport(kind);
  const data = parseTomlReporting(text, report.problems);
  if (!data) return report;
  const key = kind === 'pylock' ? 'packages' : 'package';
  const packages = Array.isArray(data[key]) ? (data[key] as unknown[]) : [];
  const header = new RegExp(`^[ \\t]*\\[\\[${key}\\]\\]`, 'gm');
  const starts: number[] = [];
  for (let m = header.exec(text); m; m = header.exec(text)) starts.push(m.index);
  packages.forEach((entry, i) => {
    if (!isRecord(entry) || typeof entry.name !== 'string') return;
    const start = starts[i] ?? 0;
    const end = starts[i + 1] ?? text.length;
    const nameKey = locateKey(text, 'name', start, end) ?? start;
    const line = lineAt(text, nameKey);
    const source = isRecord(entry.source) ? entry.source : undefined;
    if (
      kind === 'uv-lock' &&
      source &&
      (source.editable !== undefined || source.virtual !== undefined || source.path !== undefined || source.directory !== undefined)
    )
      return;
    if (typeof entry.version !== 'string') {
      if (kind !== 'uv-lock') report.skipped.push({ line, reason: `${entry.name} has no version in the lock` });
      return;
    }
    const version = entry.version;
    if (!isValidVersion(version)) {
      report.problems.push({ line, message: `${entry.name}: "${version}" is not a PEP 440 version` });
      return;
    }
    const versionKey = locateKey(text, 'version', start, end);
    const valueAt = versionKey !== undefined ? locateQuoted(text, version, versionKey, end) : undefined;
    const lineEndOf = (at: number) => (text.indexOf('\n', at) < 0 ? text.length : text.indexOf('\n', at));
    report.requirements.push({
      name: entry.name,
      normalized: normalizeName(entry.name),
      specifier: `==${version}`,
      pinned: version,
      extras: [],
      span: valueAt !== undefined ? { start: versionKey!, end: lineEndOf(versionKey!) } : { start: nameKey, end: lineEndOf(nameKey) },
      style: 'pep440',
      locked: true,
    });
  });
  return report;
}

function readPipfileLock(text: string): ManifestReport {
  const report = emptyReport('pipfile-lock');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    report.problems.push({ line: position ? lineAt(text, Number(position[1])) : undefined, message: `invalid JSON: ${message}` });
    return report;
  }
  if (!isRecord(data)) {
    report.problems.push({ message: 'a Pipfile.lock must hold a JSON object' });
    return report;
  }
  for (const group of ['default', 'develop']) {
    const table = data[group];
    if (!isRecord(table)) continue;
    const groupAt = text.indexOf(`"${group}"`);
    let from = groupAt < 0 ? 0 : groupAt;
    for (const [name, value] of Object.entries(table)) {
      const keyAt = text.indexOf(`"${name}"`, from);
      if (keyAt >= 0) from = keyAt + name.length;
      const line = keyAt >= 0 ? lineAt(text, keyAt) : 0;
      if (!isRecord(value)) continue;
      if (typeof value.version !== 'string') {
        report.skipped.push({ line, reason: `${name} has no version in the lock (a VCS, path or file source)` });
        continue;
      }
      const pinned = pinnedVersion(value.version);
      if (!pinned) {
        report.problems.push({ line, message: `${name}: "${value.version}" is not a pinned version` });
        continue;
      }
      const lineEnd = keyAt >= 0 ? (text.indexOf('\n', keyAt) < 0 ? text.length : text.indexOf('\n', keyAt)) : 0;
      report.requirements.push({
        name,
        normalized: normalizeName(name),
        specifier: value.version,
        pinned,
        extras: [],
        span: keyAt >= 0 ? { start: keyAt, end: lineEnd } : { start: 0, end: 0 },
        style: 'pep440',
        locked: true,
      });
    }
  }
  return report;
}
