/** Small helpers the rule modules share. */
import type { Argument, CallSite } from '../engine/callSite';
import type { Node } from '../engine/parser';
import type { Fix, RelatedLocation, RuleContext } from '../engine/rule';
import type { ConstValue } from '../engine/semantic';

export const OWASP = {
  inputManipulation: 'ML01:2023 Input Manipulation Attack',
  dataPoisoning: 'ML02:2023 Data Poisoning Attack',
  modelInversion: 'ML03:2023 Model Inversion Attack',
  membershipInference: 'ML04:2023 Membership Inference Attack',
  modelTheft: 'ML05:2023 Model Theft',
  supplyChain: 'ML06:2023 AI Supply Chain Attacks',
  transferLearning: 'ML07:2023 Transfer Learning Attack',
  modelSkewing: 'ML08:2023 Model Skewing',
  outputIntegrity: 'ML09:2023 Output Integrity Attack',
  modelPoisoning: 'ML10:2023 Model Poisoning',
} as const;

export const ATLAS = {
  supplyChain: 'AML.T0010 ML Supply Chain Compromise',
  maliciousModel: 'AML.T0010.003 ML Supply Chain Compromise: Model',
  userExecution: 'AML.T0011 User Execution',
  unsafeArtifacts: 'AML.T0011.000 User Execution: Unsafe ML Artifacts',
  poisonTrainingData: 'AML.T0020 Poison Training Data',
  extraction: 'AML.T0024 Exfiltration via ML Inference API',
  promptInjection: 'AML.T0051 LLM Prompt Injection',
  pluginCompromise: 'AML.T0053 LLM Plugin Compromise',
  validAccounts: 'AML.T0012 Valid Accounts',
  publicApi: 'AML.T0040 ML Model Inference API Access',
} as const;

export const CWE_REFERENCE = (id: number) => ({ title: `CWE-${id}`, url: `https://cwe.mitre.org/data/definitions/${id}.html` });

/** The constant value of an argument, if it is one. */
export function constantOf(context: RuleContext, argument: Argument | undefined): ConstValue | undefined {
  return argument ? context.constant(argument.value) : undefined;
}

export function isConstTrue(value: ConstValue | undefined): boolean {
  return value?.kind === 'bool' && value.value === true;
}

export function isConstFalse(value: ConstValue | undefined): boolean {
  return value?.kind === 'bool' && value.value === false;
}

/** A fix replacing an argument's value (the literal in the call, not a constant defined elsewhere). */
export function replaceValueFix(title: string, argument: Argument, newText: string, safe: boolean): Fix {
  return { title, safe, edits: [{ start: argument.value.startIndex, end: argument.value.endIndex, newText }] };
}

/** A fix adding a keyword argument at the end of a call, keeping its layout. */
export function addKeywordFix(title: string, call: CallSite, context: RuleContext, keyword: string, safe: boolean): Fix | undefined {
  const edits = call.appendKeyword(context.text, keyword);
  return edits ? { title, safe, edits } : undefined;
}

/** Where a constant came from, as related information, when it came through a name. */
export function definedAt(context: RuleContext, value: ConstValue | undefined, what: string): RelatedLocation[] | undefined {
  return context.definedHere(value, what);
}

/** The text of a node, shortened for messages. */
export function snippet(node: Node, max = 40): string {
  const text = node.text.replace(/\s+/g, ' ');
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/** Drops undefined entries from a list of fixes. */
export function fixes(...list: Array<Fix | undefined>): Fix[] {
  return list.filter((f): f is Fix => f !== undefined);
}
