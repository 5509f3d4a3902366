/**
 * MLS6xx, model files: the metadata of the findings about model files themselves. These rules
 * match no Python call, so they are not given to the Python analyzer (its prefilter and rule
 * index stay as they are); `RULE_CATALOGUE` (rules/catalogue.ts) lists them with the Python
 * rules for `mlsec rules`, `mlsec explain`, SARIF rule descriptors and selection.
 */
import type { Rule, RuleMeta } from '../engine/rule';
import { ATLAS, CWE_REFERENCE, OWASP } from '../rules/support';

const CONVERT =
  'Convert trusted weights to safetensors (`safetensors.torch.save_file(model.state_dict(), "model.safetensors")`, or `save_pretrained(..., safe_serialization=True)`) and load them with `safetensors.torch.load_file`; for scikit-learn, prefer skops or ONNX.';

/** A model-file rule: rule metadata with no Python matcher (the analyzer never sees it). */
function defineArtifactRule(meta: Omit<RuleMeta, 'threats' | 'owasp' | 'atlas'> & Partial<Pick<RuleMeta, 'owasp' | 'atlas'>>): Rule {
  return { owasp: OWASP.supplyChain, atlas: ATLAS.unsafeArtifacts, ...meta, threats: ['model-tampering'] };
}

const PICKLE_REFS = [
  { title: 'Python pickle documentation (security warning)', url: 'https://docs.python.org/3/library/pickle.html' },
  { title: 'safetensors', url: 'https://huggingface.co/docs/safetensors' },
  CWE_REFERENCE(502),
];

