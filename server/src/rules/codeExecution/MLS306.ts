/**
 * MLS306 sql-built-from-text: SQL text assembled with an f-string, `%`, `.format` or `+` from
 * values that are not constants, and run by an execute-like call.
 *
 * Sinks (engine/dataflow/sinks.ts): `execute`/`executemany`/`executescript` on any receiver but a
 * module, `pandas.read_sql`/`read_sql_query`, `sqlalchemy.text`.
 * Sources: none needed; any part that is not a constant counts, except numbers (`int(...)`,
 * `len(...)`) and placeholder lists (`", ".join("?" * len(ids))`). The string must look like SQL
 * (`SELECT ... FROM`, `INSERT INTO`, `UPDATE ... SET`, `DELETE FROM`, DDL, `PRAGMA`).
 */
import { SQL_SINKS, fileFlows } from '../../engine/dataflow/index';
import type { FlowSpec } from '../../engine/dataflow/index';
import type { Node } from '../../engine/parser';
import { defineRule } from '../../engine/rule';
import type { SemanticModel } from '../../engine/semantic';
import { stringLiteralValue } from '../../engine/semantic';
import { CWE_REFERENCE } from '../support';
import { isFixedText } from '../support';

const SQL_START =
  /^\s*(?:select\s[\s\S]*?\bfrom\b|insert\s+(?:or\s+\w+\s+)?into\s|update\s+[\w."`[\]]+\s+set\s|delete\s+from\s|create\s+(?:temp\w*\s+)?(?:table|index|view)\b|drop\s+(?:table|index|view)\b|alter\s+table\s|replace\s+into\s|with\s+\w+\s+as\s*\(|pragma\s|truncate\s)/i;
/** Values that cannot carry SQL: numbers. */
const NUMERIC = new Set(['int', 'float', 'len', 'round', 'abs', 'bool']);
const MAX_DEPTH = 6;
/** A flow without sources: only its reaching assignments are used. */
const NO_SOURCES: FlowSpec = { source: () => undefined };

/** The constant text of a string-building expression's literal parts, in order (for the SQL test). */
function literalText(node: Node, depth = 0): string {
  if (depth > MAX_DEPTH) return '';
  switch (node.type) {
    case 'string': {
      let text = '';
      for (const child of node.children) {
        if (child?.type === 'string_content') text += child.text;
        else if (child?.type === 'interpolation') text += ' ? ';
      }
      return stringLiteralValue(node) ?? text;
    }
    case 'concatenated_string':
      return node.namedChildren.map((n) => (n ? literalText(n, depth + 1) : '')).join('');
    case 'binary_operator':
      return literalText(node.childForFieldName('left')!, depth + 1) + ' ? ' + literalText(node.childForFieldName('right')!, depth + 1);
    case 'call': {
      const fn = node.childForFieldName('function');
      return fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'format'
        ? literalText(fn.childForFieldName('object')!, depth + 1)
        : '';
    }
    case 'parenthesized_expression':
      return node.namedChildren[0] ? literalText(node.namedChildren[0], depth + 1) : '';
    default:
      return '';
  }
}

/** A part that cannot change the SQL's structure: a constant, a number, a placeholder list. */
function harmless(model: SemanticModel, node: Node): boolean {
  if (isFixedText(model, node)) return true;
  if (node.type === 'call') {
    const fn = node.childForFieldName('function');
    if (fn?.type === 'identifier' && NUMERIC.has(model.qualifiedName(fn) ?? '')) return true;
    // `name.replace('"', '""')`: an identifier or literal quoted the way SQL escapes quotes.
    if (fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'replace') {
      const [from, to] = (node.childForFieldName('arguments')?.namedChildren ?? []).map((n) => (n ? model.constantValue(n) : undefined));
      if (from?.kind === 'str' && to?.kind === 'str' && (from.value === '"' || from.value === "'") && to.value === from.value + from.value)
        return true;
    }
    // ", ".join("?" * len(ids)) and ", ".join(["%s"] * n): placeholders, however many.
    if (
      fn?.type === 'attribute' &&
      fn.childForFieldName('attribute')?.text === 'join' &&
      isFixedText(model, fn.childForFieldName('object'))
    ) {
      const arg = node.childForFieldName('arguments')?.namedChildren[0];
      if (arg && isPlaceholders(model, arg)) return true;
    }
  }
  if (node.type === 'identifier') {
    const binding = model.lookup(node.text, node.startIndex);
    if (binding?.kind === 'assign' && binding.value && binding.node.id !== node.id && binding.value.type === 'call')
      return harmless(model, binding.value);
  }
  return false;
}

function isPlaceholders(model: SemanticModel, node: Node): boolean {
  if (node.type === 'binary_operator' && node.childForFieldName('operator')?.text === '*')
    return isFixedText(model, node.childForFieldName('left')) || isFixedText(model, node.childForFieldName('right'));
  if (node.type === 'list_comprehension' || node.type === 'generator_expression') return isFixedText(model, node.childForFieldName('body'));
  return false;
}

/** The parts of a string-building expression that are not literal text. */
function variableParts(node: Node, depth = 0): Node[] | undefined {
  if (depth > MAX_DEPTH) return undefined;
  switch (node.type) {
    case 'string': {
      const parts: Node[] = [];
      for (const child of node.descendantsOfType('interpolation')) {
        const expression = child?.childForFieldName('expression') ?? child?.namedChildren[0];
        if (expression) parts.push(expression);
      }
      return parts.length > 0 ? parts : undefined;
    }
    case 'binary_operator': {
      const op = node.childForFieldName('operator')?.text;
      const left = node.childForFieldName('left')!;
      const right = node.childForFieldName('right')!;
      if (op === '%') return left.type === 'string' || left.type === 'concatenated_string' ? [right] : undefined;
      if (op !== '+') return undefined;
      return [
        ...(variableParts(left, depth + 1) ?? (isText(left) ? [] : [left])),
        ...(variableParts(right, depth + 1) ?? (isText(right) ? [] : [right])),
      ];
    }
    case 'call': {
      const fn = node.childForFieldName('function');
      if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'format') return undefined;
      const object = fn.childForFieldName('object')!;
      if (object.type !== 'string' && object.type !== 'concatenated_string' && object.type !== 'identifier') return undefined;
      return (node.childForFieldName('arguments')?.namedChildren ?? [])
        .filter((n): n is Node => !!n && n.type !== 'comment')
        .map((n) => (n.type === 'keyword_argument' ? n.childForFieldName('value')! : n));
    }
    case 'parenthesized_expression':
      return node.namedChildren[0] ? variableParts(node.namedChildren[0], depth + 1) : undefined;
    default:
      return undefined;
  }
}

function isText(node: Node): boolean {
  return node.type === 'string' || node.type === 'concatenated_string';
}

/** The expressions that build a query: itself, or what the names it uses were assigned. */
function builders(model: SemanticModel, node: Node, depth = 0): Node[] {
  if (depth > 3) return [];
  if (node.type !== 'identifier') return [node];
  const flow = fileFlows(model).flow(NO_SOURCES);
  const found: Node[] = [];
  for (const binding of flow.reaching(node)) {
    if (binding.kind === 'assign' && binding.value) found.push(...builders(model, binding.value, depth + 1));
    else if (binding.kind === 'other' && binding.node.parent?.type === 'augmented_assignment') {
      // `sql += f" WHERE id = {x}"`: the added part, judged with what it is added to.
      const statement = binding.node.parent;
      const right = statement.childForFieldName('right');
      const before = builders(model, binding.node, depth + 1).filter((b) => b.id !== binding.node.id);
      if (right) found.push(...before, right);
    }
  }
  return found;
}

export const sqlBuiltFromTextRule = defineRule({
  code: 'MLS306',
  name: 'sql-built-from-text',
  title: 'SQL built from values with an f-string, `%`, `.format` or `+`',
  severity: 'warning',
  cwe: [89],
  threats: ['adversarial-input'],
  owasp: 'ML01:2023 Input Manipulation Attack',
  rationale:
    "SQL text with values pasted into it is parsed together with those values: a quote in a name, a question typed into a chatbot, or an answer written by a language model can end the string and add a statement of its own. Feature stores, experiment trackers and LLM 'text-to-SQL' tools often build queries this way. Database drivers already solve it: values passed as parameters are never parsed as SQL.",
  remediation:
    'Keep the SQL text constant with placeholders (`?`, `%s`, `:name`) and pass the values as the second argument of `execute` (or `params=` of `read_sql`, bound parameters of `sqlalchemy.text`). Table or column names cannot be parameters: pick them from an allow-list.',
  references: [
    {
      title: 'sqlite3: how to use placeholders to bind values',
      url: 'https://docs.python.org/3/library/sqlite3.html#sqlite3-placeholders',
    },
    { title: 'Ruff S608 hardcoded-sql-expression', url: 'https://docs.astral.sh/ruff/rules/hardcoded-sql-expression/' },
    CWE_REFERENCE(89),
  ],
  // A finding's SQL text starts a string literal (`with`, `select` alone are common words).
  flows: [{ sources: ['sql-text'], sinks: ['sql'] }],
  onFile(context) {
    const model = context.model;
    for (const sink of fileFlows(model).sinksOf(SQL_SINKS)) {
      const query = sink.arguments[0];
      const built = builders(model, query);
      const sql = built.some((b) => SQL_START.test(literalText(b)));
      if (!sql) continue;
      const risky = built.flatMap((b) => (variableParts(b) ?? []).filter((part) => !harmless(model, part)));
      if (risky.length === 0) continue;
      const inline = query.startIndex >= sink.call.startIndex && query.endIndex <= sink.call.endIndex && query.type !== 'identifier';
      context.report({
        node: sink.call,
        message: `\`${sink.spelled}\` runs SQL built from \`${risky[0].text.replace(/\s+/g, ' ').slice(0, 40)}\`, which is not a constant (CWE-89): a quote in the value changes the query. Keep the SQL constant with placeholders and pass the values as parameters.`,
        related: inline
          ? undefined
          : built
              .filter((b) => b.id !== query.id)
              .slice(0, 2)
              .map((b) => ({ span: { start: b.startIndex, end: b.endIndex }, message: 'the SQL text is built here' })),
      });
    }
  },
});
