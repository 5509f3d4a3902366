/**
 * Checks, finding by finding, the facts a rule declares that the optimisations rely on
 * (RuleMatch in rule.ts): a wrong one would make the prefilter or partial parsing drop findings
 * silently, so the unoptimised analysis (`prefilter: false`: the differential check and the
 * tests) verifies every finding of a rule against them, and an analysis with a finding that
 * breaks one reports an internal error naming the rule and the finding (Analyzer.takeRuleFailures).
 *
 * - `wordsInEveryFinding`: the finding's statement (its header, for a compound statement: the
 *   bodies are other statements), or the statement binding a name it uses (followed a few
 *   steps, as constants are), shows one of the rule's `names` whole or one of its `keywords`
 *   where a value goes by its name, as the prefilter's gate and partial parsing look for them
 *   (ruleWords.ts).
 * - `literals`: the finding is a string literal that holds an accepted match of a format, or
 *   whose value passes the declared value test. (That a sink's literal goes to a sink is the
 *   rule's own judgement of the calls the engine gives it: pipeline/literalSinks.ts.)
 * - `stringsNotInComments`: the file holds one of the rule's `strings` outside a comment.
 * - `textArguments`: the finding is at a call that gives one of the declared arguments otherwise
 *   than as plain string literals, or passes `*` or `**` arguments; or at a call not written with
 *   one of the rule's call words (a name bound to the function, a function handed to a caller),
 *   whose word the text front counts where it is not called.
 *
 * `reads` is not checked: it names words of other statements a finding depends on, and which
 * statements those are only the rule knows.
 */
import type { Node } from '../parser';
import type { LiteralDeclaration, Rule, TextArguments } from '../rule';
import type { SemanticModel } from '../semantic';
import type { Span } from '../text';
import { SourceText } from '../textScan';
import { writtenAsName, writtenAsSetting } from './ruleWords';

/** How many bindings are followed from a finding's statement (a constant of a constant…). */
const MAX_STEPS = 4;

/** The statement `node` is in: its ancestor (or itself) standing in a block or the module. */
function statementOf(node: Node): Node {
  let statement = node;
  while (statement.parent && statement.parent.type !== 'block' && statement.parent.type !== 'module') statement = statement.parent;
  return statement;
}

/** The text of a statement with its bodies blanked (they are statements of their own), and its identifiers outside them. */
function headerOf(statement: Node, text: string): { text: string; identifiers: Node[] } {
  const blocks = statement.descendantsOfType('block').filter((b): b is Node => !!b);
  const inBlock = (n: Node) => blocks.some((b) => n.startIndex >= b.startIndex && n.endIndex <= b.endIndex);
  let header = text.slice(statement.startIndex, statement.endIndex);
  for (const block of blocks) {
    const start = block.startIndex - statement.startIndex;
    const end = block.endIndex - statement.startIndex;
    header = header.slice(0, start) + ' '.repeat(end - start) + header.slice(end);
  }
  const identifiers = statement.descendantsOfType('identifier').filter((n): n is Node => !!n && !inBlock(n));
  if (statement.type === 'identifier') identifiers.push(statement);
  return { text: header, identifiers };
}

/** True when the finding at `node` shows one of the rule's words as wordsInEveryFinding says. */
function showsWords(rule: Rule, node: Node, model: SemanticModel): boolean {
  const names = rule.names ?? [];
  const keywords = rule.keywords ?? [];
  const seen = new Set<number>();
  const queue: Array<{ statement: Node; step: number }> = [{ statement: statementOf(node), step: 0 }];
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { statement, step } = next;
    if (seen.has(statement.id)) continue;
    seen.add(statement.id);
    const header = headerOf(statement, model.text);
    const source = new SourceText(header.text);
    if (names.some((name) => writtenAsName(source, name)) || keywords.some((keyword) => writtenAsSetting(source, keyword))) return true;
    if (step >= MAX_STEPS) continue;
    for (const id of header.identifiers) {
      const binding = model.lookup(id.text, id.startIndex);
      if (binding && binding.node.id !== id.id) queue.push({ statement: statementOf(binding.node), step: step + 1 });
    }
  }
  return false;
}

/** True when the finding at `node` is a literal the declaration describes. */
function isDeclaredLiteral(declaration: LiteralDeclaration, node: Node, model: SemanticModel): boolean {
  if (node.type !== 'string' && node.type !== 'concatenated_string') return false;
  for (const format of declaration.formats ?? []) {
    for (const match of node.text.matchAll(format.pattern)) if (!format.accept || format.accept(match)) return true;
  }
  const value = model.constantValue(node);
  return value?.kind === 'str' && (declaration.value ? declaration.value(value.value) : true);
}

