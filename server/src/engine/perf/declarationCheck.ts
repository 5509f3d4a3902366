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
 *
 * `reads` is not checked: it names words of other statements a finding depends on, and which
 * statements those are only the rule knows.
 */
import type { Node } from '../parser';
import type { LiteralDeclaration, Rule } from '../rule';
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

/**
 * What is wrong with a finding of `rule` at `span` by the rule's declarations (see the module
 * header), as an internal error naming the rule and the finding; undefined when nothing is.
 */
export function brokenDeclaration(rule: Rule, span: Span, message: string, model: SemanticModel): string | undefined {
  if (!rule.wordsInEveryFinding && !rule.literals && !rule.stringsNotInComments) return undefined;
  const node = model.tree.rootNode.descendantForIndex(span.start, span.end);
  if (!node) return undefined;
  let broken: string | undefined;
  if (rule.wordsInEveryFinding && !showsWords(rule, node, model)) {
    const words = [...(rule.names ?? []), ...(rule.keywords ?? []).map((keyword) => `${keyword}=`)];
    broken = `declares wordsInEveryFinding, but neither its statement nor the assignments it uses show one of ${words.join(', ')}`;
  } else if (rule.literals && !isDeclaredLiteral(rule.literals, node, model))
    broken = 'declares literals, but it is not a string literal holding a declared format or a value passing the declared test';
  else if (rule.stringsNotInComments) {
    const source = new SourceText(model.text);
    if (!(rule.strings ?? []).some((s) => source.includesOutsideComments(s)))
      broken = `declares stringsNotInComments, but the file holds none of ${(rule.strings ?? []).join(', ')} outside comments`;
  }
  if (!broken) return undefined;
  const line = model.text.slice(0, span.start).split('\n').length;
  return `rule ${rule.code} broke its declaration: its finding at line ${line} ("${message.slice(0, 80)}") ${broken}`;
}
