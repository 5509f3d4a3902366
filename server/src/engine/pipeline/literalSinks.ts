/**
 * The calls a sink of a `literals` declaration can be (RuleMatch.literals, LiteralSink in
 * rule.ts), found by the engine so that the rule only judges them (RuleContext.literalSinkCalls):
 *
 * - a call of one of the sinks' `callees`, by the semantic model's name resolution (so also
 *   through an alias: `from huggingface_hub import login as hub_login`, `f = hub.login`);
 * - a call with a keyword argument named in a sink's `names` or ending in one of its
 *   `nameEndings` (a sink without callees: with callees, its names count only in their calls);
 * - a call with a `**` argument, whose dict may hold such a name (`**{"token": ...}`,
 *   `**dict(token=...)`), when a sink has names;
 * - for an `environment` sink, a call of a function that sets the environment
 *   (`os.environ.setdefault`, `os.environ.update`, `os.putenv`).
 *
 * And the assignments one can be (literalSinkAssignments): to an attribute with a sink's name
 * (`openai.api_key = ...`, for sinks naming neither callees nor `within`), and, for an
 * `environment` sink, to a subscript of `environ` (`os.environ["HF_TOKEN"] = ...`).
 *
 * Two ways of finding them, with the same result: the plain one asks that of every call (and
 * assignment) of the tree (SemanticModel.calls); the fast one searches the text for the words such a call is written
 * with (the callees' last names, followed through aliases as calls.ts does for the rules' own
 * callees; the keyword names; `**`) and takes the node at each occurrence. Every call the fast way
 * finds passes the plain test; that it misses none is checked by the differential check, which
 * analyses without optimisations (`everyCall`: the plain way) and with them, and by the tests of
 * test/unit/literalSinks.test.ts.
 */
import { CallSite } from '../callSite';
import type { Node } from '../parser';
import type { LiteralDeclaration } from '../rule';
import type { SemanticModel } from '../semantic';
import type { SourceText } from '../textScan';
import { isIdentifierChar } from '../textScan';
import { callOfKeywordAt, splatCalls } from './argumentCalls';
import { callsOfNames, inWalkOrder } from './calls';

/** The functions that set an environment variable from a value (for `environment` sinks). */
export const ENVIRONMENT_SETTERS: readonly string[] = ['os.environ.setdefault', 'os.environ.update', 'os.putenv'];

/** What a call or an assignment must show to be one a sink of a declaration can be (see the module header). */
interface SinkCallTest {
  /** Qualified names of the functions called. */
  callees: ReadonlySet<string>;
  /** Their last names, which the fast way searches for. */
  calleeNames: readonly string[];
  /** Per last name, the names each callee ending in it is spelled with (`os.environ.update`: os, environ, update). */
  calleeSpellings: ReadonlyMap<string, ReadonlyArray<readonly string[]>>;
  /** Keyword names whole, and endings of keyword names. */
  names: readonly string[];
  endings: readonly string[];
  /** A `**` argument may hold a name. */
  splat: boolean;
  /** Names (whole, and endings) of attributes assigned a value: those of sinks naming neither callees nor `within`. */
  attributes: readonly string[];
  attributeEndings: readonly string[];
  /** An environment sink: `environ[...] = value` is one. */
  environment: boolean;
}

const tests = new WeakMap<LiteralDeclaration, SinkCallTest>();

function testOf(declaration: LiteralDeclaration): SinkCallTest {
  let test = tests.get(declaration);
  if (test) return test;
  const sinks = declaration.sinks ?? [];
  const callees = new Set(sinks.flatMap((sink) => sink.callees ?? []));
  const environment = sinks.some((sink) => (sink.environment ?? []).length > 0);
  if (environment) for (const setter of ENVIRONMENT_SETTERS) callees.add(setter);
  const anywhere = sinks.filter((sink) => (sink.callees ?? []).length === 0 && (sink.within ?? []).length === 0);
  const named = sinks.filter((sink) => (sink.callees ?? []).length === 0);
  const names = [...new Set(named.flatMap((sink) => sink.names ?? []))];
  const endings = [...new Set(named.flatMap((sink) => sink.nameEndings ?? []))];
  test = {
    callees,
    calleeNames: [...new Set([...callees].map((callee) => callee.slice(callee.lastIndexOf('.') + 1)))],
    calleeSpellings: spellings(callees),
    names,
    endings,
    splat: names.length + endings.length > 0,
    attributes: [...new Set(anywhere.flatMap((sink) => sink.names ?? []))],
    attributeEndings: [...new Set(anywhere.flatMap((sink) => sink.nameEndings ?? []))],
    environment,
  };
  tests.set(declaration, test);
  return test;
}

