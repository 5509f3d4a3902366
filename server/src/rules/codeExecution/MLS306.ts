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

/**
 * A part that cannot change the SQL's structure: a constant, a number, a placeholder list, a
 * value quoted the way SQL quotes (its quote character doubled, and the same quote written around
 * it in the text it is placed in), or text built only from such parts (`'"' + quoted + '"'`,
 * `",".join(f'"{c.replace(...)}"' for c in cols)`). `builder` is the expression the part is placed
 * in, for the quoting test.
 */
function harmless(model: SemanticModel, node: Node, builder?: Node, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  if (isFixedText(model, node)) return true;
  if (node.type === 'call') {
    const fn = node.childForFieldName('function');
    if (fn?.type === 'identifier' && NUMERIC.has(model.qualifiedName(fn) ?? '')) return true;
    // `name.replace('"', '""')`: an identifier or literal quoted the way SQL escapes quotes, safe
    // only between two of those quotes (`"{}"`); placed bare, `x; DROP TABLE t` passes unchanged.
    const quote = doubledQuote(model, node);
    if (quote) return !!builder && enclosedBy(model, builder, node, quote);
    if (
      fn?.type === 'attribute' &&
      fn.childForFieldName('attribute')?.text === 'join' &&
      isFixedText(model, fn.childForFieldName('object'))
    ) {
      // `",".join(x for x in xs)`: the generator is the argument list itself.
      const args = node.childForFieldName('arguments');
      const arg = args?.type === 'generator_expression' ? args : args?.namedChildren[0];
      // ", ".join("?" * len(ids)) and ", ".join(["%s"] * n): placeholders, however many.
      if (arg && isPlaceholders(model, arg)) return true;
      // ",".join(f'"{c.replace(...)}"' for c in cols): every item built from harmless parts.
      if (arg && (arg.type === 'generator_expression' || arg.type === 'list_comprehension')) {
        const body = arg.childForFieldName('body');
        if (body && builtHarmlessly(model, body, depth + 1)) return true;
      }
    }
  }
  if (builtHarmlessly(model, node, depth + 1)) return true;
  if (node.type === 'identifier') {
    const binding = model.lookup(node.text, node.startIndex);
    if (binding?.kind === 'assign' && binding.value && binding.node.id !== node.id && binding.value.type === 'call') {
      // A quoted value keeps the place of the name in the text it is used in.
      const quote = doubledQuote(model, binding.value);
      if (quote) return !!builder && enclosedBy(model, builder, node, quote);
      return harmless(model, binding.value, undefined, depth + 1);
    }
  }
  return false;
}

/** Text built with an f-string, `%`, `.format` or `+` whose every variable part is harmless. */
function builtHarmlessly(model: SemanticModel, node: Node, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  const parts = variableParts(node);
  return !!parts && parts.length > 0 && parts.every((part) => harmless(model, part, node, depth + 1));
}

/** True when a part is a value with its quotes doubled (`x.replace('"', '""')`, or a name assigned one). */
function quotedValue(model: SemanticModel, node: Node): boolean {
  if (node.type === 'identifier') {
    const binding = model.lookup(node.text, node.startIndex);
    return binding?.kind === 'assign' && !!binding.value && binding.value.type === 'call' && !!doubledQuote(model, binding.value);
  }
  return node.type === 'call' && !!doubledQuote(model, node);
}

/** The quote character `x.replace(q, q + q)` doubles (`"` or `'`), if it is such a call. */
function doubledQuote(model: SemanticModel, node: Node): string | undefined {
  const fn = node.childForFieldName('function');
  if (node.type !== 'call' || fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'replace') return undefined;
  const [from, to] = (node.childForFieldName('arguments')?.namedChildren ?? []).map((n) => (n ? model.constantValue(n) : undefined));
  if (from?.kind === 'str' && to?.kind === 'str' && (from.value === '"' || from.value === "'") && to.value === from.value + from.value)
    return from.value;
  return undefined;
}

/**
 * True when every place `part` takes in the text `builder` makes has `quote` right before and
 * after it: `'"{}"'.format(part)`, `f'"{part}"'`, `'"%s"' % part`, `'"' + part + '"'`.
 */
