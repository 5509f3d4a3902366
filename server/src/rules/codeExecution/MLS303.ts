/** MLS303: LLM agent tools that run code or shell commands. */
import { CallSite } from '../../engine/callSite';
import { defineRule } from '../../engine/rule';
import { ATLAS, CWE_REFERENCE, constantOf, argumentOrCall, isTruthy, mayCarryKeyword, flagOrigin, flagFix } from '../support';

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
  names: [...CODE_TOOLS.keys(), 'load_tools'],
  keywords: DANGEROUS_KEYWORDS,
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
      if (!mayCarryKeyword(node, DANGEROUS_KEYWORDS)) continue;
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
