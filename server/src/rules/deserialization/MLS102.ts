/** MLS102 torch-load-unsafe. */
import type { Node } from '../../engine/parser';
import type { CallSite } from '../../engine/callSite';
import { defineRule } from '../../engine/rule';
import { atLeast, describeFact } from '../../deps/versionFacts';
import type { RuleContext } from '../../engine/rule';
import {
  OWASP,
  ATLAS,
  CWE_REFERENCE,
  constantOf,
  isConstTrue,
  isConstFalse,
  replaceValueFix,
  addKeywordFix,
  definedAt,
  fixes,
} from '../support';
import { dangerousDefault, defaultFix, defaultOrigin, describeDefault, whoGetsDefault } from '../defaults';

/** The torch release from which `torch.load` defaults to `weights_only=True`. */
const TORCH_SAFE_DEFAULT = '2.6.0';

/**
 * `model.load_state_dict(torch.load(...))`: the loaded object goes straight into
 * `load_state_dict`, so the code already says it is a state dict (tensors in a mapping), which
 * `weights_only=True` loads unchanged. Adding the flag there is a safe fix; elsewhere the
 * checkpoint may pickle other objects and the fix stays unsafe.
 */
function feedsLoadStateDict(callNode: Node): boolean {
  const args = callNode.parent;
  if (args?.type !== 'argument_list') return false;
  const first = args.namedChildren[0];
  if (!first || first.startIndex !== callNode.startIndex || first.endIndex !== callNode.endIndex) return false;
  const outer = args.parent;
  const callee = outer?.type === 'call' ? outer.childForFieldName('function') : null;
  return callee?.type === 'attribute' && callee.childForFieldName('attribute')?.text === 'load_state_dict';
}

/**
 * Download-and-load helpers. Their own signature says `weights_only=False` (checked in the
 * PyTorch 2.x documentation of `torch.hub.load_state_dict_from_url` and
 * `torch.utils.model_zoo.load_url`), so unlike `torch.load` the default unpickles on every torch
 * version; `check_hash` only compares the file with a hash written in its own URL, which says
 * nothing about whether the pickle inside is harmless.
 */
const URL_LOADERS = [
  'torch.hub.load_state_dict_from_url',
  'torch.utils.model_zoo.load_url',
  'torch.utils.model_zoo.load_state_dict_from_url',
];

function urlLoad(call: CallSite, context: RuleContext): void {
  const argument = call.argument('weights_only', 6);
  const name = call.calleeNode.text.replace(/\s+/g, '');
  if (!argument) {
    if (call.hasOpaqueKwargs || call.hasListSplat) return;
    context.report({
      node: call.node,
      severity: 'error',
      message: `\`${name}\` downloads a checkpoint and unpickles it with \`weights_only=False\` by default, on every torch version: whoever serves that URL (or swaps the cached file) runs code here (CWE-502). Pass \`weights_only=True\`.`,
      fixes: fixes(addKeywordFix('Add `weights_only=True`', call, context, 'weights_only=True', feedsLoadStateDict(call.node))),
    });
    return;
  }
  const value = constantOf(context, argument);
  if (isConstFalse(value) || value?.kind === 'none') {
    context.report({
      node: argument.node,
      severity: 'error',
      message: `\`${name}(..., weights_only=False)\` unpickles a downloaded checkpoint: whoever serves that URL runs code here (CWE-502).`,
      related: definedAt(context, value, '`weights_only` is set to False here'),
      fixes:
        value?.definedAt || argument.fromSplat
          ? []
          : [replaceValueFix('Set `weights_only=True`', argument, 'True', feedsLoadStateDict(call.node))],
    });
  }
}