/** Each callee's names (without the `()` of a call's result), by its last name. */
export function spellings(callees: Iterable<string>): Map<string, string[][]> {
  const byLast = new Map<string, string[][]>();
  for (const callee of callees) {
    const names = callee.split('.').map((part) => part.replace(/\(\)$/, ''));
    const last = names[names.length - 1];
    byLast.set(last, [...(byLast.get(last) ?? []), names]);
  }
  return byLast;
}

/** The plain test of one call (see the module header); `callee` is its resolved name. */
function isSinkCall(node: Node, callee: string | undefined, test: SinkCallTest): boolean {
  return (callee !== undefined && test.callees.has(callee)) || hasSinkArgument(node, test);
}

/** The part of the plain test read from the arguments alone: a `**` or a keyword of the test's names. */
function hasSinkArgument(node: Node, test: SinkCallTest): boolean {
  const args = node.childForFieldName('arguments');
  if (args?.type !== 'argument_list') return false;
  for (const argument of args.namedChildren) {
    if (argument?.type === 'dictionary_splat') {
      if (test.splat) return true;
    } else if (argument?.type === 'keyword_argument') {
      const name = argument.childForFieldName('name')?.text ?? '';
      if (test.names.includes(name) || test.endings.some((ending) => name.endsWith(ending))) return true;
    }
  }
  return false;
}

/** The fast way: the calls written with the words of the test, then the plain test of each. */
function sinkCallsFromText(model: SemanticModel, source: SourceText, test: SinkCallTest): Map<number, Node> {
  const root = model.tree.rootNode;
  const text = source.text;
  const found = new Map<number, Node>();
  const add = (call: Node | undefined) => {
    if (call) found.set(call.id, call);
  };
  // The model spells a call's qualified name with identifiers of the code (an import's names, an
  // attribute's): a callee some name of which the text never writes is no call's here, and
  // the calls of its last name (`.update(` for `os.environ.update`) need not be resolved.
  const spelled = test.calleeNames.filter((name) =>
    test.calleeSpellings.get(name)!.some((names) => names.every((part) => source.hasIdentifier(part))),
  );
  if (spelled.length > 0) for (const call of callsOfNames(model, source, spelled).calls) add(call);
  for (const name of test.names) for (const at of source.identifiers(name)) add(callOfKeywordAt(root, at, at + name.length));
  for (const ending of test.endings) {
    for (let at = text.indexOf(ending); at >= 0; at = text.indexOf(ending, at + ending.length)) {
      const end = at + ending.length;
      if (isIdentifierChar(text.charCodeAt(end))) continue;
      let start = at;
      while (start > 0 && isIdentifierChar(text.charCodeAt(start - 1))) start--;
      add(callOfKeywordAt(root, start, end));
    }
  }
  if (test.splat) splatCalls(root, text, add);
  return found;
}

/**
 * The plain test of an assignment: `x.name = value` with a name of the test, or, for an
 * environment sink, `environ[...] = value` (what `environ` is, the rule asks the model).
 */
function isSinkAssignment(node: Node, test: SinkCallTest): boolean {
  if (node.type !== 'assignment') return false;
  const left = node.childForFieldName('left');
  if (left?.type === 'attribute') {
    const name = left.childForFieldName('attribute')?.text ?? '';
    return test.attributes.includes(name) || test.attributeEndings.some((ending) => name.endsWith(ending));
  }
  if (left?.type !== 'subscript' || !test.environment) return false;
  const value = left.childForFieldName('value');
  const named = value?.type === 'attribute' ? value.childForFieldName('attribute') : value;
  return named?.type === 'identifier' && named.text === 'environ';
}

/** The assignment whose target is the attribute `obj.name` or the subscript `name[...]`, for the identifier at [at, end). */
function assignmentAt(root: Node, at: number, end: number, subscript: boolean): Node | undefined {
  const id = root.descendantForIndex(at, end);
  if (id?.type !== 'identifier' || id.startIndex !== at || id.endIndex !== end) return undefined;
  let target: Node | null = id;
  if (id.parent?.type === 'attribute' && id.parent.childForFieldName('attribute')?.id === id.id) target = id.parent;
  else if (!subscript) return undefined;
  if (subscript) {
    const holder: Node | null = target.parent;
    target = holder?.type === 'subscript' && holder.childForFieldName('value')?.id === target.id ? holder : null;
  }
  const assignment = target?.parent;
  return assignment?.type === 'assignment' && assignment.childForFieldName('left')?.id === target!.id ? assignment : undefined;
}

