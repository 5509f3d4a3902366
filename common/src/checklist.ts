/**
 * The security checklist of ML development: the threats an ML project faces and the practices
 * that counter them, with the evidence the server looks for in a workspace. This file is the one
 * definition of the catalogue: the server gathers evidence from it, the client draws the view and
 * writes the report from it. No `vscode`, no LSP, no file system here.
 */
import type { EvidenceSignal, EvidenceStatus, FindingSummary, ThreatId } from './protocol';

export interface ThreatInfo {
  id: ThreatId;
  title: string;
  description: string;
}

/** In the order the view shows them. */
export const THREATS: readonly ThreatInfo[] = [
  {
    id: 'adversarial-input',
    title: 'Adversarial attacks',
    description:
      'Inputs shaped on purpose so the model answers wrongly or behaves erratically, such as perturbed images or crafted prompts sent to an exposed endpoint.',
  },
  {
    id: 'data-poisoning',
    title: 'Data poisoning',
    description:
      'Training or fine-tuning data altered by an attacker to plant errors, bias or backdoors that the trained model then carries into production.',
  },
  {
    id: 'model-extraction',
    title: 'Model extraction',
    description:
      'Copying a model or inferring what it learned, by querying it at scale or by reaching its weights, to replicate proprietary work or to prepare further attacks.',
  },
  {
    id: 'model-tampering',
    title: 'Model tampering',
    description:
      "Changing a model or its supply chain (checkpoints, hub downloads, remote code) so that it misbehaves or runs an attacker's code when loaded.",
  },
  {
    id: 'secrets-exposure',
    title: 'Secrets and exposure',
    description:
      'Credentials in code and services reachable by more people than intended, which hand attackers the data, the models or the machines behind them.',
  },
];

export function threatTitle(id: ThreatId): string {
  return THREATS.find((t) => t.id === id)?.title ?? id;
}

/**
 * Python packages whose import (or declaration in a requirements file) is a sign of a practice.
 * `module` is the top-level import name, `dist` the name installers use when it differs.
 */
export interface PackageSignal {
  module: string;
  dist?: string[];
  /** What using it shows, e.g. `data validation with pandera`. */
  what: string;
}

/** Kinds of non-import evidence; the server knows how to look for each. */
export type FileSignalKind =
  | 'dvc'
  | 'safetensors'
  | 'model-lock'
  | 'model-files'
  | 'git-lfs-models'
  | 'mlflow-registry'
  | 'mlflow-tracking'
  | 'pinned-revision'
  | 'unpinned-revision'
  | 'ci-mlsec'
  | 'ci-sarif'
  | 'ci-scanner'
  | 'mlsec-config'
  | 'security-policy'
  | 'security-docs'
  | 'security-codeowners'
  | 'serving-code'
  | 'validation-in-serving';

export interface ChecklistItem {
  id: string;
  title: string;
  /** One paragraph: what the practice is and why it matters. */
  description: string;
  /** What a reviewer should look at before marking the item reviewed. */
  reviewHint: string;
  group: 'core' | 'further';
  counters: ThreatId[];
  /** Imports that are evidence of the practice. */
  packages: PackageSignal[];
  /** Other evidence kinds that apply. */
  signals: FileSignalKind[];
  /** Open findings that count against the item: by rule-code prefix or by threat. */
  findingsAgainst: { codePrefixes?: string[]; threats?: ThreatId[] };
  /**
   * For items about the absence of problems (secure deployment): once the scope exists
   * (weak signals such as serving code) and no finding counts against it, that is evidence.
   */
  passWhenClean?: boolean;
  /** What the weak signals of a `passWhenClean` item are, for the summary (e.g. `Serving code`). */
  scopeLabel?: string;
  /** Items that only a person can confirm; signals are at most hints. */
  reviewOnly?: boolean;
}

