/**
 * Evidence for the security checklist, gathered from the workspace by the server. The catalogue
 * (items, the packages and signal kinds that count for each) is in common/src/checklist.ts; this
 * module knows how to find each signal kind: imports reported by the last scan, a few patterns in
 * Python source (registry use, pinned revisions), and non-Python files found by walking the
 * folders (DVC, safetensors, lock files, CI configuration, requirements). It only reads files;
 * nothing here runs project code, and unreadable files are skipped, never fatal.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHECKLIST, THREATS, evidenceStatus, findingCountsAgainst, plural } from '../../../common/src/checklist';
import type { ChecklistItem, FileSignalKind } from '../../../common/src/checklist';
import type { ChecklistEvidenceRequest, EvidenceSignal, FindingSummary, SeverityCounts } from '../../../common/src/protocol';
import type { ModelFilesSummary } from '../../../common/src/modelFiles';
import { ConfigResolver } from '../engine/config/projectConfig';
import { collectSourceFiles, readSource } from '../engine/io/sourceFiles';

export interface EvidenceInput {
  /** Absolute paths of the workspace folders. */
  folders: string[];
  /** Python files and notebooks analysed by the last scan, with the packages each imports. */
  sourceFiles: Array<{ path: string; imports: string[] }>;
  /** Open findings from the last scan. */
  findings: FindingSummary[];
  scannedAt: string;
  /** What the background scan of model files found, when it ran (lsp/modelFiles.ts). */
  models?: ModelFilesSummary;
}

export interface EvidenceOptions {
  /** Resolver for excludes and .gitignore handling while walking (a fresh one by default). */
  resolver?: ConfigResolver;
}

/** Frameworks whose import marks a file as serving code (an endpoint or a UI reachable by others). */
export const SERVING_MODULES: Readonly<Record<string, string>> = {
  fastapi: 'FastAPI',
  flask: 'Flask',
  starlette: 'Starlette',
  django: 'Django',
  aiohttp: 'aiohttp',
  sanic: 'Sanic',
  tornado: 'Tornado',
  gradio: 'Gradio',
  streamlit: 'Streamlit',
  bentoml: 'BentoML',
  litserve: 'LitServe',
  kserve: 'KServe',
  mlserver: 'MLServer',
  ray: 'Ray',
};

/** Libraries that download models from a hub, where a `revision=` argument can pin a commit. */
const HUB_MODULES = new Set([
  'transformers',
  'huggingface_hub',
  'diffusers',
  'sentence_transformers',
  'timm',
  'datasets',
  'peft',
  'open_clip',
]);

const TEXT_LIMIT = 1024 * 1024;

const CI_FILE =
  /^(?:\.github\/workflows\/[^/]+\.ya?ml|\.gitlab-ci\.ya?ml|azure-pipelines\.ya?ml|bitbucket-pipelines\.ya?ml|\.circleci\/config\.ya?ml|Jenkinsfile|\.pre-commit-config\.ya?ml|\.drone\.ya?ml|\.buildkite\/pipeline\.ya?ml)$/;
const REQUIREMENTS_FILE =
  /^(?:requirements[^/]*\.(?:txt|in)|constraints[^/]*\.txt|pyproject\.toml|setup\.cfg|Pipfile|environment\.ya?ml|conda\.ya?ml)$/i;
const MODEL_LOCK_FILE =
  /^(?:(?:models?|weights|artifacts?|checkpoints?)[-_.]?(?:lock|hashes|checksums|sha256(?:sums)?|manifest)(?:\.(?:json|ya?ml|toml|txt))?|[^/]+\.(?:safetensors|pt|pth|bin|ckpt|onnx|gguf|h5|pkl)\.sha256|SHA256SUMS(?:\.txt)?|mlsec\.lock)$/i;
