/** MLS201 trust-remote-code */
import { CallSite } from '../../engine/callSite';
import type { Argument } from '../../engine/callSite';
import type { Node } from '../../engine/parser';
import { defineRule } from '../../engine/rule';
import type { RelatedLocation, RuleContext } from '../../engine/rule';
import { OWASP, ATLAS, CWE_REFERENCE, constantOf, isConstTrue, definedAt, snippet, fixes, within, stringOf } from '../support';
import { FULL_SHA } from './helpers';
import { identifierOccurrences } from '../../engine/textScan';
import { defaultFix, defaultOrigin, defaultValue, describeDefault, whoGetsDefault } from '../defaults';

/** `trust_remote_code` given directly, or inside a dict passed as a keyword (`model_kwargs={...}`). */
function trustRemoteCodeArguments(call: CallSite, context: RuleContext, holders: DictHolders): Argument[] {
  const found: Argument[] = [];
  const direct = call.keywords.get('trust_remote_code');
  if (direct) found.push(direct);
  for (const [name, argument] of call.keywords) {
    if (name === 'trust_remote_code' || holdsNoKey(argument.value, holders)) continue;
    const dict = context.constant(argument.value);
    if (dict?.kind !== 'dict') continue;
    const nested = dict.value.get('trust_remote_code');
    if (nested) found.push({ value: nested, node: nested.parent ?? nested, fromSplat: true });
  }
  return found;
}

/**
 * Which names can hold a dict with the key `trust_remote_code`. The constant dicts a name or a
 * `**` resolves to (SemanticModel.constantValue) are dict literals and `dict(...)` calls of the
 * file, reached from a name through `name = value` assignments only (the value past chained
 * targets and parentheses); `any` says whether one of them may hold the key (a key whose constant
 * value is that, a `dict(...)` call spelling it), and `names` the names assigned one, directly or
 * through other names. Names outside it are not resolved: in a module of long functions passing
 * `x=x` hundreds of times, those lookups were most of the analysis, and none of them could find
 * the flag. Found without walking the tree (a walk was a third of an edit of a 5,000-line file):
 * dict literals at the `{` that starts each, assignments at the occurrences of the names.
 */
interface DictHolders {
  any: boolean;
  names: ReadonlySet<string>;
}

function dictHolders(context: RuleContext): DictHolders {
  const { model } = context;
  const text = model.text;
  const root = model.tree.rootNode;
  const carrying: Node[] = [];
  for (let at = text.indexOf('{'); at >= 0; at = text.indexOf('{', at + 1)) {
    const dict = root.descendantForIndex(at, at + 1)?.parent;
    if (dict?.type !== 'dictionary' || dict.startIndex !== at) continue;
    const holds = dict.namedChildren.some((pair) => {
      if (pair?.type !== 'pair') return false;
      const key = context.constant(pair.childForFieldName('key'));
      return key?.kind === 'str' && key.value === 'trust_remote_code';
    });
    if (holds) carrying.push(dict);
  }
  for (const call of context.callsMentioning('trust_remote_code')) {
    const fn = call.childForFieldName('function');
    if (fn?.type === 'identifier' && fn.text === 'dict') carrying.push(call);
  }
  const names = new Set<string>();
  if (carrying.length === 0) return { any: false, names };
  // The identifiers `value` is assigned to: `a = b = (value)`.
  const assignedTo = (value: Node): string[] => {
    const targets: string[] = [];
    let node = value;
    while (node.parent?.type === 'parenthesized_expression') node = node.parent;
    for (let up = node.parent; up?.type === 'assignment' && up.childForFieldName('right')?.id === node.id; node = up, up = up.parent) {
      const left = up.childForFieldName('left');
      if (left?.type === 'identifier') targets.push(left.text);
    }
    return targets;
  };
  const queue = carrying.flatMap(assignedTo);
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (names.has(name)) continue;
    names.add(name);
    // `other = name`: other holds it too.
    for (const at of identifierOccurrences(text, name)) {
      const use = root.descendantForIndex(at, at + name.length);
      if (use?.type === 'identifier' && use.startIndex === at && use.endIndex === at + name.length) queue.push(...assignedTo(use));
    }
  }
  return { any: true, names };
}

