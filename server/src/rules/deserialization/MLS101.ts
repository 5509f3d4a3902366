/** MLS101: the pickle family. */
import { defineRule } from '../../engine/rule';
import { OWASP, ATLAS, CWE_REFERENCE, constantOf, spelled } from '../support';

const PICKLE_MODULES = ['pickle', 'cPickle', '_pickle', 'pickle5', 'six.moves.cPickle', 'dill', 'cloudpickle'];

const PICKLE_LOADERS = PICKLE_MODULES.flatMap((m) => [`${m}.load`, `${m}.loads`]);

const UNPICKLER_LOADS = PICKLE_MODULES.map((m) => `${m}.Unpickler().load`);

const PICKLE_DUMPS = new Set(PICKLE_MODULES.map((m) => `${m}.dumps`));

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
  ],
  onCall(call, context) {
    const callee = call.callee ?? '';
    if (callee === 'shelve.open') {
      // flag='n' always creates a fresh, empty shelf: nothing foreign is read.
      const flag = constantOf(context, call.argument('flag', 1));
      if (flag?.kind === 'str' && flag.value === 'n') return;
    } else if (PICKLE_LOADERS.includes(callee)) {
      // `pickle.loads(pickle.dumps(obj))` deep-copies an object this process already holds.
      const first = call.positional[0];
      const inner = first?.type === 'call' ? first.childForFieldName('function') : null;
      if (inner && PICKLE_DUMPS.has(context.model.qualifiedName(inner) ?? '')) return;
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
