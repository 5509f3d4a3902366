/** MLS101: the pickle family. */
import type { CallSite } from '../../engine/callSite';
import type { Node } from '../../engine/parser';
import { defineRule } from '../../engine/rule';
import type { RuleContext } from '../../engine/rule';
import type { SemanticModel } from '../../engine/semantic';
import { OWASP, ATLAS, CWE_REFERENCE, constantOf, spelled } from '../support';

const PICKLE_MODULES = ['pickle', 'cPickle', '_pickle', 'pickle5', 'six.moves.cPickle', 'dill', 'cloudpickle'];

const PICKLE_LOADERS = PICKLE_MODULES.flatMap((m) => [`${m}.load`, `${m}.loads`]);

const UNPICKLER_LOADS = PICKLE_MODULES.map((m) => `${m}.Unpickler().load`);

const PICKLE_DUMPS = new Set(PICKLE_MODULES.map((m) => `${m}.dumps`));

/** How an Unpickler subclass hands a global to the default lookup, which imports anything. */
const FIND_CLASS_FALLBACKS = ['super().find_class', ...PICKLE_MODULES.map((m) => `${m}.Unpickler.find_class`)];

const UNPICKLER_CLASSES = new Set(PICKLE_MODULES.map((m) => `${m}.Unpickler`));

/**
 * A `find_class` override of a `pickle.Unpickler` subclass whose last statement hands every
 * global it did not special-case to the default lookup: an allow list that allows everything.
 * Quiet when an earlier statement of the method leaves it for names outside an allow list
 * (`if (module, name) not in ALLOWED: raise ...`), or when the fallback is itself guarded.
 */
function permissiveFindClass(call: CallSite, context: RuleContext): void {
  const statement = call.node.parent;
  if (statement?.type !== 'return_statement') return;
  const body = statement.parent;
  const method = body?.parent;
  if (body?.type !== 'block' || method?.type !== 'function_definition' || method.childForFieldName('name')?.text !== 'find_class') return;
  const statements = body.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
  if (statements[statements.length - 1]?.id !== statement.id) return;
  const classBody = method.parent?.type === 'decorated_definition' ? method.parent.parent : method.parent;
  const cls = classBody?.parent;
  if (cls?.type !== 'class_definition') return;
  const bases = cls.childForFieldName('superclasses')?.namedChildren ?? [];
  if (!bases.some((b) => !!b && UNPICKLER_CLASSES.has(context.model.qualifiedName(b) ?? ''))) return;
  // `if module not in ALLOWED: raise`, `if (module, name) != ...: raise`: an allow list guards it.
  const guarded = statements.some((s) => {
    if (s.type !== 'if_statement') return false;
    const condition = s.childForFieldName('condition')?.text ?? '';
    const block = s.childForFieldName('consequence');
    const last = block?.namedChildren.filter((n) => !!n && n.type !== 'comment').pop();
    return /\bnot\s+in\b|!=|^\s*not\b/.test(condition) && (last?.type === 'raise_statement' || last?.type === 'return_statement');
  });
  if (guarded) return;
  context.report({
    node: call.node,
    message: `\`${cls.childForFieldName('name')?.text ?? 'Unpickler'}.find_class\` passes every global it does not special-case to the default lookup, which imports any callable the pickle names: the restriction allows everything (CWE-502). Raise \`pickle.UnpicklingError\` for anything outside an explicit allow list.`,
  });
}

/**
 * True when `node` is the bytes a `pickle.dumps` call in this process just produced: the call
 * itself, or a name bound once in its scope (no other assignment, not a parameter) to it.
 */
function producedHere(model: SemanticModel, node: Node | undefined): boolean {
  if (node?.type === 'identifier') {
    const binding = model.lookup(node.text, node.startIndex);
    if (binding?.kind !== 'assign' || !binding.value || binding.node.id === node.id) return false;
    if (model.scopeAt(binding.node.startIndex).named(node.text).length !== 1) return false;
    node = binding.value;
  }
  if (node?.type !== 'call') return false;
  const inner = node.childForFieldName('function');
  return !!inner && PICKLE_DUMPS.has(model.qualifiedName(inner) ?? '');
}

export const pickleLoadRule = defineRule({
  code: 'MLS101',
  name: 'pickle-load',
  title: 'Loading data with pickle or a pickle-based module',
  severity: 'warning',
  cwe: [502],
  threats: ['model-tampering'],
  owasp: OWASP.supplyChain,
  atlas: ATLAS.unsafeArtifacts,
  rationale:
    'A pickle stream is a small program for a stack machine that may import any importable callable and invoke it with arguments of its choosing. Reading a pickle therefore hands control of the process to whoever wrote the bytes. The same holds for the modules built on it (dill, cloudpickle, shelve, jsonpickle), and marshal is documented as unfit for data that could have been crafted. Models, features and caches that travel between machines, buckets and hubs are exactly the files an attacker can swap.',
  remediation:
    'Store tensors and weights as safetensors, plain data as JSON, Parquet or NumPy arrays without object dtype, and scikit-learn estimators with skops; only unpickle files your own process wrote and that nobody else could modify.',
  references: [
    { title: 'Python pickle module: security warning', url: 'https://docs.python.org/3/library/pickle.html' },
    { title: 'Python shelve module', url: 'https://docs.python.org/3/library/shelve.html' },
    { title: 'safetensors', url: 'https://huggingface.co/docs/safetensors' },
    { title: 'skops persistence', url: 'https://skops.readthedocs.io/en/stable/persistence.html' },
    CWE_REFERENCE(502),
  ],
  callees: [
    ...PICKLE_LOADERS,
    ...UNPICKLER_LOADS,
    'dill.load_session',
    'dill.load_module',
    'shelve.open',
    'jsonpickle.decode',
    'jsonpickle.loads',
    'marshal.load',
    'marshal.loads',
    ...FIND_CLASS_FALLBACKS,
  ],
  // A `find_class` override is judged by the guards written before its fallback.
  readsFunction: ['find_class'],
  onCall(call, context) {
    const callee = call.callee ?? '';
    if (FIND_CLASS_FALLBACKS.includes(callee)) {
      permissiveFindClass(call, context);
      return;
    }
    if (callee === 'shelve.open') {
      // flag='n' always creates a fresh, empty shelf: nothing foreign is read.
      const flag = constantOf(context, call.argument('flag', 1));
      if (flag?.kind === 'str' && flag.value === 'n') return;
    } else if (PICKLE_LOADERS.includes(callee)) {
      // `pickle.loads(pickle.dumps(obj))` deep-copies an object this process already holds.
      // So does loading a name whose only assignment in its scope is such a `dumps` call.
      if (producedHere(context.model, call.argument('data', 0)?.value)) return;
    }
    const module = callee.startsWith('marshal.')
      ? 'marshal'
      : callee.startsWith('shelve.')
        ? 'shelve'
        : callee.startsWith('jsonpickle.')
          ? 'jsonpickle'
          : 'pickle';
    const how =
      module === 'marshal'
        ? 'is not safe against crafted input: it can build code objects and crash or subvert the interpreter'
        : module === 'shelve'
          ? 'unpickles every value read from the shelf: a crafted database file runs code when a key is read'
          : module === 'jsonpickle'
            ? 'rebuilds arbitrary Python objects named in the JSON and can run code while doing so'
            : 'unpickles the data: a crafted file runs arbitrary code while it is loaded';
    context.report({
      node: call.node,
      message: `\`${spelled(call)}\` ${how} (CWE-502). Prefer safetensors, JSON or skops for anything that could come from elsewhere.`,
    });
  },
});
