/**
 * Finding where a value parsed by smol-toml is written: the parser gives values, not positions,
 * so the text is searched for the quoted string (in order, from the section it belongs to).
 */
import { TomlError, parse as parseToml } from 'smol-toml';
import type { ManifestProblem } from './model';

export function parseTomlReporting(text: string, problems: ManifestProblem[]): Record<string, unknown> | undefined {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      problems.push({
        line: error.line - 1,
        message: `invalid TOML at line ${error.line}, column ${error.column}: ${error.message.split('\n')[0]}`,
      });
    } else {
      problems.push({ message: `invalid TOML: ${error instanceof Error ? error.message : String(error)}` });
    }
    return undefined;
  }
}

/**
 * The offset where the content of the quoted string `value` starts, at or after `from` (and, with
 * `to`, ending before it: a lock's entry is searched within its own table, not to the end of a
 * file of thousands of entries for each).
 */
export function locateQuoted(text: string, value: string, from = 0, to = text.length): number | undefined {
  const within = to < text.length ? text.slice(0, to) : text;
  let best: number | undefined;
  for (const quote of ['"', "'"]) {
    const at = within.indexOf(quote + value + quote, from);
    if (at >= 0 && (best === undefined || at + 1 < best)) best = at + 1;
  }
  return best;
}

/** Offset of the line after a `[header]` line matching the dotted names, or undefined. */
export function sectionStart(text: string, header: string): number | undefined {
  const escaped = header
    .split('.')
    .map((part) => `\\s*(?:"${escapeRegex(part)}"|'${escapeRegex(part)}'|${escapeRegex(part)})\\s*`)
    .join('\\.');
  const match = new RegExp(`^[ \\t]*\\[${escaped}\\][ \\t]*(?:#.*)?$`, 'm').exec(text);
  return match ? match.index + match[0].length : undefined;
}

/** Where the section beginning at `start` ends: the next header line, or the end of the text. */
export function sectionEnd(text: string, start: number): number {
  const next = /^[ \t]*\[/m.exec(text.slice(start));
  return next ? start + next.index : text.length;
}

/** Offset of `key =` at the start of a line within [start, end). */
export function locateKey(text: string, key: string, start: number, end: number): number | undefined {
  const re = new RegExp(`^[ \\t]*(?:"${escapeRegex(key)}"|'${escapeRegex(key)}'|${escapeRegex(key)})[ \\t]*=`, 'gm');
  re.lastIndex = start;
  const match = re.exec(text);
  return match && match.index < end ? match.index + (match[0].length - match[0].trimStart().length) : undefined;
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