/** The fast way for assignments: where the attribute names and `environ` are written. */
function sinkAssignmentsFromText(model: SemanticModel, source: SourceText, test: SinkCallTest): Node[] {
  const root = model.tree.rootNode;
  const text = source.text;
  const found = new Map<number, Node>();
  const add = (assignment: Node | undefined) => {
    if (assignment) found.set(assignment.id, assignment);
  };
  for (const name of test.attributes) for (const at of source.identifiers(name)) add(assignmentAt(root, at, at + name.length, false));
  for (const ending of test.attributeEndings) {
    for (let at = text.indexOf(ending); at >= 0; at = text.indexOf(ending, at + ending.length)) {
      const end = at + ending.length;
      if (isIdentifierChar(text.charCodeAt(end))) continue;
      let start = at;
      while (start > 0 && isIdentifierChar(text.charCodeAt(start - 1))) start--;
      add(assignmentAt(root, start, end, false));
    }
  }
  if (test.environment) for (const at of source.identifiers('environ')) add(assignmentAt(root, at, at + 'environ'.length, true));
  return [...found.values()];
}

/** Models analysed the plain way (the unoptimised reference: AnalysisOptions.everyCall). */
const plain = new WeakSet<SemanticModel>();

/** Makes literalSinkCalls and literalSinkAssignments ask every call and assignment of the tree (the unoptimised reference). */
export function findLiteralSinksInEveryCall(model: SemanticModel): void {
  plain.add(model);
}

const memo = new WeakMap<SemanticModel, Map<LiteralDeclaration, CallSite[]>>();
const assignmentMemo = new WeakMap<SemanticModel, Map<LiteralDeclaration, Node[]>>();

/**
 * The assignments of the file a sink of `declaration` can be (`openai.api_key = ...`,
 * `os.environ["HF_TOKEN"] = ...`; see isSinkAssignment), in document order.
 */
export function literalSinkAssignments(model: SemanticModel, source: SourceText, declaration: LiteralDeclaration): readonly Node[] {
  let known = assignmentMemo.get(model);
  if (!known) assignmentMemo.set(model, (known = new Map()));
  let assignments = known.get(declaration);
  if (assignments) return assignments;
  const test = testOf(declaration);
  const candidates = plain.has(model)
    ? model.tree.rootNode.descendantsOfType('assignment').filter((n): n is Node => !!n)
    : sinkAssignmentsFromText(model, source, test);
  assignments = candidates
    .filter((node) => isSinkAssignment(node, test))
    .sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex);
  known.set(declaration, assignments);
  return assignments;
}

/**
 * The calls of the file a sink of `declaration` can be, in the order a walk of the tree meets
 * them (see the module header). `source` is the text the tree was parsed from.
 */
export function literalSinkCalls(model: SemanticModel, source: SourceText, declaration: LiteralDeclaration): readonly CallSite[] {
  let known = memo.get(model);
  if (!known) memo.set(model, (known = new Map()));
  let calls = known.get(declaration);
  if (calls) return calls;
  const test = testOf(declaration);
  const candidates = plain.has(model) ? model.calls : [...sinkCallsFromText(model, source, test).values()];
  const kept = new Map<number, Node>();
  const callees = new Map<number, string | undefined>();
  for (const node of candidates) {
    // A call kept by its arguments is kept whatever it calls: its callee is resolved when a rule
    // asks (CallSite), which for a `**kwargs` call is mostly never.
    if (hasSinkArgument(node, test)) {
      kept.set(node.id, node);
      continue;
    }
    const fn = node.childForFieldName('function');
    const callee = fn ? model.qualifiedName(fn) : undefined;
    if (!isSinkCall(node, callee, test)) continue;
    kept.set(node.id, node);
    callees.set(node.id, callee);
  }
  calls = inWalkOrder(kept).map((node) =>
    callees.has(node.id) ? new CallSite(node, model, callees.get(node.id)) : new CallSite(node, model),
  );
  known.set(declaration, calls);
  return calls;
}
