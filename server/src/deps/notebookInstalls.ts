/**
 * `!pip install …` / `%pip install …` lines in notebook cells (also `!python -m pip install`,
 * `!uv pip install`, `%conda`/`!conda` are not PyPI and are ignored): each argument that is not
 * an option is a requirement, with its span inside the cell.
 */
import type { NotebookCell } from '../engine/io/notebook';
import type { ManifestReport } from './model';
import { declaredRequirement, parseRequirement } from './requirement';

const INSTALL = /^[ \t]*(?:!|%)\s*(?:(?:python3?|py)\s+-m\s+)?(?:uv\s+)?pip3?\s+install\b/;
/** Options whose value is the next argument. */
const WITH_VALUE = new Set([
  '-r',
  '--requirement',
  '-c',
  '--constraint',
  '-e',
  '--editable',
  '-i',
  '--index-url',
  '--extra-index-url',
  '-f',
  '--find-links',
  '-t',
  '--target',
  '--trusted-host',
  '--prefix',
  '--root',
  '--python',
]);

export function readNotebookInstalls(cells: readonly NotebookCell[]): ManifestReport {
  const report: ManifestReport = { kind: 'notebook', requirements: [], skipped: [], problems: [] };
  for (const cell of cells) {
    let offset = 0;
    const lines = cell.text.split('\n');
    lines.forEach((line, lineNumber) => {
      const lineStart = offset;
      offset += line.length + 1;
      const match = INSTALL.exec(line);
      if (!match) return;
      let skipNext = false;
      for (const token of tokens(line, match[0].length)) {
        if (skipNext) {
          skipNext = false;
          continue;
        }
        if (token.text.startsWith('-')) {
          if (WITH_VALUE.has(token.text)) skipNext = true;
          continue;
        }
        if (
          /^[{$]/.test(token.text) ||
          /^(?:[a-z][a-z0-9+.-]*:\/\/|git\+|\.{0,2}\/)/i.test(token.text) ||
          /\.(?:whl|tar\.gz|zip)$/i.test(token.text)
        ) {
          report.skipped.push({ line: lineNumber, reason: `${token.text}: a URL, path or variable, whose version cannot be known` });
          continue;
        }
        const parsed = parseRequirement(token.text);
        if (!parsed.ok || parsed.value.url !== undefined) continue;
        const v = parsed.value;
        const requirement = declaredRequirement(v, cell.text, lineStart + token.start);
        requirement.cell = cell.index;
        report.requirements.push(requirement);
      }
    });
  }
  return report;
}

/** Shell-like words after `from`: quotes group (and are not part of the word's span). */
function tokens(line: string, from: number): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
  let i = from;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length || line[i] === '#') break;
    const quote = line[i] === '"' || line[i] === "'" ? line[i] : undefined;
    if (quote) {
      const close = line.indexOf(quote, i + 1);
      const end = close < 0 ? line.length : close;
      out.push({ text: line.slice(i + 1, end), start: i + 1 });
      i = end + 1;
    } else {
      const start = i;
      while (i < line.length && !/\s/.test(line[i])) i++;
      out.push({ text: line.slice(start, i), start });
    }
  }
  return out;
}
