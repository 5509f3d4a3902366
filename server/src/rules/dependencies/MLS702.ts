/** MLS702 vulnerable-dependency-range: judged on manifests and lock files (server/src/deps); no Python matcher. */
import { defineRule } from '../../engine/rule';

export const vulnerableRangeRule = defineRule({
  code: 'MLS702',
  name: 'vulnerable-dependency-range',
  title: 'A version range admits releases with a known vulnerability',
  severity: 'warning',
  cwe: [1395, 1104],
  threats: ['model-tampering'],
  owasp: 'ML06:2023 AI Supply Chain Attacks',
  atlas: 'AML.T0010 ML Supply Chain Compromise',
  rationale:
    "A range such as `torch>=2.0`, or a name without any version, lets an installer pick an affected release: an old cache, a resolver backtracking, or another package capping the version can land on it. Reported only where no lock file or constraint pins the package (a lock decides what is installed), one level below the advisory's severity, saying which versions are affected.",
  remediation:
    'Raise the lower bound to the first fixed release (the quick fix keeps extras, markers and comments), or pin the package in a lock file.',
  references: [{ title: 'OSV: open source vulnerability format', url: 'https://ossf.github.io/osv-schema/' }],
});
