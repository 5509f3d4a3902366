/**
 * One PEP 508 requirement (`name[extra1,extra2] >=1.0,<2 ; python_version < "3.12"`), with the
 * offsets of its parts so that a fix can rewrite only the version constraint. Written by hand
 * because no maintained JavaScript PEP 508 parser exists and the grammar needed is small: name,
 * extras, a specifier (optionally in parentheses), a marker, or a direct URL (`name @ url`).
 */
import type { DeclaredRequirement } from './model';
import { isValidSpecifier, normalizeName, pinnedVersion } from './pep440';

export interface ParsedRequirement {
  name: string;
  extras: string[];
  specifier: string;
  /** Offsets relative to the parsed text. */
  nameStart: number;
  nameEnd: number;
  /** After the extras' closing bracket (or the name). */
  afterName: number;
  specStart?: number;
  specEnd?: number;
  marker?: string;
  url?: string;
  end: number;
}

export type RequirementParse = { ok: true; value: ParsedRequirement } | { ok: false; message: string };

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/;

/** Parses a requirement; `text` must hold nothing else (comments and options already removed). */
export function parseRequirement(text: string): RequirementParse {
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  skipSpace();
  const nameMatch = NAME.exec(text.slice(i));
  if (!nameMatch) return { ok: false, message: `not a requirement: "${text.trim()}"` };
  const nameStart = i;
  const name = nameMatch[0];
  i += name.length;
  const nameEnd = i;
  skipSpace();
  const extras: string[] = [];
  if (text[i] === '[') {
    const close = text.indexOf(']', i);
    if (close < 0) return { ok: false, message: `unclosed "[" in "${text.trim()}"` };
    for (const extra of text.slice(i + 1, close).split(',')) if (extra.trim()) extras.push(extra.trim());
    i = close + 1;
  }
  const afterName = i;
  skipSpace();
  if (text[i] === '@') {
    const rest = text.slice(i + 1);
    const semi = rest.search(/\s;/);
    const url = (semi >= 0 ? rest.slice(0, semi) : rest).trim();
    const marker = semi >= 0 ? rest.slice(semi + 2).trim() : undefined;
    return { ok: true, value: { name, extras, specifier: '', nameStart, nameEnd, afterName, url, marker, end: text.length } };
  }
  const semicolon = text.indexOf(';', i);
  const specPart = semicolon >= 0 ? text.slice(i, semicolon) : text.slice(i);
  const marker = semicolon >= 0 ? text.slice(semicolon + 1).trim() : undefined;
  let specStart = i;
  let specText = specPart;
  const trimmedStart = specText.length - specText.trimStart().length;
  specStart += trimmedStart;
  specText = specText.trim();
  if (specText.startsWith('(') && specText.endsWith(')')) {
    specText = specText.slice(1, -1);
    specStart += 1;
    const inner = specText.length - specText.trimStart().length;
    specStart += inner;
    specText = specText.trim();
  }
  const specifier = specText.replace(/\s+/g, '');
  if (specifier !== '' && !isValidSpecifier(specifier))
    return { ok: false, message: `invalid version specifier "${specText}" for ${name}` };
  const value: ParsedRequirement = { name, extras, specifier, nameStart, nameEnd, afterName, marker, end: text.trimEnd().length };
  if (specText !== '') {
    value.specStart = specStart;
    value.specEnd = specStart + specText.length;
  }
  return { ok: true, value };
}

/**
 * The declared requirement of a parsed PEP 508 string written at offset `base` of `text` (the
 * file or notebook cell): its spans for the underline and the fix. Without `base` (a value whose
 * place in the file is not known) it has no spans to edit.
 */
export function declaredRequirement(value: ParsedRequirement, text: string, base: number | undefined, locked = false): DeclaredRequirement {
  const requirement: DeclaredRequirement = {
    name: value.name,
    normalized: normalizeName(value.name),
    specifier: value.specifier,
    pinned: pinnedVersion(value.specifier),
    extras: value.extras,
    marker: value.marker,
    span: base !== undefined ? { start: base + value.nameStart, end: base + value.end } : { start: 0, end: 0 },
    insertAt: base !== undefined ? base + value.afterName : undefined,
    style: 'pep440',
    locked,
  };
  if (base !== undefined && value.specStart !== undefined && value.specEnd !== undefined) {
    requirement.constraintSpan = { start: base + value.specStart, end: base + value.specEnd };
    requirement.constraintText = text.slice(requirement.constraintSpan.start, requirement.constraintSpan.end);
  }
  return requirement;
}