const OTHER_SCANNERS: ReadonlyArray<[RegExp, string]> = [
  [/\bbandit\b/, 'Bandit'],
  [/\bpip-audit\b/, 'pip-audit'],
  [/\bsafety\s+(?:check|scan)\b/, 'Safety'],
  [/\bsemgrep\b/, 'Semgrep'],
  [/\bmodelscan\b/, 'modelscan'],
  [/\btrivy\b/, 'Trivy'],
  [/codeql-action\/(?:init|analyze)/, 'CodeQL'],
  [/\bgitleaks\b/, 'Gitleaks'],
  [/\bdetect-secrets\b/, 'detect-secrets'],
];

export function gatherChecklistEvidence(input: EvidenceInput, options: EvidenceOptions = {}): ChecklistEvidenceRequest.Result {
  const gatherer = new Gatherer(input.folders);
  gatherer.fromSources(input.sourceFiles);
  gatherer.fromWorkspaceFiles(options.resolver ?? new ConfigResolver());
  if (input.models) gatherer.fromModelFiles(input.models);

  const findings = [...input.findings].sort(compareFindings);
  const items = CHECKLIST.map((item) => {
    const signals = gatherer.signalsFor(item);
    const against = findings.filter((f) => findingCountsAgainst(item, f));
    const { status, summary: automatic } = evidenceStatus(item, signals, against);
    let summary = automatic;
    if (item.id === 'input-validation' && status === 'none' && gatherer.servingFiles.size > 0) {
      summary = `${plural(gatherer.servingFiles.size, 'serving file')}, none imports a validation library`;
    }
    if (item.id === 'secure-deployment' && status === 'none') summary = 'No serving code found in the workspace';
    return { id: item.id, status, summary, signals, findings: against };
  });
  const threats = THREATS.map((threat) => ({ id: threat.id, findings: findings.filter((f) => f.threats.includes(threat.id)) }));
  const counts: SeverityCounts = { error: 0, warning: 0, info: 0 };
  for (const finding of findings) counts[finding.severity]++;
  return { items, threats, counts, scannedFiles: input.sourceFiles.length, scannedAt: input.scannedAt };
}

class Gatherer {
  private readonly byPackage = new Map<string, EvidenceSignal[]>();
  private readonly byKind = new Map<FileSignalKind, EvidenceSignal[]>();
  /** Modules imported somewhere, so a declaration in requirements adds nothing. */
  private readonly imported = new Set<string>();
  readonly servingFiles = new Set<string>();
  private readonly folders: string[];

  constructor(folders: string[]) {
    this.folders = folders.map((f) => path.resolve(f)).sort((a, b) => b.length - a.length);
  }

