/**
 * Rule names in configuration lists, checked against the rule catalogue (issue 13): a typo in
 * `select` (`"MLS3O1"`, with a letter O) used to run no rule at all, silently, while `--select`
 * rejected the same name. Every list that names rules is checked here, for the project files
 * (config.ts, with file and line) and the editor settings (lsp/settings.ts).
 */
import type { Rule } from '../rule';
import { resolveSelection } from './selection';
import type { SelectionSettings } from './selection';

/** True when `entry` names a rule, a code prefix with rules under it (`MLS1`), or `ALL`. */
export function isRuleSelector(rules: readonly Rule[], entry: string): boolean {
  const key = entry.trim();
  if (key.toUpperCase() === 'ALL') return true;
  const upper = key.toUpperCase();
  if (/^MLS\d{0,3}$/.test(upper)) return rules.some((rule) => rule.code.startsWith(upper));
  return rules.some((rule) => rule.name === key.toLowerCase());
}

/** A rule named in a list of a configuration: where it is and in which setting. */
export interface RuleEntry {
  setting: string;
  entry: string;
  /** Zero-based line in the configuration file, when known. */
  line?: number;
}

/** The entries that name no rule, as messages. */
export function unknownRuleEntries(rules: readonly Rule[], entries: readonly RuleEntry[]): Array<RuleEntry & { message: string }> {
  return entries
    .filter((e) => !isRuleSelector(rules, e.entry))
    .map((e) => ({
      ...e,
      message: `unknown rule ${JSON.stringify(e.entry)} in ${e.setting}: not a rule code, prefix (MLS1), name or ALL (see \`mlsec rules\`)`,
    }));
}

/** True when the settings select no rule at all (every rule ignored, or only unknown names). */
export function selectsNothing(rules: readonly Rule[], settings: SelectionSettings): boolean {
  return resolveSelection(rules, settings).enabled.size === 0;
}
