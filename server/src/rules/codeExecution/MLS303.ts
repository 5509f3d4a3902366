/** MLS303: LLM agent tools that run code or shell commands. */
import { CallSite } from '../../engine/callSite';
import { defineRule } from '../../engine/rule';
import type { RuleContext } from '../../engine/rule';
import {
  ATLAS,
  CWE_REFERENCE,
  constantOf,
  argumentOrCall,
  isTruthy,
  isConstFalse,
  identifiersSpelled,
  flagOrigin,
  flagFix,
} from '../support';

const CODE_TOOLS = new Map<string, string>([
  ['PythonREPLTool', 'runs Python code written by the model'],
  ['PythonAstREPLTool', 'runs Python code written by the model'],
  ['PythonREPL', 'runs Python code it is given'],
  ['ShellTool', 'runs shell commands written by the model'],
  ['BashProcess', 'runs shell commands it is given'],
]);

/** `load_tools` names that give the agent a code or shell tool. */
const DANGEROUS_TOOL_NAMES = new Set(['terminal', 'python_repl', 'shell', 'bash']);

/** `load_tools` names that let the agent send HTTP requests to any URL it composes. */
const REQUEST_TOOL_NAMES = new Set([
  'requests',
  'requests_all',
  'requests_get',
  'requests_post',
  'requests_patch',
  'requests_put',
  'requests_delete',
]);

/**
 * Executors and tools of other agent frameworks that run model-written code on this host, by
 * the qualified-name prefix they must resolve under. Checked against each framework's
 * documentation: AutoGen 0.2/AG2 (`autogen.coding`) and 0.4 (`autogen_ext.code_executors.local`)
 * name the local executor `LocalCommandLineCodeExecutor` (the Docker one is the safe choice);
 * LlamaIndex's code-interpreter tool spec runs Python in a subprocess of the host.
 */
const FRAMEWORK_EXECUTORS = new Map<string, { prefixes: RegExp; effect: string }>([
  [
    'LocalCommandLineCodeExecutor',
    {
      prefixes: /^(?:autogen|autogen_ext|autogen_core|autogen_agentchat|ag2)\./,
      effect: 'runs the code blocks the agents write in a shell on this host, outside any container',
    },
  ],
  [
    'LocalJupyterServer',
    { prefixes: /^(?:autogen|ag2)\./, effect: 'starts a Jupyter kernel on this host that runs the code the agents write' },
  ],
  [
    'CodeInterpreterToolSpec',
    { prefixes: /^llama_index\./, effect: 'gives the agent a tool that runs Python code it writes on this host' },
  ],
]);

const DANGEROUS_KEYWORDS = ['allow_dangerous_code', 'allow_dangerous_tools', 'allow_dangerous_requests'];

const KEYWORD_EFFECT: Record<string, string> = {
  allow_dangerous_code: 'lets the agent execute Python code the model writes',
  allow_dangerous_tools: 'enables tools that run shell commands or code',
  allow_dangerous_requests: 'lets the agent send arbitrary HTTP requests the model composes',
};

function isLangChain(callee: string | undefined): callee is string {
  return callee !== undefined && /^langchain(?:_[a-z0-9]+)?\./.test(callee);
}

/**
 * AutoGen 0.2 / AG2 agents given `code_execution_config={..., "use_docker": False}` run the code
 * blocks of the conversation directly on the host. (Without `use_docker` AutoGen uses Docker
 * when it can; `code_execution_config=False` turns execution off: neither is reported.)
 */
function localCodeExecution(context: RuleContext): void {
  for (const id of identifiersSpelled(context, 'code_execution_config')) {
    const argument = id.parent;
    if (argument?.type !== 'keyword_argument' || argument.childForFieldName('name')?.id !== id.id) continue;
    const config = context.constant(argument.childForFieldName('value'));
    if (config?.kind !== 'dict') continue;
    const docker = config.value.get('use_docker');
    const value = docker ? context.constant(docker) : undefined;
    if (!docker || !(isConstFalse(value) || (value?.kind === 'num' && value.value === 0))) continue;
    const inCall = docker.startIndex >= argument.startIndex && docker.endIndex <= argument.endIndex;
    context.report({
      node: inCall ? (docker.parent ?? docker) : argument,
      message:
        '`code_execution_config` with `"use_docker": False` makes the agent run the code blocks of the conversation directly on this host: a prompt injection in anything the agents read becomes code execution here (CWE-94). Keep Docker on or use a sandboxed executor.',
      related: inCall
        ? undefined
        : [{ span: { start: docker.startIndex, end: docker.endIndex }, message: '`use_docker` is set to False here' }],
    });
  }
}

