/**
 * Dangerous settings hidden in defaults: a value that reaches a call through a function
 * parameter's default (`def load(name, trust_remote_code=True)`), an argparse option's
 * `default=`, or the fallback of an environment lookup (`os.environ.get("HOST", "0.0.0.0")`).
 * A call-site rule sees only the name; these helpers find the default that decides what the call
 * does when nobody overrides it, so the rule can report the call and point at the default.
 */
import type { Node } from '../engine/parser';
import type { Argument, CallSite } from '../engine/callSite';
import type { ConstValue, SemanticModel } from '../engine/semantic';
import type { Fix, RelatedLocation } from '../engine/rule';
import { argparseDeclarations } from './restricted';

export interface DefaultValue {
  /** The default's constant value. */
  value: ConstValue;
  /** The default expression (where the fix goes). */
  node: Node;
  /** How it reaches the call, for messages. */
  via: 'parameter' | 'argparse' | 'environment';
  /** The parameter, option or variable name. */
  name: string;
}

const MAX_DEPTH = 6;

const ENVIRONMENT_GETTERS = new Set(['os.environ.get', 'os.getenv', 'os.environ.setdefault']);

/**
 * The default a non-constant expression takes when nothing overrides it, following names bound
 * once in their scope; undefined when there is none or it is not a constant.
 */
export function defaultValue(model: SemanticModel, node: Node | null | undefined, depth = 0): DefaultValue | undefined {
  if (!node || depth > MAX_DEPTH) return undefined;
  switch (node.type) {
    case 'parenthesized_expression':
      return defaultValue(model, node.namedChildren[0], depth + 1);
    case 'identifier': {
      const binding = model.lookup(node.text, node.startIndex);
      if (!binding || binding.node.id === node.id) return undefined;
      const all = model.scopeAt(binding.node.startIndex).named(node.text);
      if (binding.kind === 'param') {
        // Reassigned in the function: the default may not be what reaches the call.
        if (all.length !== 1) return undefined;
        const parameter = binding.node.parent;
        if (parameter?.type !== 'default_parameter' && parameter?.type !== 'typed_default_parameter') return undefined;
        const value = parameter.childForFieldName('value');
        const constant = model.constantValue(value);
        return value && constant ? { value: constant, node: value, via: 'parameter', name: node.text } : undefined;
      }
      if (binding.kind === 'assign' && binding.value && all.length === 1) return defaultValue(model, binding.value, depth + 1);
      return undefined;
    }
    case 'attribute': {
      // `args.host` of an argparse namespace: the option's default.
      const name = node.childForFieldName('attribute')?.text;
      if (!name) return undefined;
      const declarations = argparseDeclarations(model, name);
      if (declarations.length !== 1) return undefined;
      const value = declarations[0].get('default');
      const constant = model.constantValue(value);
      if (value && constant) return { value: constant, node: value, via: 'argparse', name };
      // A flag without `default=`: `store_true` is False until given, `store_false` True.
      const action = declarations[0].get('action');
      const flag = model.constantValue(action);
      if (!value && action && flag?.kind === 'str' && (flag.value === 'store_true' || flag.value === 'store_false'))
        return { value: { kind: 'bool', value: flag.value === 'store_false', node: action }, node: action, via: 'argparse', name };
      // `default=os.environ.get("HOST", "0.0.0.0")`
      return value ? defaultValue(model, value, depth + 1) : undefined;
    }
    case 'call': {
      const fn = node.childForFieldName('function');
      const callee = fn ? model.qualifiedName(fn) : undefined;
      if (!callee || !ENVIRONMENT_GETTERS.has(callee)) return undefined;
      const args = node.childForFieldName('arguments')?.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment') ?? [];
      const keyword = args.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'default');
      const fallback = keyword ? keyword.childForFieldName('value') : args.filter((a) => a.type !== 'keyword_argument')[1];
      const key = model.constantValue(args[0]);
      const constant = model.constantValue(fallback);
      return fallback && constant
        ? { value: constant, node: fallback, via: 'environment', name: key?.kind === 'str' ? key.value : 'the variable' }
        : undefined;
    }
    default:
      return undefined;
  }
}

/** How a default reaches the call, in words. */
export function describeDefault(found: DefaultValue): string {
  switch (found.via) {
    case 'parameter':
      return `the default of parameter \`${found.name}\``;
    case 'argparse':
      return `the default of the command-line option \`${found.name}\``;
    case 'environment':
      return `the fallback used when \`${found.name}\` is not set in the environment`;
  }
}

/**
 * The default a call's argument takes when nobody overrides it, when `dangerous` says it is the
 * dangerous setting: `def restore(path, weights_only=False): torch.load(path, weights_only=weights_only)`.
 * Only an argument written in the call (a `**dict` entry is judged where the dict is made).
 */
export function dangerousDefault(
  model: SemanticModel,
  call: CallSite,
  argument: Argument,
  dangerous: (value: ConstValue) => boolean,
): DefaultValue | undefined {
  if (argument.node.startIndex < call.node.startIndex || argument.node.endIndex > call.node.endIndex) return undefined;
  const found = defaultValue(model, argument.value);
  return found && dangerous(found.value) ? found : undefined;
}

/** Where a default found by dangerousDefault is, as a finding's related location. */
export function defaultOrigin(found: DefaultValue, what: string): RelatedLocation[] {
  return [{ span: { start: found.node.startIndex, end: found.node.endIndex }, message: `${describeDefault(found)} is ${what} here` }];
}

/** The fix that turns the default itself around, when it is written as the literal `from` (not a flag's action). */
export function defaultFix(found: DefaultValue, from: 'True' | 'False', to: 'True' | 'False'): Fix[] {
  return found.node.text === from
    ? [
        {
          title: `Make the default \`${to}\``,
          safe: false,
          edits: [{ start: found.node.startIndex, end: found.node.endIndex, newText: to }],
        },
      ]
    : [];
}

/** Who gets a default found by defaultValue, for messages ("every caller that does not pass it"). */
export function whoGetsDefault(found: DefaultValue): string {
  switch (found.via) {
    case 'parameter':
      return 'every caller that does not pass it';
    case 'argparse':
      return 'every run without the option';
    case 'environment':
      return 'every run where the variable is not set';
  }
}