/** An identifier that cannot resolve to a dict holding the key. */
function holdsNoKey(node: Node, holders: DictHolders): boolean {
  return !holders.any || (node.type === 'identifier' && !holders.names.has(node.text));
}

/** Calls that can carry `trust_remote_code`: spelled in the arguments, or hidden in a `**` or a named dict. */
function mayCarryTrustRemoteCode(callNode: Node, holders: DictHolders): boolean {
  const args = callNode.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return false;
  for (const arg of args.namedChildren) {
    if (!arg) continue;
    if (arg.type === 'dictionary_splat' && (!arg.namedChildren[0] || !holdsNoKey(arg.namedChildren[0], holders))) return true;
    const value = arg.type === 'keyword_argument' ? arg.childForFieldName('value') : null;
    if (value?.type === 'identifier' && !holdsNoKey(value, holders)) return true;
  }
  return args.text.includes('trust_remote_code');
}

/** The `**DICT` argument of a call that brings `trust_remote_code` in from a dict defined elsewhere. */
function splatCarrying(call: CallSite, context: RuleContext): Node | undefined {
  for (const arg of call.argumentList?.namedChildren ?? []) {
    if (arg?.type !== 'dictionary_splat') continue;
    const dict = context.constant(arg.namedChildren[0]);
    if (dict?.kind === 'dict' && dict.value.has('trust_remote_code')) return arg;
  }
  for (const argument of call.keywords.values()) {
    if (argument.fromSplat || !within(argument.node, call.node)) continue;
    const dict = context.constant(argument.value);
    if (dict?.kind === 'dict' && dict.value.has('trust_remote_code')) return argument.node;
  }
  return undefined;
}

/**
 * The full commit sha the remote code is pinned to: `code_revision=` when given (transformers
 * loads custom code from there), else `revision=`; undefined when either names something that
 * can move (a branch, a tag, a short sha, a computed value).
 */
function pinnedCodeCommit(call: CallSite, context: RuleContext): string | undefined {
  const codeRevision = call.keywords.get('code_revision');
  const argument = codeRevision ?? call.keywords.get('revision');
  if (!argument) return undefined;
  if (codeRevision && call.keywords.get('revision')) {
    // Both given: the weights' revision must be pinned too, or the reviewed pair can change.
    const weights = stringOf(context, call.keywords.get('revision')!);
    if (!weights || !FULL_SHA.test(weights.value)) return undefined;
  }
  const value = stringOf(context, argument);
  return value && FULL_SHA.test(value.value) ? value.value : undefined;
}

/**
 * `def load(name, trust_remote_code=True): AutoModel.from_pretrained(name, trust_remote_code=trust_remote_code)`:
 * every caller that does not pass the flag runs remote code. Reported at the call, pointing at
 * the default, where the fix goes.
 */
function reportTrueDefault(call: CallSite, argument: Argument, context: RuleContext): void {
  // A project function forwarding the flag is judged where it calls the library, not here.
  if (!within(argument.node, call.node) || !call.callee) return;
  const found = defaultValue(context.model, argument.value);
  if (!found || !isConstTrue(found.value)) return;
  const what = call.callee ?? snippet(call.calleeNode);
  context.report({
    node: argument.node,
    message: `\`${what}\` gets \`trust_remote_code=True\` from ${describeDefault(found)}: ${whoGetsDefault(found)} lets the loader download and run Python code from the repository (CWE-494). Make the default False.`,
    related: defaultOrigin(found, 'True'),
    fixes: defaultFix(found, 'True', 'False'),
  });
}

