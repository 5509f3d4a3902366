/**
 * CVSS v3.x base score from a vector string (FIRST's specification, section 7), to rate OSV
 * entries that carry a vector but no label. Written here because it is a dozen formulas and
 * no maintained npm package is installed for it. v4 vectors are not scored (undefined).
 */
const WEIGHTS: Record<string, Record<string, number>> = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  C: { H: 0.56, L: 0.22, N: 0 },
  I: { H: 0.56, L: 0.22, N: 0 },
  A: { H: 0.56, L: 0.22, N: 0 },
};

export function cvss3BaseScore(vector: string): number | undefined {
  const match = /^CVSS:3\.[01]\/(.*)$/.exec(vector.trim());
  if (!match) return undefined;
  const metrics = new Map(match[1].split('/').map((part) => part.split(':') as [string, string]));
  const scope = metrics.get('S');
  const pr = metrics.get('PR');
  if ((scope !== 'U' && scope !== 'C') || pr === undefined) return undefined;
  const value = (key: string) => WEIGHTS[key]?.[metrics.get(key) ?? ''];
  const privileges = pr === 'N' ? 0.85 : pr === 'L' ? (scope === 'C' ? 0.68 : 0.62) : pr === 'H' ? (scope === 'C' ? 0.5 : 0.27) : undefined;
  const [av, ac, ui, c, i, a] = ['AV', 'AC', 'UI', 'C', 'I', 'A'].map(value);
  if ([av, ac, ui, c, i, a, privileges].some((v) => v === undefined)) return undefined;
  const iss = 1 - (1 - c!) * (1 - i!) * (1 - a!);
  const impact = scope === 'U' ? 6.42 * iss : 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15);
  const exploitability = 8.22 * av! * ac! * privileges! * ui!;
  if (impact <= 0) return 0;
  return roundUp(Math.min(scope === 'U' ? impact + exploitability : 1.08 * (impact + exploitability), 10));
}

/** The specification's Roundup: the smallest number with one decimal at or above the input. */
function roundUp(value: number): number {
  const integer = Math.round(value * 100000);
  return integer % 10000 === 0 ? integer / 100000 : (Math.floor(integer / 10000) + 1) / 10;
}

export function cvssLabel(score: number): 'critical' | 'high' | 'medium' | 'low' | undefined {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return undefined;
}
