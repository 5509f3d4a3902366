/**
 * Which rules run and at what severity, from `select` / `ignore` / `severity` settings. Entries
 * may be codes (`MLS102`), code prefixes (`MLS1`), rule names (`torch-load-unsafe`) or `ALL`.
 * The more specific entry wins, as in Ruff: `select = ["MLS1"]`, `ignore = ["MLS105"]` runs the
 * MLS1xx family without MLS105, and `ignore = ["MLS1"]`, `select = ["MLS105"]` runs only MLS105.
 */
import type { Rule, Severity } from '../rule';
import { SEVERITIES } from '../rule';
import type { TestCodeSelection } from '../results/testCode';

export interface SelectionSettings {
  select?: readonly string[];
  ignore?: readonly string[];
  severity?: Readonly<Record<string, string>>;
}

export interface RuleSelection {
  enabled: ReadonlySet<string>;
  severity: ReadonlyMap<string, Severity>;
  /** Entries that name no rule, for a message to the user. */
  unknown: string[];
  /** What happens to findings in test code (testCode.ts); the defaults when absent. */
  tests?: TestCodeSelection;
  /** False: `# nosec` / `# noqa` comments suppress nothing (externalSuppressions.ts). */
  externalSuppressions?: boolean;
}

/** How specific an entry is for a rule: higher wins; -1 when it does not match. */
function specificity(entry: string, rule: Rule): number {
  const normalized = entry.trim();
  if (normalized.toUpperCase() === 'ALL') return 0;
  if (normalized.toUpperCase() === rule.code || normalized.toLowerCase() === rule.name) return 100;
  if (/^MLS\d{0,2}$/i.test(normalized) && rule.code.startsWith(normalized.toUpperCase())) return normalized.length;
  return -1;
}

function bestMatch(entries: readonly string[], rule: Rule): number {
  let best = -1;
  for (const entry of entries) best = Math.max(best, specificity(entry, rule));
  return best;
}

export function parseSeverity(value: string): Severity | undefined {
  const lowered = value.trim().toLowerCase();
  if (lowered === 'note' || lowered === 'information' || lowered === 'hint') return 'info';
  return (SEVERITIES as readonly string[]).includes(lowered) ? (lowered as Severity) : undefined;
}

export function resolveSelection(rules: readonly Rule[], settings: SelectionSettings = {}): RuleSelection {
  const select = settings.select && settings.select.length > 0 ? settings.select : ['ALL'];
  const ignore = settings.ignore ?? [];
  const enabled = new Set<string>();
  const severity = new Map<string, Severity>();
  for (const rule of rules) {
    const selected = bestMatch(select, rule);
    const ignored = bestMatch(ignore, rule);
    if (selected >= 0 && selected > ignored) enabled.add(rule.code);
    severity.set(rule.code, rule.severity);
  }
  for (const [key, value] of Object.entries(settings.severity ?? {})) {
    const level = parseSeverity(value);
    if (!level) continue;
    for (const rule of rules) if (specificity(key, rule) > 0) severity.set(rule.code, level);
  }
  const unknown = [...select, ...ignore, ...Object.keys(settings.severity ?? {})].filter(
    (entry) => !rules.some((rule) => specificity(entry, rule) >= 0),
  );
  return { enabled, severity, unknown };
}

/** Finds a rule by code or name (case-insensitive). */
export function findRule(rules: readonly Rule[], codeOrName: string): Rule | undefined {
  const key = codeOrName.trim();
  return rules.find((r) => r.code === key.toUpperCase() || r.name === key.toLowerCase());
}
