/** MLS701 vulnerable-dependency-version: judged on manifests and lock files (server/src/deps); no Python matcher. */
import { defineRule } from '../../engine/rule';

export const vulnerablePinnedRule = defineRule({
  code: 'MLS701',
  name: 'vulnerable-dependency-version',
  title: 'A pinned or locked library version has a known vulnerability',
  severity: 'error',
  cwe: [1395],
  threats: ['model-tampering'],
  owasp: 'ML06:2023 AI Supply Chain Attacks',
  atlas: 'AML.T0010 ML Supply Chain Compromise',
  rationale:
    "The version a requirements file pins or a lock file records is the code that runs. When a published advisory covers that version, the hole is in the project whatever its own code does: a model loader that runs code from a crafted checkpoint, a serving endpoint that reads any file, a dashboard that executes commands. Reported at the advisory's severity, naming the advisory, what it lets an attacker do and the first release that fixes it.",
  remediation:
    'Raise the pin to the fixed release named in the finding (the quick fix does it for requirements-style files), then regenerate any lock file and rerun the tests.',
  references: [
    { title: 'OSV: open source vulnerability format', url: 'https://ossf.github.io/osv-schema/' },
    { title: 'PyPI advisory database', url: 'https://github.com/pypa/advisory-database' },
  ],
});
