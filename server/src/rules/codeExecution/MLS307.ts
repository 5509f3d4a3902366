/**
 * MLS307 untrusted-system-prompt: request or UI text written into the system prompt of a
 * language-model call, inside instructions the developer wrote (OWASP LLM01 prompt injection).
 *
 * Places (found where they are written): a message `{"role": "system", "content": X}`, a
 * `("system", X)` pair, LangChain `SystemMessage(X)` / `SystemMessage(content=X)` and
 * `SystemMessagePromptTemplate.from_template(X)`, Anthropic `messages.create(system=X)`, OpenAI
 * `responses.create(instructions=X)`.
 * Reported when X (or what a name in it was assigned) is text built with an f-string, `%`,
 * `.format`, `+` or `join` from constant text and request or UI data (engine/dataflow/sources.ts).
 * A system prompt handed over whole (`content: body.system`) is the caller's own choice, as in an
 * OpenAI-compatible server, and is not reported.
 */
import { fileFlows, UNTRUSTED } from '../../engine/dataflow/index';
import type { Source } from '../../engine/dataflow/index';
import { llmCall } from '../../engine/dataflow/sources';
import type { Node } from '../../engine/parser';
import { defineRule } from '../../engine/rule';
import type { SemanticModel } from '../../engine/semantic';
import { identifierOccurrences } from '../../engine/textScan';
import { ATLAS, CWE_REFERENCE } from '../support';
import { sourceText } from '../dataflowSupport';

/** Identifiers a system prompt is written with (besides the string `"system"`). */
const SYSTEM_NAMES = ['SystemMessage', 'SystemMessagePromptTemplate'];
/** Keyword arguments of LLM client calls that hold the system prompt. */
const SYSTEM_KEYWORDS = ['system', 'instructions'];
/** How deep the search for the text a name was assigned goes. */
const MAX_DEPTH = 3;