export const CHECKLIST: readonly ChecklistItem[] = [
  {
    id: 'input-validation',
    title: 'Input validation and sanitization',
    description:
      'Everything that reaches a model from outside (request bodies, uploaded files, prompts, feature vectors) is checked against a schema with types, shapes and value bounds before inference, so malformed or extreme inputs are rejected instead of scored.',
    reviewHint:
      'Check that every inference endpoint declares a request schema with size and range limits, and that uploads are type- and size-checked.',
    group: 'core',
    counters: ['adversarial-input', 'data-poisoning'],
    packages: [
      { module: 'pydantic', what: 'request schemas with pydantic' },
      { module: 'marshmallow', what: 'schemas with marshmallow' },
      { module: 'jsonschema', what: 'JSON Schema validation' },
      { module: 'cerberus', dist: ['Cerberus'], what: 'validation with Cerberus' },
      { module: 'voluptuous', what: 'validation with voluptuous' },
    ],
    signals: ['validation-in-serving'],
    // Untrusted files reaching an unpickler (MLS1) and untrusted text reaching eval, a shell or an
    // agent tool (MLS3) are inputs used without validation. Reasons: docs/checklist.md.
    findingsAgainst: { codePrefixes: ['MLS1', 'MLS3', 'MLS8'] },
  },
  {
    id: 'adversarial-training',
    title: 'Adversarial training',
    description:
      'The model is trained and evaluated with adversarial examples as well as clean data, so its robustness against crafted inputs is measured and improved rather than assumed.',
    reviewHint:
      'Look for a training or evaluation step that generates attacks (FGSM, PGD, text perturbations) and records robust accuracy.',
    group: 'core',
    counters: ['adversarial-input'],
    packages: [
      { module: 'art', dist: ['adversarial-robustness-toolbox'], what: 'Adversarial Robustness Toolbox' },
      { module: 'torchattacks', what: 'attacks with torchattacks' },
      { module: 'foolbox', what: 'attacks with Foolbox' },
      { module: 'textattack', what: 'text attacks with TextAttack' },
      { module: 'cleverhans', what: 'attacks with CleverHans' },
      { module: 'advertorch', what: 'attacks with AdverTorch' },
      { module: 'robustbench', what: 'robustness benchmarks with RobustBench' },
    ],
    signals: [],
    findingsAgainst: {},
  },
  {
    id: 'data-auditing',
    title: 'Data auditing and monitoring',
    description:
      'Training and incoming data are validated and profiled (schemas, distributions, label checks, provenance) so that poisoned, corrupted or drifting data is caught before it shapes a model.',
    reviewHint: 'Check that datasets come from pinned, verified sources and that a validation suite runs before training.',
    group: 'core',
    counters: ['data-poisoning'],
    packages: [
      { module: 'great_expectations', dist: ['great-expectations'], what: 'data validation with Great Expectations' },
      { module: 'pandera', what: 'dataframe schemas with pandera' },
      { module: 'evidently', what: 'data reports with Evidently' },
      { module: 'deepchecks', what: 'data checks with Deepchecks' },
      { module: 'whylogs', what: 'data profiling with whylogs' },
      { module: 'tensorflow_data_validation', dist: ['tensorflow-data-validation'], what: 'TensorFlow Data Validation' },
      { module: 'cleanlab', what: 'label issue detection with cleanlab' },
    ],
    signals: [],
    // No static finding says whether data is audited; evidence and review decide (docs/checklist.md).
    findingsAgainst: {},
  },
  {
    id: 'model-versioning',
    title: 'Model versioning and control',
    description:
      'Models and the data they came from are versioned and pinned (a registry, DVC, exact hub revisions, recorded hashes) so every deployed model can be traced, verified and rolled back.',
    reviewHint: 'Check that each model in use is identified by an immutable version or hash, and that a rollback path exists.',
    group: 'core',
    counters: ['model-tampering', 'data-poisoning'],
    packages: [{ module: 'dvc', what: 'data and model versioning with DVC' }],
    signals: [
      'dvc',
      'safetensors',
      'model-lock',
      'model-files',
      'git-lfs-models',
      'mlflow-registry',
      'mlflow-tracking',
      'pinned-revision',
      'unpinned-revision',
    ],
    // Unpinned or unverified models, remote code and downloads (MLS2), and model files that run
    // code on load or changed since they were locked (MLS6), are what versioning controls.
    findingsAgainst: { codePrefixes: ['MLS2', 'MLS6'] },
  },
  {
    id: 'secure-deployment',
    title: 'Secure model deployment',
    description:
      'Serving infrastructure is locked down: endpoints require authentication, bind only where intended, run without debug modes, keep secrets out of code and never deserialize untrusted payloads.',
    reviewHint: 'Check authentication, TLS termination, network exposure, rate limits and how secrets reach the service.',
    group: 'core',
    counters: ['model-extraction', 'model-tampering', 'secrets-exposure'],
    packages: [],
    signals: ['serving-code'],
    // Exposed servers (MLS4) and credentials in code (MLS5).
    findingsAgainst: { codePrefixes: ['MLS4', 'MLS5'] },
    passWhenClean: true,
    scopeLabel: 'Serving code',
  },
  {
    id: 'continuous-monitoring',
    title: 'Continuous security monitoring',
    description:
      'Deployed models are watched for drift, anomalous inputs, unusual query volumes and degraded accuracy, so attacks and failures are noticed while they happen.',
    reviewHint: 'Check that prediction services export metrics and that drift or outlier alerts reach someone.',
    group: 'core',
    counters: ['adversarial-input', 'model-extraction', 'model-tampering'],
    packages: [
      { module: 'prometheus_client', dist: ['prometheus-client'], what: 'service metrics with prometheus_client' },
      { module: 'evidently', what: 'drift monitoring with Evidently' },
      { module: 'alibi_detect', dist: ['alibi-detect'], what: 'drift and outlier detection with Alibi Detect' },
      { module: 'whylogs', what: 'data logging with whylogs' },
      { module: 'nannyml', what: 'performance monitoring with NannyML' },
      { module: 'opentelemetry', dist: ['opentelemetry-api', 'opentelemetry-sdk'], what: 'telemetry with OpenTelemetry' },
    ],
    signals: [],
    findingsAgainst: {},
  },
  {
    id: 'privacy-preserving',
    title: 'Privacy-preserving ML',
    description:
      'Sensitive training data is protected with techniques such as differential privacy, federated learning or encrypted computation, which also limit what an attacker can extract from the model.',
    reviewHint:
      'Check whether the model is trained on personal or confidential data and, if so, which privacy technique bounds what it can leak.',
    group: 'further',
    counters: ['model-extraction', 'data-poisoning'],
    packages: [
      { module: 'opacus', what: 'differentially private training with Opacus' },
      { module: 'tensorflow_privacy', dist: ['tensorflow-privacy'], what: 'TensorFlow Privacy' },
      { module: 'diffprivlib', what: 'differential privacy with diffprivlib' },
      { module: 'flwr', what: 'federated learning with Flower' },
      { module: 'syft', what: 'private computation with PySyft' },
      { module: 'tenseal', what: 'homomorphic encryption with TenSEAL' },
      { module: 'crypten', what: 'secure multi-party computation with CrypTen' },
    ],
    signals: [],
    findingsAgainst: {},
  },
  {
    id: 'explainability',
    title: 'Model explainability',
    description:
      'Predictions can be explained (feature attributions, example-based explanations), which helps spot biases, shortcuts and backdoors an attacker could exploit.',
    reviewHint: 'Check that explanations are produced for the model and looked at during evaluation.',
    group: 'further',
    counters: ['adversarial-input', 'data-poisoning'],
    packages: [
      { module: 'shap', what: 'attributions with SHAP' },
      { module: 'lime', what: 'local explanations with LIME' },
      { module: 'captum', what: 'attributions with Captum' },
      { module: 'interpret', what: 'InterpretML' },
      { module: 'eli5', what: 'explanations with ELI5' },
      { module: 'dalex', what: 'explanations with DALEX' },
    ],
    signals: [],
    findingsAgainst: {},
  },
  {
    id: 'security-audits',
    title: 'Regular security audits',
    description:
      'The code, models and pipelines are examined for vulnerabilities on a schedule and on every change, with results kept where reviewers see them (for example as code-scanning alerts).',
    reviewHint: 'Check that a security scan runs in CI on every pull request and that its results are looked at.',
    group: 'further',
    counters: ['adversarial-input', 'data-poisoning', 'model-extraction', 'model-tampering', 'secrets-exposure'],
    packages: [],
    signals: ['ci-mlsec', 'ci-sarif', 'ci-scanner', 'mlsec-config'],
    // Library versions with published advisories (MLS7) are what a dependency audit finds.
    findingsAgainst: { codePrefixes: ['MLS7'] },
  },
  {
    id: 'security-awareness',
    title: 'Security awareness and training',
    description:
      "The people who build and run the models know the threats specific to ML and the project's secure-coding practices, and new contributors are introduced to them.",
    reviewHint: 'Confirm that the team has had ML security training or documentation and knows where to report a problem.',
    group: 'further',
    counters: ['adversarial-input', 'data-poisoning', 'model-extraction', 'model-tampering', 'secrets-exposure'],
    packages: [],
    signals: ['security-docs'],
    findingsAgainst: {},
    reviewOnly: true,
  },
  {
    id: 'security-collaboration',
    title: 'Collaboration with security experts',
    description:
      'Security specialists review the ML system and keep the team informed about new attacks, and outsiders have a clear way to report vulnerabilities.',
    reviewHint: 'Confirm who on the security side reviews this project and that a disclosure contact exists.',
    group: 'further',
    counters: ['adversarial-input', 'data-poisoning', 'model-extraction', 'model-tampering', 'secrets-exposure'],
    packages: [],
    signals: ['security-policy', 'security-codeowners'],
    findingsAgainst: {},
    reviewOnly: true,
  },
];