function enclosedBy(model: SemanticModel, builder: Node, part: Node, quote: string): boolean {
  const text = model.text;
  const around = (before: number, after: number) => text[before - 1] === quote && text[after] === quote;
  switch (builder.type) {
    case 'string': {
      for (let n: Node | null = part; n && n.id !== builder.id; n = n.parent)
        if (n.type === 'interpolation') return around(n.startIndex, n.endIndex);
      return false;
    }
    case 'parenthesized_expression':
      return !!builder.namedChildren[0] && enclosedBy(model, builder.namedChildren[0], part, quote);
    case 'call': {
      // `template.format(...)`: the replacement fields that take this argument.
      const template = builder.childForFieldName('function')?.childForFieldName('object');
      if (template?.type !== 'string') return false;
      const args = (builder.childForFieldName('arguments')?.namedChildren ?? []).filter((n): n is Node => !!n && n.type !== 'comment');
      const keyword = args.find((a) => a.type === 'keyword_argument' && a.childForFieldName('value')?.id === part.id);
      const position = args.filter((a) => a.type !== 'keyword_argument').findIndex((a) => a.id === part.id);
      const field = keyword ? keyword.childForFieldName('name')?.text : position >= 0 ? String(position) : undefined;
      if (field === undefined) return false;
      let automatic = 0;
      let seen = 0;
      for (const match of template.text.matchAll(/\{\{|\}\}|\{([^{}]*)\}/g)) {
        if (match[0] === '{{' || match[0] === '}}') continue;
        const name = (match[1] ?? '').split(/[!:.[]/)[0];
        const index = name === '' ? String(automatic++) : name;
        if (index !== field) continue;
        const start = template.startIndex + match.index;
        if (!around(start, start + match[0].length)) return false;
        seen++;
      }
      return seen > 0;
    }
    case 'binary_operator': {
      const op = builder.childForFieldName('operator')?.text;
      const left = builder.childForFieldName('left');
      const right = builder.childForFieldName('right');
      if (!left || !right) return false;
      if (op === '%') {
        if (left.type !== 'string') return false;
        const items = right.type === 'tuple' ? right.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment') : [right];
        const position = items.findIndex((item) => item.id === part.id);
        if (position < 0) return false;
        let index = 0;
        for (const match of left.text.matchAll(/%%|%[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]/g)) {
          if (match[0] === '%%') continue;
          if (index++ !== position) continue;
          const start = left.startIndex + match.index;
          return around(start, start + match[0].length);
        }
        return false;
      }
      if (op !== '+') return false;
      // The operands of the `+` chain, in order: the part's neighbours must end and start with the quote.
      const operands: Node[] = [];
      const flatten = (n: Node) => {
        const inner = n.type === 'binary_operator' && n.childForFieldName('operator')?.text === '+' ? n : undefined;
        if (inner) {
          flatten(inner.childForFieldName('left')!);
          flatten(inner.childForFieldName('right')!);
        } else operands.push(n);
      };
      flatten(builder);
      const at = operands.findIndex((n) => n.id === part.id);
      if (at <= 0 || at >= operands.length - 1) return false;
      const before = model.constantValue(operands[at - 1]);
      const after = model.constantValue(operands[at + 1]);
      return before?.kind === 'str' && after?.kind === 'str' && before.value.endsWith(quote) && after.value.startsWith(quote);
    }
    default:
      return false;
  }
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
      if (op === '%') {
        if (left.type !== 'string' && left.type !== 'concatenated_string') return undefined;
        return right.type === 'tuple' ? right.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment') : [right];
      }
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
  // `parser.add_argument(..., choices=...)` elsewhere in the file makes an option's value constant.
  reads: ['add_argument'],
  flows: [{ sources: ['sql-text'], sinks: ['sql'] }],
  onFile(context) {
    const model = context.model;
    for (const sink of fileFlows(model).sinksOf(SQL_SINKS)) {
      const query = sink.arguments[0];
      const built = builders(model, query);
      const sql = built.some((b) => SQL_START.test(literalText(b)));
      if (!sql) continue;
      const risky = built.flatMap((b) => (variableParts(b) ?? []).filter((part) => !harmless(model, part, b)));
      if (risky.length === 0) continue;
      const inline = query.startIndex >= sink.call.startIndex && query.endIndex <= sink.call.endIndex && query.type !== 'identifier';
      context.report({
        node: sink.call,
        message: `\`${sink.spelled}\` runs SQL built from \`${risky[0].text.replace(/\s+/g, ' ').slice(0, 40)}\`, which is not a constant (CWE-89): ${
          quotedValue(model, risky[0])
            ? 'its quotes are doubled, but it is not placed between those quotes, so text without quotes changes the query.'
            : 'a quote in the value changes the query.'
        } Keep the SQL constant with placeholders and pass the values as parameters.`,
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