export const trustRemoteCodeRule = defineRule({
  code: 'MLS201',
  name: 'trust-remote-code',
  title: '`trust_remote_code=True` runs Python code shipped with a model or dataset',
  severity: 'error',
  cwe: [494, 829],
  threats: ['model-tampering'],
  owasp: OWASP.supplyChain,
  atlas: ATLAS.maliciousModel,
  rationale:
    'With `trust_remote_code=True`, Hugging Face loaders (transformers `from_pretrained` and `pipeline`, `datasets.load_dataset`, sentence-transformers and others) download Python modules from the model or dataset repository and import them. Whoever controls that repository, or any later commit of it, runs code with the permissions of the training or serving process: reading credentials, tampering with weights, moving laterally. A typosquatted or compromised repository is enough.',
  remediation:
    'Remove `trust_remote_code=True` and use architectures supported natively by the library. If custom code is unavoidable, review it, pin the repository to a full commit sha with `revision=`, or vendor the code into your project.',
  references: [
    { title: 'transformers: using custom models', url: 'https://huggingface.co/docs/transformers/custom_models' },
    { title: 'Hugging Face Hub security', url: 'https://huggingface.co/docs/hub/security' },
    CWE_REFERENCE(494),
  ],
  keywords: ['trust_remote_code'],
  // `parser.add_argument(..., choices=/default=)` elsewhere in the file decides what an option can hold.
  reads: ['add_argument'],
  // onFile reads the calls and dicts written with the flag, and the names they pass it through.
  fileReads: { names: ['trust_remote_code'] },
  onFile(context) {
    if (!context.text.includes('trust_remote_code')) return;
    const holders = dictHolders(context);
    // Without a dict that may hold the flag, only a call whose arguments spell it can carry it.
    const candidates = holders.any ? context.model.calls : context.callsMentioning('trust_remote_code');
    for (const callNode of candidates) {
      if (!mayCarryTrustRemoteCode(callNode, holders)) continue;
      const call = new CallSite(callNode, context.model);
      // `dict(trust_remote_code=True)` builds the options; the call that receives them is reported.
      if (call.is('dict')) continue;
      for (const argument of trustRemoteCodeArguments(call, context, holders)) {
        const value = constantOf(context, argument);
        if (!isConstTrue(value)) {
          reportTrueDefault(call, argument, context);
          continue;
        }
        const inCall = within(argument.node, call.node);
        const splat = inCall ? undefined : splatCarrying(call, context);
        const related: RelatedLocation[] = [...(definedAt(context, value, '`trust_remote_code` is set to True here') ?? [])];
        if (!inCall)
          related.push({
            span: { start: argument.node.startIndex, end: argument.node.endIndex },
            message: '`trust_remote_code: True` comes from this dict',
          });
        const what = call.callee ?? snippet(call.calleeNode);
        const pinned = pinnedCodeCommit(call, context);
        context.report({
          node: inCall ? argument.node : (splat ?? call.node),
          message: pinned
            ? `\`${what}\` with \`trust_remote_code=True\` runs Python code from the repository, pinned to commit ${pinned.slice(0, 12)}…: a reproducible choice, reported as a warning. Review the code of that commit, and again whenever the pin changes (CWE-494).`
            : `\`${what}\` with \`trust_remote_code=True\` lets the loader download and run Python code from the model or dataset repository (CWE-494).`,
          // The code that runs is fixed and can be reviewed once, so it is not an error; it is
          // still remote code, so it stays a finding.
          severity: pinned ? 'warning' : undefined,
          related: related.length > 0 ? related : undefined,
          fixes: fixes(
            value && !value.definedAt && within(argument.value, call.node) && argument.value.type === 'true'
              ? {
                  title: 'Set `trust_remote_code=False`',
                  safe: false,
                  edits: [{ start: argument.value.startIndex, end: argument.value.endIndex, newText: 'False' }],
                }
              : undefined,
          ),
        });
      }
    }
  },
});