/** A string literal without fields, or several concatenated, in parentheses or not: what callMayPassText takes as plain literals. */
function plainLiteralNode(node: Node | null | undefined): boolean {
  if (!node) return false;
  if (node.type === 'parenthesized_expression') return node.namedChildren.length === 1 && plainLiteralNode(node.namedChildren[0]);
  if (node.type === 'concatenated_string') return node.namedChildren.every((part) => plainLiteralNode(part));
  return (
    node.type === 'string' && !/^[rRbBuU]{0,2}[fF]|^[rRbB][fF]/.test(node.text) && node.descendantsOfType('interpolation').length === 0
  );
}

/**
 * True when `call` (a call node) gives one of the `declared` arguments (by position or keyword
 * name) a value `test` takes, or passes `*` or `**` arguments, which may give any of them.
 */
export function someDeclaredArgument(
  call: Node,
  declared: { positions?: readonly number[]; keywords?: readonly string[] },
  test: (value: Node | null) => boolean,
): boolean {
  const args = call.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return false;
  let position = 0;
  for (const arg of args.namedChildren) {
    if (!arg || arg.type === 'comment') continue;
    if (arg.type === 'list_splat' || arg.type === 'dictionary_splat') return true;
    if (arg.type === 'keyword_argument') {
      const name = arg.childForFieldName('name')?.text ?? '';
      if ((declared.keywords ?? []).includes(name) && test(arg.childForFieldName('value'))) return true;
      continue;
    }
    if ((declared.positions ?? []).includes(position++) && test(arg)) return true;
  }
  return false;
}

/**
 * True when `call` (a call node) gives one of the `declared` arguments otherwise than as plain
 * string literals, or passes `*` or `**` arguments (RuleMatch.textArguments).
 */
export function givesTextArgument(call: Node, declared: TextArguments): boolean {
  return someDeclaredArgument(call, declared, (value) => !plainLiteralNode(value));
}

/** The last name a call's function is written with (`system` of `os.system(...)`), if it is a name or an attribute. */
function calledName(call: Node): string | undefined {
  const fn = call.childForFieldName('function');
  if (fn?.type === 'identifier') return fn.text;
  if (fn?.type === 'attribute') return fn.childForFieldName('attribute')?.text;
  return undefined;
}

/** True when the finding at `node` is at a call textArguments allows (see the module header). */
function atTextCall(rule: Rule, declared: TextArguments, node: Node): boolean {
  let call: Node | null = node;
  while (call && call.type !== 'call') call = call.parent;
  if (!call) return false;
  const words = new Set([...(rule.methods ?? []), ...(rule.callees ?? []).map((c) => c.slice(c.lastIndexOf('.') + 1))]);
  const name = calledName(call);
  return name === undefined || !words.has(name) || givesTextArgument(call, declared);
}

/**
 * What is wrong with a finding of `rule` at `span` by the rule's declarations (see the module
 * header), as an internal error naming the rule and the finding; undefined when nothing is.
 */
export function brokenDeclaration(rule: Rule, span: Span, message: string, model: SemanticModel): string | undefined {
  if (!rule.wordsInEveryFinding && !rule.literals && !rule.stringsNotInComments && !rule.textArguments) return undefined;
  const node = model.tree.rootNode.descendantForIndex(span.start, span.end);
  if (!node) return undefined;
  let broken: string | undefined;
  if (rule.wordsInEveryFinding && !showsWords(rule, node, model)) {
    const words = [...(rule.names ?? []), ...(rule.keywords ?? []).map((keyword) => `${keyword}=`)];
    broken = `declares wordsInEveryFinding, but neither its statement nor the assignments it uses show one of ${words.join(', ')}`;
  } else if (rule.literals && !isDeclaredLiteral(rule.literals, node, model))
    broken = 'declares literals, but it is not a string literal holding a declared format or a value passing the declared test';
  else if (rule.textArguments && !atTextCall(rule, rule.textArguments, node))
    broken = 'declares textArguments, but its call gives the declared arguments only as string literals, or none';
  else if (rule.stringsNotInComments) {
    const source = new SourceText(model.text);
    if (!(rule.strings ?? []).some((s) => source.includesOutsideComments(s)))
      broken = `declares stringsNotInComments, but the file holds none of ${(rule.strings ?? []).join(', ')} outside comments`;
  }
  if (!broken) return undefined;
  const line = model.text.slice(0, span.start).split('\n').length;
  return `rule ${rule.code} broke its declaration: its finding at line ${line} ("${message.slice(0, 80)}") ${broken}`;
}
