/** MLS001 invalid-suppression. */
import { defineRule } from '../../engine/rule';

export const suppressionRule = defineRule({
  code: 'MLS001',
  name: 'invalid-suppression',
  title: 'Suppression comment is blanket, unknown, unused or unexplained',
  severity: 'warning',
  cwe: [1164],
  threats: [],
  rationale:
    'A suppression comment is a security decision recorded in code. One that names no rule silences every current and future rule on that line; one that names an unknown rule or no longer matches a finding gives reviewers a false sense that something was examined; one without a reason cannot be audited. Reporting them keeps the list of accepted risks honest.',
  remediation:
    'Name the rule in brackets and give a reason, e.g. `# mlsec: ignore[MLS102] checkpoint produced by our own trainer`, or delete the comment if it suppresses nothing.',
  // Reported by the analyzer itself, which knows which suppressions were used.
  strings: ['mlsec'],
});
