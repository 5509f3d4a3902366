/**
 * MLS1xx: loading models and data in formats that can run code when read (pickle and friends).
 * A checkpoint downloaded from a hub or a colleague is untrusted input: loading it must not
 * execute code.
 */
import { defineRule } from '../engine/rule';
import type { Rule } from '../engine/rule';
import { ATLAS, CWE_REFERENCE, OWASP, addKeywordFix, constantOf, definedAt, fixes, isConstFalse, isConstTrue, replaceValueFix } from './support';

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
  triggers: ['load'],
  callees: ['torch.load', 'torch.serialization.load'],
  onCall(call, context) {
    const argument = call.argument('weights_only', 5);
    if (!argument) {
      if (call.hasOpaqueKwargs || call.hasListSplat) return; // may be passed through **kwargs
      context.report({
        node: call.node,
        message: '`torch.load` without `weights_only=True` can execute code embedded in the checkpoint (CWE-502).',
        fixes: fixes(addKeywordFix('Add `weights_only=True`', call, context, 'weights_only=True', false)),
      });
      return;
    }
    const value = constantOf(context, argument);
    if (isConstTrue(value)) return;
    if (isConstFalse(value) || value?.kind === 'none') {
      context.report({
        node: argument.node,
        severity: 'error',
        message: '`torch.load(..., weights_only=False)` unpickles arbitrary objects: a tampered checkpoint runs code when loaded (CWE-502).',
        related: definedAt(context, value, '`weights_only` is set to False here'),
        fixes: value?.definedAt || argument.fromSplat ? [] : [replaceValueFix('Set `weights_only=True`', argument, 'True', false)],
      });
    }
    // A value that is not a constant is the caller's decision: not reported.
  },
});

export const deserializationRules: Rule[] = [torchLoadRule];

// Silence "unused" until the other MLS1xx rules use it.
void isConstTrue;
