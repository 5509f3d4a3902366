/**
 * Poetry's version constraints in PEP 440 terms: `^1.2.3` (same leftmost non-zero part), `~1.2`
 * (same minor), `1.2.*`, a bare version (exact), `*`, comma-separated clauses and `||` unions.
 * Returns the alternatives (one specifier each), or undefined when the text cannot be read.
 */
import { isValidSpecifier, isValidVersion } from './pep440';

export function poetryConstraint(text: string): string[] | undefined {
  const alternatives: string[] = [];
  for (const alternative of text.split('||')) {
    const clauses: string[] = [];
    for (const raw of alternative.split(/,|\s+(?=[<>=!~^])/)) {
      const clause = raw.trim();
      if (clause === '' || clause === '*') continue;
      const translated = translateClause(clause);
      if (translated === undefined) return undefined;
      clauses.push(translated);
    }
    const specifier = clauses.join(',');
    if (specifier !== '' && !isValidSpecifier(specifier)) return undefined;
    alternatives.push(specifier);
  }
  return alternatives.length > 0 ? alternatives : undefined;
}

function translateClause(clause: string): string | undefined {
  const caret = /^\^\s*(\S+)$/.exec(clause);
  if (caret)
    return range(caret[1], (parts) => {
      const index = parts.findIndex((p) => p !== 0);
      // ^0.0 and ^0 keep the given parts fixed; otherwise the leftmost non-zero part is fixed.
      const keep = index < 0 ? parts.length - 1 : index;
      return bump(parts, keep);
    });
  const tilde = /^~(?!=)\s*(\S+)$/.exec(clause);
  if (tilde) return range(tilde[1], (parts) => bump(parts, parts.length === 1 ? 0 : 1));
  const wildcard = /^(?:==)?\s*(\d+(?:\.\d+)*)\.\*$/.exec(clause);
  if (wildcard) return `==${wildcard[1]}.*`;
  if (/^(~=|===|==|!=|<=|>=|<|>)/.test(clause)) return clause.replace(/\s+/g, '');
  if (isValidVersion(clause)) return `==${clause}`;
  return undefined;
}

function range(version: string, upper: (parts: number[]) => string): string | undefined {
  if (!isValidVersion(version)) return undefined;
  const release = version
    .split(/[^0-9.]/, 1)[0]
    .split('.')
    .filter(Boolean)
    .map(Number);
  if (release.length === 0 || release.some(Number.isNaN)) return undefined;
  return `>=${version},<${upper(release)}`;
}

function bump(parts: number[], index: number): string {
  const next = parts.slice(0, index + 1);
  next[index] += 1;
  return next.join('.');
}