export const CHECKLIST_GROUPS: ReadonlyArray<{ id: ChecklistItem['group']; title: string }> = [
  { id: 'core', title: 'Practices' },
  { id: 'further', title: 'Further practices' },
];

export function checklistItem(id: string): ChecklistItem | undefined {
  return CHECKLIST.find((item) => item.id === id);
}

/** Whether an open finding counts against the item. */
export function findingCountsAgainst(item: ChecklistItem, finding: FindingSummary): boolean {
  const { codePrefixes = [], threats = [] } = item.findingsAgainst;
  return codePrefixes.some((prefix) => finding.code.startsWith(prefix)) || finding.threats.some((t) => threats.includes(t));
}

/**
 * Status of an item from its evidence. Errors against the item make it at risk whatever else is
 * found; warnings make it partial when there is also positive evidence; informational findings
 * are listed but do not change the status.
 */
export function evidenceStatus(
  item: ChecklistItem,
  signals: readonly EvidenceSignal[],
  findings: readonly FindingSummary[],
): { status: EvidenceStatus; summary: string } {
  const strong = signals.filter((s) => !s.weak);
  const files = (list: readonly EvidenceSignal[]): number => new Set(list.map((s) => s.file)).size;
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  const findingText = (): string => {
    const parts = [];
    if (errors) parts.push(plural(errors, 'error'));
    if (warnings) parts.push(plural(warnings, 'warning'));
    return parts.join(' and ');
  };
  if (errors > 0) return { status: 'at-risk', summary: `${findingText()} open against this practice` };
  if (warnings > 0) {
    if (strong.length) return { status: 'partial', summary: `Evidence in ${plural(files(strong), 'file')}, but ${findingText()} open` };
    return { status: 'at-risk', summary: `${findingText()} open, no evidence of the practice` };
  }
  if (strong.length) {
    if (item.reviewOnly) return { status: 'partial', summary: `Hints in ${plural(files(strong), 'file')}; needs a person to confirm` };
    return { status: 'evidence', summary: `Evidence in ${plural(files(strong), 'file')}` };
  }
  if (signals.length && item.passWhenClean) {
    return {
      status: 'evidence',
      summary: `${item.scopeLabel ?? 'In scope'}: ${plural(files(signals), 'file')}, no open findings against it`,
    };
  }
  if (signals.length) {
    return {
      status: 'partial',
      summary: item.reviewOnly
        ? `Hints in ${plural(files(signals), 'file')}; needs a person to confirm`
        : `Weak evidence only (${plural(files(signals), 'file')})`,
    };
  }
  return { status: 'none', summary: item.reviewOnly ? 'Needs a person to confirm' : 'No evidence found in the workspace' };
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** The review a person recorded for an item (in `.mlsec/review.json`). */
export type ReviewState = 'reviewed' | 'not-applicable';

export const REVIEW_FILE = '.mlsec/review.json';