export const ARTIFACT_RULES: readonly Rule[] = [
  defineArtifactRule({
    code: 'MLS601',
    name: 'model-code-on-load',
    title: 'Model file runs code when it is loaded',
    severity: 'error',
    cwe: [502, 94],
    rationale:
      'The pickle inside this model file (a PyTorch checkpoint, a joblib or plain pickle, an object array) imports a callable that runs commands, evaluates code, opens files or network connections, or loads a further unchecked payload. Unpickling it with `torch.load(weights_only=False)`, `pickle.load`, `joblib.load` or `np.load(allow_pickle=True)` runs that call on the machine that loads it.',
    remediation: `Do not load the file. Find out where it came from; get the weights from a trusted source. ${CONVERT}`,
    references: PICKLE_REFS,
  }),
  defineArtifactRule({
    code: 'MLS602',
    name: 'model-unknown-global',
    title: 'Model file imports a global outside the allow list',
    severity: 'warning',
    cwe: [502],
    rationale:
      'The pickle imports or calls a Python global that plain checkpoints and scikit-learn models do not use (or one a static reader cannot resolve: a computed STACK_GLOBAL, an extension code). It may be your own class, or a callable that no scanner knows to be dangerous yet: the allow list makes it a warning instead of silence. Loading the file imports the module and may call the global with attacker-chosen arguments.',
    remediation: `Check the global: if it is your own code, add it to \`artifact-allow\` under \`[tool.mlsec]\` (e.g. \`artifact-allow = ["mypkg.layers.*"]\`). Otherwise treat the file as untrusted. ${CONVERT}`,
    references: PICKLE_REFS,
  }),
  defineArtifactRule({
    code: 'MLS603',
    name: 'model-object-array',
    title: 'NumPy file holds an object array (a pickle)',
    severity: 'info',
    cwe: [502],
    rationale:
      'A `.npy` (or a member of a `.npz`) with dtype object stores its data as a pickle. This one imports only allowed globals, but loading it still needs `np.load(..., allow_pickle=True)`, which would run any code a later version of the file carries.',
    remediation:
      'Store numeric arrays with a numeric dtype, and strings as fixed-width `U`/`S` dtypes, so the file loads with `allow_pickle=False`.',
    references: [
      { title: 'numpy.load (allow_pickle)', url: 'https://numpy.org/doc/stable/reference/generated/numpy.load.html' },
      CWE_REFERENCE(502),
    ],
  }),
  defineArtifactRule({
    code: 'MLS604',
    name: 'model-embedded-code',
    title: 'Model file carries a program or custom code',
    severity: 'warning',
    cwe: [94],
    rationale:
      'The model is more than weights: a TorchScript archive holds a program (under `code/`) that runs when the model is called, and a Keras model with `Lambda` layers holds Python bytecode or source, or refers to custom objects registered outside Keras, whose modules are imported when it loads. Whoever wrote the file chose that code.',
    remediation: `Load only models from sources you trust; rebuild Lambda layers as registered layers in your own code and keep \`safe_mode=True\`. ${CONVERT}`,
    references: [
      { title: 'Keras safe_mode and Lambda layers', url: 'https://keras.io/api/models/model_saving_apis/model_saving_and_loading/' },
      { title: 'TorchScript', url: 'https://pytorch.org/docs/stable/jit.html' },
      CWE_REFERENCE(94),
    ],
  }),
  defineArtifactRule({
    code: 'MLS605',
    name: 'model-template-injection',
    title: 'GGUF chat template reaches Python internals',
    severity: 'warning',
    cwe: [1336, 94],
    atlas: ATLAS.unsafeArtifacts,
    rationale:
      'GGUF files carry a Jinja chat template (`tokenizer.chat_template`). llama-cpp-python before 0.2.72 rendered it with an unsandboxed Jinja environment (CVE-2024-34359), so a template reaching `__class__`, `__globals__`, `__subclasses__`, `__builtins__`, imports or `os.popen` runs code when the model is loaded. Legitimate templates only format messages.',
    remediation:
      'Do not load the file with an unsandboxed renderer; upgrade llama-cpp-python (0.2.72 or later uses a sandboxed environment) and take models from trusted publishers.',
    references: [
      { title: 'CVE-2024-34359 (llama-cpp-python)', url: 'https://nvd.nist.gov/vuln/detail/CVE-2024-34359' },
      { title: 'GGUF specification', url: 'https://github.com/ggml-org/ggml/blob/master/docs/gguf.md' },
      {
        title: 'CWE-1336: Improper Neutralization of Special Elements Used in a Template Engine',
        url: 'https://cwe.mitre.org/data/definitions/1336.html',
      },
    ],
  }),
  defineArtifactRule({
    code: 'MLS606',
    name: 'model-external-data-traversal',
    title: 'ONNX external data points outside the model folder',
    severity: 'error',
    cwe: [22],
    rationale:
      'ONNX models can keep tensors in external files named by a `location` in the model. An absolute path or one climbing out with `..` makes the loader read any file the process can read (onnx before 1.16 followed such paths, CVE-2024-27318 and CVE-2024-27319), leaking it into the model or crashing on it.',
    remediation:
      'Keep external data next to the model with plain relative names (`onnx.save_model(..., save_as_external_data=True, location="weights.bin")`), and upgrade onnx to 1.16 or later.',
    references: [
      { title: 'ONNX external data', url: 'https://onnx.ai/onnx/repo-docs/ExternalData.html' },
      { title: 'CVE-2024-27318', url: 'https://nvd.nist.gov/vuln/detail/CVE-2024-27318' },
      CWE_REFERENCE(22),
    ],
  }),
  defineArtifactRule({
    code: 'MLS607',
    name: 'model-not-inspected',
    title: 'Model file is broken, truncated or could not be inspected',
    severity: 'warning',
    cwe: [20],
    rationale:
      'Part of this model file could not be read: it is truncated, corrupt, encrypted, over a safety limit, compressed with a codec mlsec cannot decode, or a safetensors header that does not describe its data. What was not read may hold a payload, and loaders disagree on broken files (published scanner bypasses hide code after a parse error), so this is never reported as clean.',
    remediation:
      'Re-download or re-export the file from a trusted source and scan it again. For safetensors, re-save it with the safetensors library.',
    references: [{ title: 'safetensors format', url: 'https://huggingface.co/docs/safetensors' }, CWE_REFERENCE(20)],
  }),
  defineArtifactRule({
    code: 'MLS608',
    name: 'model-lock-changed',
    title: 'Locked model file changed',
    severity: 'error',
    cwe: [494, 345],
    atlas: ATLAS.maliciousModel,
    rationale:
      "The model file's SHA-256 differs from the one recorded in `mlsec.lock`: its bytes changed after the team reviewed and locked it. A swapped checkpoint is how a poisoned or backdoored model reaches production.",
    remediation:
      'Find out why the file changed. If the new version is trusted, run `mlsec lock` and commit the updated `mlsec.lock` with the review.',
    references: [CWE_REFERENCE(494), CWE_REFERENCE(345)],
  }),
  defineArtifactRule({
    code: 'MLS609',
    name: 'model-lock-missing',
    title: 'Locked model file is missing',
    severity: 'warning',
    cwe: [494],
    atlas: ATLAS.maliciousModel,
    rationale:
      '`mlsec.lock` records a model file that is no longer there. Code that expects it may download a replacement from somewhere else, or the lock is stale.',
    remediation: 'Restore the file, or run `mlsec lock` to drop it from the lock and commit the change.',
    references: [CWE_REFERENCE(494)],
  }),
  defineArtifactRule({
    code: 'MLS610',
    name: 'model-not-locked',
    title: 'Model file is not in the lock',
    severity: 'info',
    cwe: [494],
    atlas: ATLAS.maliciousModel,
    rationale:
      'The project locks its model files (`mlsec.lock` exists) but this one is not recorded, so a later change to it would go unnoticed.',
    remediation: 'Review the file and run `mlsec lock` to record it.',
    references: [CWE_REFERENCE(494)],
  }),
];

const BY_CODE = new Map(ARTIFACT_RULES.map((r) => [r.code, r]));

export function artifactRule(code: string): Rule | undefined {
  return BY_CODE.get(code);
}
