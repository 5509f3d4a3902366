/**
 * Unified diffs of a file before and after fixes, for `mlsec scan --diff`. The line diff is
 * Myers' O(ND) algorithm after the common head and tail are set aside: fixes change a few lines
 * of a file, so D is small and the diff is fast on large files. Written here because no runtime
 * dependency of the project diffs text, and it is short.
 */

type Op = { kind: ' ' | '-' | '+'; line: string };

/** Past this many changed lines, the diff is one hunk replacing everything (bounded work and memory). */
const MAX_EDITS = 4000;

/**
 * The shortest edit script turning `a` into `b`, as kept, removed and added lines. The trace of
 * each step keeps only the diagonals that step reached, so memory is O(D²), not O(D·(N+M)).
 */
export function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const kept = (from: readonly string[], start: number, end: number): Op[] => from.slice(start, end).map((line) => ({ kind: ' ', line }));
  const middle = middleScript(a.slice(head, a.length - tail), b.slice(head, b.length - tail));
  return [...kept(a, 0, head), ...middle, ...kept(a, a.length - tail, a.length)];
}

function middleScript(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_EDITS);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d][k + d + 1] is v[k] before step d, for k in -d-1..d+1.
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  if (!found) return [...a.map((line): Op => ({ kind: '-', line })), ...b.map((line): Op => ({ kind: '+', line }))];
  // Walk the trace back from the end to recover the script.
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const at = (k: number) => trace[d][k + d + 1];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    // At d = 0 the path is one diagonal from the origin.
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      ops.push({ kind: ' ', line: a[x] });
    }
    if (d === 0) break;
    if (x === prevX) ops.push({ kind: '+', line: b[--y] });
    else ops.push({ kind: '-', line: a[--x] });
  }
  return ops.reverse();
}

/** Splits text into lines keeping each line's ending, so that line endings show in the diff. */
function splitLines(text: string): string[] {
  return text.length === 0 ? [] : text.split(/(?<=\n)/);
}

/** A unified diff (`--- a/x`, `+++ b/x`, hunks with `context` lines around changes); '' when equal. */
export function unifiedDiff(name: string, before: string, after: string, context = 3): string {
  if (before === after) return '';
  const ops = diffLines(splitLines(before), splitLines(after));
  const out = [`--- a/${name}\n`, `+++ b/${name}\n`];
  let i = 0;
  while (i < ops.length) {
    while (i < ops.length && ops[i].kind === ' ') i++;
    if (i >= ops.length) break;
    // A hunk: from `context` lines before this change to `context` lines after the last change
    // that is at most 2 * context lines from the previous one.
    const start = Math.max(0, i - context);
    let end = i;
    for (let j = i; j < ops.length; j++) {
      if (ops[j].kind !== ' ') end = j;
      else if (j - end > 2 * context) break;
    }
    const stop = Math.min(ops.length, end + context + 1);
    let oldLine = 1;
    let newLine = 1;
    for (let j = 0; j < start; j++) {
      if (ops[j].kind !== '+') oldLine++;
      if (ops[j].kind !== '-') newLine++;
    }
    const slice = ops.slice(start, stop);
    const oldCount = slice.filter((op) => op.kind !== '+').length;
    const newCount = slice.filter((op) => op.kind !== '-').length;
    out.push(`@@ -${oldCount === 0 ? oldLine - 1 : oldLine},${oldCount} +${newCount === 0 ? newLine - 1 : newLine},${newCount} @@\n`);
    for (const op of slice) {
      const line = op.line.endsWith('\n') ? op.line : `${op.line}\n\\ No newline at end of file\n`;
      out.push(op.kind + line);
    }
    i = stop;
  }
  return out.join('');
}
