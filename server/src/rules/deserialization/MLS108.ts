/** MLS108: LangChain's explicit opt-in to pickle. */
import { CallSite } from '../../engine/callSite';
import { defineRule } from '../../engine/rule';
import { OWASP, ATLAS, CWE_REFERENCE, constantOf, spelled, argumentOrCall, isTruthy, flagOrigin, flagFix } from '../support';

const DANGEROUS_KEYWORD = 'allow_dangerous_deserialization';

export const langchainDangerousDeserializationRule = defineRule({
  code: 'MLS108',
  name: 'langchain-dangerous-deserialization',
  title: '`allow_dangerous_deserialization=True` (LangChain)',
  severity: 'error',
  cwe: [502],
  threats: ['model-tampering'],
  owasp: OWASP.supplyChain,
  atlas: ATLAS.unsafeArtifacts,
  rationale:
    'LangChain refuses to read pickle-backed artifacts (the `index.pkl` docstore of a FAISS store saved with `save_local`, and similar vector stores and serialized objects) unless the caller passes `allow_dangerous_deserialization=True`. The flag is an explicit statement that the files are trusted: if an index directory can be written, uploaded or downloaded by anyone else, setting it lets that party run code in the application, typically one that holds LLM API keys and user data.',
  remediation:
    'Leave the flag off and rebuild the index from source documents, or store documents in a format without code (JSON, a database) and only the vectors in the index file; if the flag is unavoidable, load only directories your own process wrote and that nobody else can modify.',
  references: [
    { title: 'LangChain security policy', url: 'https://python.langchain.com/docs/security/' },
    { title: 'LangChain FAISS vector store', url: 'https://python.langchain.com/docs/integrations/vectorstores/faiss/' },
    CWE_REFERENCE(502),
  ],
  keywords: [DANGEROUS_KEYWORD],
  // The keyword is the signal, whatever the callee: checked per call without running for every call
  // of every file (a rule without callees or methods would).
  onFile(context) {
    if (!context.text.includes(DANGEROUS_KEYWORD)) return;
    for (const node of context.callsWithKeywords([DANGEROUS_KEYWORD])) {
      const call = new CallSite(node, context.model);
      const argument = call.keywords.get(DANGEROUS_KEYWORD);
      if (!argument) continue;
      const value = constantOf(context, argument);
      if (!isTruthy(value)) continue;
      context.report({
        node: argumentOrCall(call, argument),
        message: `\`${spelled(call)}(..., ${DANGEROUS_KEYWORD}=True)\` unpickles the stored data: whoever can replace the files runs code in this process (CWE-502).`,
        related: flagOrigin(context, call, argument, value, `\`${DANGEROUS_KEYWORD}\` is set to True here`),
        fixes: flagFix(`Set \`${DANGEROUS_KEYWORD}=False\``, argument, value, 'False', false),
      });
    }
  },
});
