/** MLS301: eval / exec / compile of data. */
import type { Node } from '../../engine/parser';
import { defineRule } from '../../engine/rule';
import type { SemanticModel } from '../../engine/semantic';
import { ATLAS, CWE_REFERENCE, spelled, isFixedText } from '../support';
import { inputSourcesOf } from '../../engine/dataflow/index';
import { inputOrigin } from '../dataflowSupport';

const CODE_BUILTINS = ['eval', 'exec', 'compile'];

const CODE_CALLEES = CODE_BUILTINS.flatMap((name) => [name, `builtins.${name}`, `__builtin__.${name}`]);

const COMPILE_CALLEES = new Set(['compile', 'builtins.compile', '__builtin__.compile']);

/** True when `node` is (a name bound to) a call of the builtin `compile`: reported on its own. */
function isCompiledCode(model: SemanticModel, node: Node): boolean {
  let value: Node | undefined = node;
  if (value.type === 'identifier') {
    const binding = model.lookup(value.text, value.startIndex);
    value = binding?.kind === 'assign' ? binding.value : undefined;
  }
  if (value?.type !== 'call') return false;
  const fn = value.childForFieldName('function');
  return !!fn && COMPILE_CALLEES.has(model.qualifiedName(fn) ?? '');
}

/** True when compile flags include `ast.PyCF_ONLY_AST` (alone or or-ed with other flags). */
function onlyBuildsTree(model: SemanticModel, flags: Node | undefined, depth = 0): boolean {
  if (!flags || depth > 8) return false;
  if (flags.type === 'binary_operator' && flags.childForFieldName('operator')?.text === '|')
    return (
      onlyBuildsTree(model, flags.childForFieldName('left') ?? undefined, depth + 1) ||
      onlyBuildsTree(model, flags.childForFieldName('right') ?? undefined, depth + 1)
    );
  if (flags.type === 'parenthesized_expression') return onlyBuildsTree(model, flags.namedChildren[0] ?? undefined, depth + 1);
  if (flags.type === 'identifier') {
    const binding = model.lookup(flags.text, flags.startIndex);
    if (binding?.kind === 'assign' && binding.value && binding.node.id !== flags.id) return onlyBuildsTree(model, binding.value, depth + 1);
  }
  const name = model.qualifiedName(flags);
  return name === 'ast.PyCF_ONLY_AST' || name === '_ast.PyCF_ONLY_AST';
}

export const dynamicCodeExecutionRule = defineRule({
  code: 'MLS301',
  name: 'dynamic-code-execution',
  title: '`eval`, `exec` or `compile` of text that is not a constant',
  severity: 'error',
  cwe: [95, 94],
  threats: ['adversarial-input'],
  atlas: ATLAS.promptInjection,
  rationale:
    'The builtins `eval`, `exec` and `compile` turn text into running Python. When that text is not written in the program itself (a request field, a config value, a file, or the output of a language model that a prompt injection can steer) its author gets the full power of the process: files, credentials, network. Restricting `globals`/`__builtins__` does not make it safe; escapes from such sandboxes are well known.',
  remediation:
    'Parse data instead of running it: `json.loads` or `ast.literal_eval` for literals, a dispatch table of allowed functions for commands, a small expression parser for formulas; run model-written code only in an isolated sandbox (container, separate user, no secrets).',
  references: [
    { title: 'Python builtins: eval, exec, compile', url: 'https://docs.python.org/3/library/functions.html#eval' },
    { title: 'ast.literal_eval', url: 'https://docs.python.org/3/library/ast.html#ast.literal_eval' },
    CWE_REFERENCE(95),
  ],
  callees: CODE_CALLEES,
  // Code written as a string literal (`eval("1 + 1")`) is a constant: no finding.
  textArguments: { positions: [0], keywords: ['source'] },
  // `parser.add_argument(..., choices=/default=)` elsewhere in the file decides what an option can hold.
  reads: ['add_argument'],
  // `re.compile` and `df.eval` are other functions: the builtins are reached by their bare name
  // (called, bound to another name or imported) or through the builtins module.
  // Text checked against a literal set before it is used counts as fixed (restricted.ts).
  readsFunction: true,
  onCall(call, context) {
    const builtin = call.callee!.slice(call.callee!.lastIndexOf('.') + 1);
    const source = call.argument('source', 0);
    if (!source) return;
    if (isFixedText(context.model, source.value)) return;
    // `compile(text, name, mode, ast.PyCF_ONLY_AST)` returns a syntax tree, like `ast.parse`: nothing runs.
    if (builtin === 'compile' && onlyBuildsTree(context.model, call.argument('flags', 3)?.value)) return;
    // `exec(compile(src, ...))`: the compile call is the one reported.
    if (builtin !== 'compile' && isCompiledCode(context.model, source.value)) return;
    const what =
      builtin === 'compile'
        ? 'compiles text into code that is then run'
        : `runs its argument as ${builtin === 'eval' ? 'a Python expression' : 'Python code'}`;
    // Request, UI or command-line text (engine/dataflow) is named, with where it enters.
    const origin = inputOrigin(inputSourcesOf(context.model, source.value));
    context.report({
      node: call.node,
      message: `\`${spelled(call)}\` ${what}, and that text is not a constant: whoever controls it runs arbitrary code in this process (CWE-95).${origin.sentence} Parse data with \`json.loads\` or \`ast.literal_eval\` instead.`,
      related: origin.related,
    });
  },
});