const CREWAI = /^crewai(?:_tools)?\./;

/**
 * CrewAI (checked in its documentation): `Agent(allow_code_execution=True,
 * code_execution_mode="unsafe")` and `CodeInterpreterTool(unsafe_mode=True)` run the code the
 * agent writes directly on the host instead of in Docker. Both are deprecated there but still
 * found in code. True when the call is one of CrewAI's (reported or not).
 */
function crewAiUnsafe(call: CallSite, context: RuleContext, className: string): boolean {
  const keyword = className === 'Agent' ? 'code_execution_mode' : className === 'CodeInterpreterTool' ? 'unsafe_mode' : undefined;
  if (!keyword) return false;
  const argument = call.keywords.get(keyword);
  const value = constantOf(context, argument);
  const unsafe = keyword === 'unsafe_mode' ? isTruthy(value) : value?.kind === 'str' && value.value === 'unsafe';
  if (argument && unsafe) {
    context.report({
      node: argumentOrCall(call, argument),
      message: `\`${className}(${keyword}=${keyword === 'unsafe_mode' ? 'True' : '"unsafe"'})\` runs the Python code the agent writes directly on this host, without the Docker sandbox: a prompt injection becomes code execution here (CWE-94).`,
      related: flagOrigin(context, call, argument, value, `\`${keyword}\` is set here`),
    });
  }
  return true;
}

export const agentCodeExecutionToolsRule = defineRule({
  code: 'MLS303',
  name: 'agent-code-execution-tools',
  title: 'LLM agent given a tool that runs code or shell commands',
  severity: 'error',
  cwe: [94, 78, 918],
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
  names: [...CODE_TOOLS.keys(), 'load_tools', ...FRAMEWORK_EXECUTORS.keys(), 'CodeInterpreterTool'],
  keywords: [...DANGEROUS_KEYWORDS, 'code_execution_config', 'code_execution_mode', 'unsafe_mode'],
  methods: [...CODE_TOOLS.keys(), 'load_tools', ...FRAMEWORK_EXECUTORS.keys(), 'Agent', 'CodeInterpreterTool'],
  onCall(call, context) {
    const callee = call.callee;
    const className = callee?.slice(callee.lastIndexOf('.') + 1);
    const executor = FRAMEWORK_EXECUTORS.get(className ?? '');
    if (executor && callee && executor.prefixes.test(callee)) {
      context.report({
        node: call.node,
        message: `\`${className}\` ${executor.effect}: a prompt injection in anything the agents read becomes code execution here (CWE-94). Use a Docker or remote sandbox executor.`,
      });
      return;
    }
    if (callee && CREWAI.test(callee) && crewAiUnsafe(call, context, className ?? '')) return;
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
      if (value?.kind !== 'str' || (!DANGEROUS_TOOL_NAMES.has(value.value) && !REQUEST_TOOL_NAMES.has(value.value))) continue;
      const inCall = item.startIndex >= call.node.startIndex && item.endIndex <= call.node.endIndex;
      const message = REQUEST_TOOL_NAMES.has(value.value)
        ? `\`load_tools\` with "${value.value}" lets the agent send HTTP requests to any URL the model composes: a prompt injection reaches internal services and cloud metadata endpoints from this host (CWE-918).`
        : `\`load_tools\` with "${value.value}" gives the agent a tool that runs ${value.value === 'python_repl' ? 'Python code' : 'shell commands'}: a prompt injection becomes code execution on this host (CWE-78).`;
      context.report({
        node: inCall ? item : call.node,
        message,
        related: inCall ? undefined : [{ span: { start: item.startIndex, end: item.endIndex }, message: 'the tool is named here' }],
      });
    }
  },
  onFile(context) {
    if (context.text.includes('code_execution_config')) localCodeExecution(context);
    if (!context.text.includes('allow_dangerous_')) return;
    for (const node of context.callsWithKeywords(DANGEROUS_KEYWORDS)) {
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