/** The expressions that hold a system prompt in this file. */
function systemPrompts(model: SemanticModel): Node[] {
  const text = model.text;
  const root = model.tree.rootNode;
  const found = new Map<number, Node>();
  const add = (node: Node | null | undefined) => {
    if (node) found.set(node.id, node);
  };
  // {"role": "system", "content": X} and ("system", X).
  for (const match of text.matchAll(/(["'])system\1/g)) {
    const literal = root.descendantForIndex(match.index, match.index + match[0].length);
    const string = literal?.type === 'string' ? literal : literal?.parent?.type === 'string' ? literal.parent : undefined;
    if (!string || string.startIndex !== match.index) continue;
    const parent = string.parent;
    if (parent?.type === 'pair' && parent.childForFieldName('value')?.id === string.id) {
      if (model.constantValue(parent.childForFieldName('key'))?.value !== 'role') continue;
      const dict = parent.parent;
      for (const pair of dict?.namedChildren ?? [])
        if (pair?.type === 'pair' && model.constantValue(pair.childForFieldName('key'))?.value === 'content')
          add(pair.childForFieldName('value'));
    } else if (parent?.type === 'tuple' && parent.namedChildren[0]?.id === string.id && parent.namedChildren.length === 2) {
      add(parent.namedChildren[1]);
    }
  }
  // SystemMessage(X), SystemMessage(content=X), SystemMessagePromptTemplate.from_template(X).
  for (const name of SYSTEM_NAMES) {
    for (const at of identifierOccurrences(text, name)) {
      const id = root.descendantForIndex(at, at + name.length);
      if (id?.type !== 'identifier' || id.startIndex !== at) continue;
      let fn: Node = id.parent?.type === 'attribute' && id.parent.childForFieldName('object')?.id === id.id ? id.parent : id;
      if (fn.parent?.type === 'attribute' && fn.parent.childForFieldName('attribute')?.id === fn.id) fn = fn.parent;
      const call = fn.parent;
      if (call?.type !== 'call' || call.childForFieldName('function')?.id !== fn.id) continue;
      const qualified = model.qualifiedName(fn);
      if (!qualified || !/^langchain(?:_[a-z0-9]+)?\./.test(qualified)) continue;
      if (fn.type === 'attribute' && !/^from_template$|^from_messages$/.test(fn.childForFieldName('attribute')?.text ?? '')) continue;
      add(argument(call, fn.type === 'attribute' ? 'template' : 'content'));
    }
  }
  // client.messages.create(system=X), client.responses.create(instructions=X).
  for (const keyword of SYSTEM_KEYWORDS) {
    for (const at of identifierOccurrences(text, keyword)) {
      const id = root.descendantForIndex(at, at + keyword.length);
      const pair = id?.parent;
      if (id?.type !== 'identifier' || pair?.type !== 'keyword_argument' || pair.childForFieldName('name')?.id !== id.id) continue;
      const call = pair.parent?.parent;
      const fn = call?.type === 'call' ? call.childForFieldName('function') : undefined;
      if (!call || !fn) continue;
      const source = llmCall(model, call, model.qualifiedName(fn));
      if (source?.kind === 'llm') add(pair.childForFieldName('value'));
    }
  }
  return [...found.values()].sort((a, b) => a.startIndex - b.startIndex);
}

/** The argument given by name, or the first positional one. */
function argument(call: Node, name: string): Node | undefined {
  const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((n): n is Node => !!n && n.type !== 'comment');
  const named = args.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === name);
  if (named) return named.childForFieldName('value') ?? undefined;
  return args.find((a) => a.type !== 'keyword_argument' && a.type !== 'dictionary_splat' && a.type !== 'list_splat');
}

/**
 * True when an expression writes text around values: an f-string with an interpolation, `+` or
 * `%` with a string, `"...".format(...)`, `sep.join(...)`.
 */
function isTemplate(node: Node): boolean {
  switch (node.type) {
    case 'string':
      return node.descendantsOfType('interpolation').length > 0;
    case 'concatenated_string':
      return node.namedChildren.some((n) => !!n && isTemplate(n));
    case 'parenthesized_expression':
      return !!node.namedChildren[0] && isTemplate(node.namedChildren[0]);
    case 'binary_operator': {
      const op = node.childForFieldName('operator')?.text;
      if (op !== '+' && op !== '%') return false;
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      const text = (n: Node | null) => !!n && (n.type === 'string' || n.type === 'concatenated_string' || isTemplate(n));
      return text(left) || (op === '+' && text(right));
    }
    case 'call': {
      const fn = node.childForFieldName('function');
      const method = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : undefined;
      const object = fn?.childForFieldName('object');
      return (method === 'format' || method === 'join') && (object?.type === 'string' || object?.type === 'concatenated_string');
    }
    default:
      return false;
  }
}

/** The templates a system prompt is made with: itself, or what the names it is written with were assigned. */
function templates(model: SemanticModel, node: Node, depth = 0): Node[] {
  if (isTemplate(node)) return [node];
  if (node.type !== 'identifier' || depth >= MAX_DEPTH) return [];
  const flow = fileFlows(model).flow(UNTRUSTED);
  const found: Node[] = [];
  for (const binding of flow.reaching(node)) {
    if (binding.kind === 'assign' && binding.value) found.push(...templates(model, binding.value, depth + 1));
    else if (binding.kind === 'other' && binding.node.parent?.type === 'augmented_assignment') {
      // `system += f"... {name}"`: what is added.
      const right = binding.node.parent.childForFieldName('right');
      if (right && isTemplate(right)) found.push(right);
    }
  }
  return found;
}

export const untrustedSystemPromptRule = defineRule({
  code: 'MLS307',
  name: 'untrusted-system-prompt',
  title: "Request or user input is written into a language model's system prompt",
  severity: 'warning',
  cwe: [1427],
  threats: ['adversarial-input'],
  owasp: 'LLM01:2025 Prompt Injection',
  atlas: ATLAS.promptInjection,
  rationale:
    'A model gives its system prompt more weight than the conversation: it is where the developer says what the assistant is, what it may do and what it must keep to itself. Text from a request or a form placed inside those instructions is read with the same authority, so whoever writes it can rewrite the rules: reveal the prompt or the data in it, drop the restrictions, or steer the tools the model may call.',
  remediation:
    "Keep the system prompt constant. Pass what the user wrote as a user message; if the instructions must mention a user's value, validate it first (an allow-list, a pattern, a length bound) and mark it as data (quoted, in delimiters the prompt tells the model never to obey).",
  references: [
    { title: 'OWASP Top 10 for LLM Applications: LLM01 Prompt Injection', url: 'https://genai.owasp.org/llmrisk/llm01-prompt-injection/' },
    CWE_REFERENCE(1427),
  ],
  flows: [{ sources: ['request', 'ui'], sinks: ['system-prompt'] }],
  onFile(context) {
    const model = context.model;
    const flow = fileFlows(model).flow(UNTRUSTED);
    for (const prompt of systemPrompts(model)) {
      const sources: Source[] = [];
      for (const template of templates(model, prompt))
        for (const source of flow.sources(template))
          if ((source.kind === 'request' || source.kind === 'ui') && !sources.some((s) => s.node.id === source.node.id))
            sources.push(source);
      if (sources.length === 0) continue;
      context.report({
        node: prompt,
        message: `The system prompt is written with ${sourceText(sources)} inside its instructions (CWE-1427): whoever writes that text can override what the model is told to do. Keep the system prompt constant and pass the user's text as a user message.`,
        related: sources.map((s) => ({
          span: { start: s.node.startIndex, end: s.node.endIndex },
          message: `${s.kind === 'ui' ? 'user input' : 'request data'} enters here: ${s.label}`,
        })),
      });
    }
  },
});
