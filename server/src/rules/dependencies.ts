/**
 * MLS7xx: vulnerable library versions. These rules judge dependency manifests, lock files and
 * notebook install lines against OSV advisories (server/src/deps); they have no Python matcher,
 * so `mayFire` keeps the Python prefilter from parsing anything for them.
 */
import { defineRule } from '../engine/rule';

const never = (): boolean => false;

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
  triggers: ['=='],
  mayFire: never,
});

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
  triggers: ['>='],
  mayFire: never,
});

export const dependencyRules = [vulnerablePinnedRule, vulnerableRangeRule];