export const torchLoadRule = defineRule({
  code: 'MLS102',
  name: 'torch-load-unsafe',
  title: '`torch.load` without `weights_only=True`',
  severity: 'warning',
  cwe: [502],
  threats: ['model-tampering'],
  owasp: OWASP.supplyChain,
  atlas: ATLAS.unsafeArtifacts,
  rationale:
    '`torch.load` unpickles the checkpoint. Unless `weights_only=True` restricts the unpickler to tensors and plain containers, a crafted `.pt`/`.pth`/`.bin` file runs arbitrary code the moment it is loaded. PyTorch 2.6 made `weights_only=True` the default, but code that passes `False`, or runs on older versions, is exposed.',
  remediation:
    'Pass `weights_only=True` (and register any custom classes with `torch.serialization.add_safe_globals`), or store weights as safetensors and load them with `safetensors.torch.load_file`.',
  references: [
    { title: 'torch.load documentation', url: 'https://pytorch.org/docs/stable/generated/torch.load.html' },
    { title: 'safetensors', url: 'https://huggingface.co/docs/safetensors' },
    CWE_REFERENCE(502),
  ],
  callees: ['torch.load', 'torch.serialization.load', ...URL_LOADERS],
  // `parser.add_argument(..., default=/action=)` elsewhere in the file decides an option's default.
  reads: ['add_argument'],
  onCall(call, context) {
    if (call.is(...URL_LOADERS)) {
      urlLoad(call, context);
      return;
    }
    const argument = call.argument('weights_only', 5);
    if (!argument) {
      if (call.hasOpaqueKwargs || call.hasListSplat) return; // may be passed through **kwargs
      const fix = fixes(addKeywordFix('Add `weights_only=True`', call, context, 'weights_only=True', feedsLoadStateDict(call.node)));
      // The default depends on the installed torch: what the project pins or locks says which.
      const torch = context.versions?.get('torch');
      const safeDefault = atLeast(torch, TORCH_SAFE_DEFAULT);
      if (torch && safeDefault === true) {
        context.report({
          node: call.node,
          severity: 'info',
          message: `\`torch.load\` without \`weights_only\`: ${describeFact('torch', torch)} already defaults to \`weights_only=True\`; passing it explicitly keeps the call safe where an older torch is installed.`,
          fixes: fix,
        });
        return;
      }
      const cited = torch && safeDefault === false ? ` ${describeFact('torch', torch)} still defaults to \`weights_only=False\`.` : '';
      context.report({
        node: call.node,
        message: `\`torch.load\` without \`weights_only=True\` can execute code embedded in the checkpoint (CWE-502).${cited}`,
        fixes: fix,
      });
      return;
    }
    const value = constantOf(context, argument);
    if (isConstTrue(value)) {
      // Before 2.6.0 the weights_only unpickler itself could be bypassed (CVE-2025-32434).
      const torch = context.versions?.get('torch');
      if (torch?.pinned !== undefined && atLeast(torch, TORCH_SAFE_DEFAULT) === false) {
        context.report({
          node: argument.node,
          message: `\`weights_only=True\` does not protect ${describeFact('torch', torch)}: before ${TORCH_SAFE_DEFAULT} a crafted checkpoint can bypass the restricted unpickler and run code (CVE-2025-32434). Upgrade torch.`,
        });
      }
      return;
    }
    if (isConstFalse(value) || value?.kind === 'none') {
      context.report({
        node: argument.node,
        severity: 'error',
        message:
          '`torch.load(..., weights_only=False)` unpickles arbitrary objects: a tampered checkpoint runs code when loaded (CWE-502).',
        related: definedAt(context, value, '`weights_only` is set to False here'),
        fixes:
          value?.definedAt || argument.fromSplat
            ? []
            : [replaceValueFix('Set `weights_only=True`', argument, 'True', feedsLoadStateDict(call.node))],
      });
    }
    // `def restore(path, weights_only=False): torch.load(path, weights_only=weights_only)`:
    // every caller that leaves it out gets the full unpickler.
    const found = dangerousDefault(context.model, call, argument, (v) => isConstFalse(v) || v.kind === 'none');
    if (found) {
      context.report({
        node: argument.node,
        severity: 'error',
        message: `\`torch.load\` gets \`weights_only=False\` from ${describeDefault(found)}: ${whoGetsDefault(found)} unpickles arbitrary objects, and a tampered checkpoint runs code when loaded (CWE-502). Make the default True.`,
        related: defaultOrigin(found, 'False'),
        fixes: defaultFix(found, 'False', 'True'),
      });
    }
    // Any other value that is not a constant is the caller's decision: not reported.
  },
});
