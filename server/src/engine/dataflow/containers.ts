/**
 * Containers filled after they are made: `results.append(probs)`, `batch.extend(rows)`,
 * `seen.add(x)`, `out.update(data)`, `out.insert(0, x)` and `out["key"] = x`. flow.ts gives a
 * local name what such a mutation put in it, from the mutation on (in text order, within the
 * scope the name is bound in), as it does for an assignment (docs/dataflow.md). Triton's
 * `responses.append(pb_utils.InferenceResponse(...))` followed by `return responses` is the case
 * that made it needed.
 *
 * Only a bare local name is a container here: `self.results.append(x)` fills an object's field,
 * which the analysis does not follow across methods, and `obj[k].append(x)` an element.
 *
 * A mutation is found where its name is written followed by one of the methods, or at the start
 * of a statement followed by `[` (`mayMutate`), and then checked in the tree; reach.ts's
 * closures pass a carrying line's data to the names it mutates the same way (`mutatedNames`), a
 * superset of what the tree check accepts.
 */
import type { Node } from '../parser';
import type { SemanticModel } from '../semantic';
import type { SourceKind } from './flow';
import { isBlank, isIdentifierChar } from '../textScan';
import { wordOffsets } from './textWords';

/**
 * The source kinds followed into containers: request data and raw scores, what serving handlers
 * collect into lists and dicts. Not UI input, LLM answers or the command line: in a Gradio app
 * built in one giant function (h2oGPT's `gradio_runner.py`), lists filled with UI values made the
 * UI closure cover most of the file (given up, so the file was parsed whole), for flows the
 * serving frameworks do not have.
 */
export const CONTAINER_KINDS: ReadonlySet<SourceKind> = new Set<SourceKind>(['request', 'confidence']);

/** Methods that put their arguments into their receiver. */
export const MUTATING_METHODS = ['append', 'extend', 'add', 'update', 'insert'];
const MUTATING = new Set(MUTATING_METHODS);

/** `name.append(`: a name followed by one of the methods and its parenthesis. */
const METHOD_CALL = new RegExp(String.raw`(?<![\w.])([A-Za-z_]\w*)\s*\.\s*(?:${MUTATING_METHODS.join('|')})\s*\(`, 'g');

/** A mutation of a local name: where it is written and the values it puts in. */
export interface Mutation {
  /** Offset of the name being mutated. */
  at: number;
  values: Node[];
}

const memos = new WeakMap<SemanticModel, Map<string, Mutation[]>>();

/**
 * True when the occurrence of `name` at `at` may be a mutation (read from the text, the tree
 * decides): followed by `.append(` or another of MUTATING_METHODS, or starting a statement (after
 * a line break, indentation or `;`) and followed by `[`. No pass over the whole text: only the
 * occurrences of the names the analysis asks about are read.
 */
function mayMutate(text: string, at: number, name: string): boolean {
  let k = at + name.length;
  while (k < text.length && isBlank(text.charCodeAt(k))) k++;
  const c = text.charCodeAt(k);
  if (c === 46) {
    k++;
    while (k < text.length && isBlank(text.charCodeAt(k))) k++;
    let end = k;
    while (end < text.length && isIdentifierChar(text.charCodeAt(end))) end++;
    if (!MUTATING.has(text.slice(k, end))) return false;
    while (end < text.length && isBlank(text.charCodeAt(end))) end++;
    return text.charCodeAt(end) === 40;
  }
  if (c !== 91) return false;
  let b = at - 1;
  while (b >= 0 && (text.charCodeAt(b) === 32 || text.charCodeAt(b) === 9)) b--;
  return b < 0 || text.charCodeAt(b) === 10 || text.charCodeAt(b) === 13 || text.charCodeAt(b) === 59;
}

/**
 * Every mutation of `name` in the file (whichever binding it mutates), in document order: a call
 * `name.append(...)` (any of MUTATING_METHODS) and an item assignment `name[...] = value` as a
 * statement of its own.
 */
export function mutationsOf(model: SemanticModel, name: string): readonly Mutation[] {
  let sites = memos.get(model);
  if (!sites) memos.set(model, (sites = new Map()));
  const known = sites.get(name);
  if (known) return known;
  const found: Mutation[] = [];
  const root = model.tree.rootNode;
  for (const at of wordOffsets(model.text, name)) {
    if (!mayMutate(model.text, at, name)) continue;
    const id = root.descendantForIndex(at, at + name.length);
    if (id?.type !== 'identifier' || id.startIndex !== at || id.endIndex !== at + name.length) continue;
    const parent = id.parent;
    if (parent?.type === 'attribute' && parent.childForFieldName('object')?.id === id.id) {
      const call = parent.parent;
      if (!MUTATING.has(parent.childForFieldName('attribute')?.text ?? '')) continue;
      if (call?.type !== 'call' || call.childForFieldName('function')?.id !== parent.id) continue;
      const args = call.childForFieldName('arguments');
      const values = (args?.namedChildren ?? []).filter((n): n is Node => !!n && n.type !== 'comment');
      if (values.length > 0) found.push({ at, values });
    } else if (parent?.type === 'subscript' && parent.childForFieldName('value')?.id === id.id) {
      const assignment = parent.parent;
      if (assignment?.type !== 'assignment' || assignment.childForFieldName('left')?.id !== parent.id) continue;
      if (assignment.parent?.type !== 'expression_statement') continue;
      const value = assignment.childForFieldName('right');
      if (value) found.push({ at, values: [value] });
    }
  }
  sites.set(name, found);
  return found;
}

/**
 * The names a logical line's code (prose blanked) may mutate as above, for reach.ts: a name
 * (not an attribute) before `.append(` and the others, and a name followed by `[` in the
 * targets of an assignment statement (before its first `=` outside brackets).
 */
export function mutatedNames(source: string): string[] {
  const names: string[] = [];
  for (const match of source.matchAll(METHOD_CALL)) names.push(match[1]);
  if (!source.includes('[') || !source.includes('=')) return names;
  // Each statement of the line (`;` outside brackets), up to its first `=` that is no comparison.
  let depth = 0;
  let statement = 0;
  let assigned = false;
  for (let k = 0; k < source.length; k++) {
    const c = source.charCodeAt(k);
    if (c === 40 || c === 91 || c === 123) depth++;
    else if ((c === 41 || c === 93 || c === 125) && depth > 0) depth--;
    else if (depth === 0 && c === 59) {
      statement = k + 1;
      assigned = false;
    } else if (depth === 0 && c === 61 && !assigned) {
      const before = source.charCodeAt(k - 1);
      if (source.charCodeAt(k + 1) === 61 || before === 33 || before === 60 || before === 62 || before === 61) {
        if (source.charCodeAt(k + 1) === 61) k++;
        continue;
      }
      assigned = true;
      for (const match of source.slice(statement, k).matchAll(/(?<![\w.])([A-Za-z_]\w*)[ \t\\\n\r]*\[/g)) names.push(match[1]);
    }
  }
  return names;
}
