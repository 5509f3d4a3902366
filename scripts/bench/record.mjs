// @ts-check
// `npm run bench -- --record`: the run's figures go into docs/results.md as a dated section,
// one per day and corpus (a second run the same day replaces the first), newest first, under
// "## Recorded runs". Each section is fenced by HTML comments naming its key, so the prose
// around the sections is never touched.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export const RECORDED_HEADING = '## Recorded runs';

/** @param {string} key */
const begin = (key) => `<!-- bench:record ${key} -->`;
const END = '<!-- /bench:record -->';

/**
 * The text with `section` under the key `key`: in place of the section with that key, or else
 * as the first section under the recorded-runs heading, after its prose (the heading is added
 * at the end when missing).
 * @param {string} text
 * @param {string} key  a date and a corpus name, e.g. `2026-12-06 stdlib` (no `-->`)
 * @param {string} section  Markdown, without the fences
 * @returns {string}
 */
export function withSection(text, key, section) {
  if (key.includes('-->') || key.includes('\n')) throw new Error(`bench: a record key cannot hold "-->" or a line break: ${key}`);
  const fenced = `${begin(key)}\n${section.trim()}\n${END}\n`;
  const start = text.indexOf(begin(key));
  if (start >= 0) {
    const end = text.indexOf(END, start);
    if (end < 0) throw new Error(`bench: the section "${key}" has no end marker (${END})`);
    let after = end + END.length;
    if (text[after] === '\n') after++;
    return text.slice(0, start) + fenced + text.slice(after);
  }
  const heading = text.indexOf(`\n${RECORDED_HEADING}\n`);
  if (heading < 0) return `${text.trimEnd()}\n\n${RECORDED_HEADING}\n\n${fenced}`;
  // Newest first: before the first recorded section, after any prose under the heading.
  const newest = text.indexOf('<!-- bench:record ', heading);
  if (newest < 0) return `${text.trimEnd()}\n\n${fenced}`;
  return `${text.slice(0, newest)}${fenced}\n${text.slice(newest)}`;
}

/**
 * Writes the section into `file` (created when missing).
 * @param {string} file
 * @param {string} key
 * @param {string} section
 */
export function recordSection(file, key, section) {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Performance results\n';
  writeFileSync(file, withSection(text, key, section));
}

/**
 * A Markdown table from rows of cells (the first row is the header; columns after the first two
 * are right-aligned numbers).
 * @param {(string | number)[][]} rows
 * @returns {string}
 */
export function markdownTable(rows) {
  const [header, ...body] = rows;
  const cells = (/** @type {(string | number)[]} */ row) => `| ${row.map((c) => String(c).replaceAll('|', '\\|')).join(' | ')} |`;
  const rule = `|${header.map((_, i) => (i < 2 ? '---|' : '---:|')).join('')}`;
  return [cells(header), rule, ...body.map(cells)].join('\n');
}