  signalsFor(item: ChecklistItem): EvidenceSignal[] {
    const all: EvidenceSignal[] = [];
    for (const pkg of item.packages) all.push(...(this.byPackage.get(pkg.module) ?? []).map((s) => ({ ...s })));
    for (const kind of item.signals) all.push(...(this.byKind.get(kind) ?? []).map((s) => ({ ...s })));
    // Validation libraries only count fully in serving code; elsewhere they are a hint.
    if (item.signals.includes('validation-in-serving')) {
      for (const signal of all) if (!this.servingFiles.has(signal.uri)) signal.weak = true;
    }
    const seen = new Set<string>();
    return all
      .filter((s) => {
        const key = `${s.uri}\u0000${s.detail}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? -1) - (b.line ?? -1)));
  }

  fromSources(sources: EvidenceInput['sourceFiles']): void {
    const packages = new Map<string, string>();
    for (const item of CHECKLIST) for (const pkg of item.packages) packages.set(pkg.module, pkg.what);
    for (const source of sources) {
      const file = path.resolve(source.path);
      const uri = pathToFileURL(file).href;
      const imports = new Set(source.imports.map((m) => m.split('.')[0]));
      let text: string | undefined | null = null; // null: not read yet
      const content = (): string | undefined => {
        if (text === null) {
          const read = readSource(file, TEXT_LIMIT);
          text = read.ok ? read.text : undefined;
        }
        return text;
      };
      const notebook = file.toLowerCase().endsWith('.ipynb');
      const importLine = (module: string): number | undefined => (notebook ? undefined : lineOf(content(), importPattern(module)));
      for (const module of imports) {
        this.imported.add(module);
        const what = packages.get(module);
        if (what) {
          // An import of pydantic alone (settings, configs) says little about request validation:
          // it counts fully only where the file defines a model class.
          const schemaless = module === 'pydantic' && !/\bclass\s+\w+\s*\([^)]*\bBaseModel\b/.test(content() ?? '');
          const detail = schemaless ? `imports ${module}, but defines no BaseModel class here` : `imports ${module}: ${what}`;
          this.add(this.byPackage, module, {
            file: this.relative(file),
            uri,
            detail,
            line: importLine(module),
            ...(schemaless ? { weak: true } : {}),
          });
        }
        const framework = SERVING_MODULES[module];
        if (framework) {
          this.servingFiles.add(uri);
          this.add(this.byKind, 'serving-code', {
            file: this.relative(file),
            uri,
            detail: `serving code (${framework})`,
            line: importLine(module),
            weak: true,
          });
        }
      }
      if (imports.has('mlflow')) {
        const registry = /\bregister_model\s*\(|registered_model_name\s*=|create_model_version\s*\(|models:\//;
        const line = lineOf(content(), registry);
        if (line !== undefined || (notebook && registry.test(content() ?? ''))) {
          this.add(this.byKind, 'mlflow-registry', {
            file: this.relative(file),
            uri,
            detail: 'uses the MLflow model registry',
            line: notebook ? undefined : line,
          });
        } else {
          this.add(this.byKind, 'mlflow-tracking', {
            file: this.relative(file),
            uri,
            detail: 'tracks runs with MLflow (no registry use seen)',
            line: importLine('mlflow'),
            weak: true,
          });
        }
      }
      if ([...imports].some((m) => HUB_MODULES.has(m))) {
        const body = content() ?? '';
        // Quotes may be escaped inside notebook JSON.
        const revision = /\brevision\s*=\s*\\?["']([^"'\\\n]+)\\?["']/g;
        for (const match of body.matchAll(revision)) {
          const value = match[1];
          const line = notebook ? undefined : lineAtOffset(body, match.index);
          if (/^[0-9a-f]{40}$/i.test(value)) {
            this.add(this.byKind, 'pinned-revision', {
              file: this.relative(file),
              uri,
              detail: `pins a hub download to commit ${value.slice(0, 10)}`,
              line,
            });
          } else {
            this.add(this.byKind, 'unpinned-revision', {
              file: this.relative(file),
              uri,
              detail: `names revision "${value}", a branch or tag rather than a commit`,
              line,
              weak: true,
            });
          }
        }
      }
    }
  }

  fromWorkspaceFiles(resolver: ConfigResolver): void {
    const candidates = collectSourceFiles(this.folders, {
      resolver,
      accept: (file) => this.isCandidate(file),
    });
    const declared = this.declaredPackages();
    for (const file of candidates) {
      const rel = this.relativeToFolder(file);
      const base = path.basename(file);
      const signal = (detail: string, extra: Partial<EvidenceSignal> = {}): EvidenceSignal => ({
        file: this.relative(file),
        uri: pathToFileURL(file).href,
        detail,
        ...extra,
      });
      if (base === 'dvc.yaml' || base === 'dvc.lock')
        this.add(this.byKind, 'dvc', signal(base === 'dvc.yaml' ? 'DVC pipeline' : 'DVC lock file with data and model hashes'));
      else if (base.endsWith('.dvc')) this.add(this.byKind, 'dvc', signal('artifact tracked by DVC'));
      if (base.toLowerCase().endsWith('.safetensors'))
        this.add(this.byKind, 'safetensors', signal('model stored as safetensors (no code on load)'));
      if (MODEL_LOCK_FILE.test(base)) this.add(this.byKind, 'model-lock', signal('model hash lock file'));
      const text = (): string | undefined => {
        const read = readSource(file, TEXT_LIMIT);
        return read.ok ? read.text : undefined;
      };
      if (base === '.gitattributes') {
        const body = text();
        const line = lineOf(body, /\.(?:safetensors|pt|pth|bin|ckpt|onnx|h5|gguf|pkl)\b[^\n]*filter=lfs/);
        if (line !== undefined) this.add(this.byKind, 'git-lfs-models', signal('model files tracked with Git LFS', { line, weak: true }));
      }
      if (CI_FILE.test(rel)) {
        const body = text();
        const mlsec = lineOf(body, /\bmlsec\b/);
        if (mlsec !== undefined)
          this.add(
            this.byKind,
            'ci-mlsec',
            signal(base.startsWith('.pre-commit') ? 'runs mlsec as a pre-commit hook' : 'runs mlsec in CI', { line: mlsec }),
          );
        const upload = lineOf(body, /upload-sarif|\bsarif_file\b|codequality:/i);
        const sarif = upload ?? lineOf(body, /\bsarif\b/i);
        if (upload !== undefined) this.add(this.byKind, 'ci-sarif', signal('uploads SARIF results for code scanning', { line: upload }));
        else if (sarif !== undefined)
          this.add(this.byKind, 'ci-sarif', signal('writes SARIF, but no upload step was seen', { line: sarif, weak: true }));
        for (const [pattern, name] of OTHER_SCANNERS) {
          const line = lineOf(body, pattern);
          if (line !== undefined) this.add(this.byKind, 'ci-scanner', signal(`runs ${name} in CI`, { line, weak: true }));
        }
      }
      if (base === '.mlsec.toml') this.add(this.byKind, 'mlsec-config', signal('mlsec configuration', { weak: true }));
      if (base === 'pyproject.toml') {
        const line = lineOf(text(), /^\s*\[tool\.mlsec[\].]/);
        if (line !== undefined)
          this.add(this.byKind, 'mlsec-config', signal('mlsec configuration in pyproject.toml', { line, weak: true }));
      }
      if (REQUIREMENTS_FILE.test(base)) {
        const body = text();
        if (body !== undefined) {
          for (const [module, names] of declared) {
            if (this.imported.has(module)) continue;
            for (const name of names) {
              const line = lineOf(body, requirementPattern(name));
              if (line === undefined) continue;
              this.add(this.byPackage, module, signal(`declares ${name} (not imported by any scanned file)`, { line, weak: true }));
              break;
            }
          }
        }
      }
      if (/^security\.(?:md|rst|txt)$/i.test(base)) {
        this.add(this.byKind, 'security-policy', signal('security policy with a reporting contact', { weak: true }));
        this.add(this.byKind, 'security-docs', signal('security policy', { weak: true }));
      } else if (/security/i.test(base) && /\.(?:md|rst|txt)$/i.test(base) && !isExportedReport(text() ?? '')) {
        // An exported checklist report is mlsec's own output, not the project's documentation.
        this.add(this.byKind, 'security-docs', signal('security documentation', { weak: true }));
      }
      if (base === 'CODEOWNERS') {
        const line = lineOf(text(), /security/i);
        if (line !== undefined)
          this.add(this.byKind, 'security-codeowners', signal('security owners named in CODEOWNERS', { line, weak: true }));
      }
    }
  }

  /**
   * Model files scanned by mlsec: how many and what they hold ("12 model files scanned: 1 runs
   * code on load"), and the lock ("all 12 locked"). The scan itself is a hint (weak); a lock that
   * covers every model file unchanged is evidence of versioning.
   */
  fromModelFiles(models: ModelFilesSummary): void {
    if (models.scanned === 0 && !models.lock) return;
    const folder = this.folders[this.folders.length - 1];
    const where = models.lock ? { file: models.lock.file, uri: models.lock.uri } : { file: '.', uri: pathToFileURL(folder ?? '.').href };
    const held = [
      models.codeOnLoad ? `${models.codeOnLoad} run${models.codeOnLoad === 1 ? 's' : ''} code on load` : '',
      models.notInspected ? `${models.notInspected} not fully inspected` : '',
    ].filter(Boolean);
    this.add(this.byKind, 'model-files', {
      ...where,
      detail: `${plural(models.scanned, 'model file')} scanned${held.length ? `: ${held.join(', ')}` : ', none runs code on load'}`,
      weak: true,
    });
    const lock = models.lock;
    if (!lock) return;
    const problems = [
      lock.changed ? `${lock.changed} changed` : '',
      lock.missing ? `${lock.missing} missing` : '',
      lock.unlocked ? `${lock.unlocked} not locked` : '',
    ].filter(Boolean);
    this.add(this.byKind, 'model-lock', {
      ...where,
      detail:
        problems.length === 0 ? `all ${plural(lock.locked, 'model file')} locked and unchanged` : `model lock: ${problems.join(', ')}`,
      ...(problems.length === 0 ? {} : { weak: true }),
    });
  }

  private isCandidate(file: string): boolean {
    const base = path.basename(file);
    const rel = this.relativeToFolder(file);
    return (
      base === 'dvc.yaml' ||
      base === 'dvc.lock' ||
      base.endsWith('.dvc') ||
      base.toLowerCase().endsWith('.safetensors') ||
      MODEL_LOCK_FILE.test(base) ||
      base === '.gitattributes' ||
      CI_FILE.test(rel) ||
      base === '.mlsec.toml' ||
      REQUIREMENTS_FILE.test(base) ||
      (/security/i.test(base) && /\.(?:md|rst|txt)$/i.test(base)) ||
      base === 'CODEOWNERS'
    );
  }

  /** Module → names it may be declared under in requirements files. */
  private declaredPackages(): Map<string, string[]> {
    const result = new Map<string, string[]>();
    for (const item of CHECKLIST) {
      for (const pkg of item.packages) result.set(pkg.module, pkg.dist ?? [pkg.module]);
    }
    return result;
  }

  private add<K>(map: Map<K, EvidenceSignal[]>, key: K, signal: EvidenceSignal): void {
    if (signal.line === undefined) delete signal.line;
    const list = map.get(key);
    if (list) list.push(signal);
    else map.set(key, [signal]);
  }

  private folderOf(file: string): string | undefined {
    return this.folders.find((folder) => file === folder || file.startsWith(folder + path.sep));
  }

  private relativeToFolder(file: string): string {
    const folder = this.folderOf(file);
    return toPosix(folder ? path.relative(folder, file) : file);
  }

  /** Workspace-relative path; with several folders, prefixed with the folder's name. */
  relative(file: string): string {
    const folder = this.folderOf(file);
    if (!folder) return toPosix(file);
    const rel = toPosix(path.relative(folder, file));
    return this.folders.length > 1 ? `${path.basename(folder)}/${rel}` : rel;
  }
}

function importPattern(module: string): RegExp {
  const m = module.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^[ \\t]*(?:from[ \\t]+${m}\\b|import[ \\t]+(?:[\\w.]+(?:[ \\t]+as[ \\t]+\\w+)?[ \\t]*,[ \\t]*)*${m}\\b)`, 'm');
}

/** A requirement line naming the package (PEP 503 normalisation: case, `-`, `_`, `.` alike). */
function requirementPattern(name: string): RegExp {
  const flexible = name
    .split(/[-_.]+/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[-_.]+');
  return new RegExp(`(?:^|[\\s"'\\[,])${flexible}(?=\\s*(?:[<>=!~;\\[\\]"',@]|$))`, 'im');
}

function lineOf(text: string | undefined, pattern: RegExp): number | undefined {
  if (text === undefined) return undefined;
  const match = pattern.exec(text);
  if (!match) return undefined;
  // A match that starts with a newline (from `^\s*`) belongs to the next line.
  const leading = /^\s*/.exec(match[0])?.[0] ?? '';
  const offset = match.index + leading.lastIndexOf('\n') + 1;
  return lineAtOffset(text, offset);
}

function lineAtOffset(text: string, offset: number): number {
  let line = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

function compareFindings(a: FindingSummary, b: FindingSummary): number {
  if (a.uri !== b.uri) return a.uri < b.uri ? -1 : 1;
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.code.localeCompare(b.code);
}

/** The checklist report mlsec exports starts with this heading (client/src/checklist/report.ts). */
function isExportedReport(text: string): boolean {
  return /^\uFEFF?# ML security checklist: /.test(text);
}
