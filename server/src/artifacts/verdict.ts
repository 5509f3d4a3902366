/** Turns what the pickle reader saw into findings (MLS601, MLS602, MLS603, MLS607). */
import type { GlobalPolicy } from './globals';
import type { PickleResult } from './pickle';
import type { ArtifactFinding } from './report';

export interface PickleContext {
  policy: GlobalPolicy;
  /** Member path inside a zip/tar, or a note such as "decompressed stream". */
  member?: string;
  /** Added to pickle offsets to get file offsets; undefined when offsets are not file offsets. */
  fileBase?: number;
  /** Extra names that are allowed in this container (TorchScript's `__torch__` classes). */
  containerAllows?: (module: string, name: string) => boolean;
  /** What the pickle is, for messages (`pickle`, `object array`). */
  what?: string;
}

export interface PickleVerdict {
  findings: ArtifactFinding[];
  globals: number;
  denied: number;
  unknown: number;
}

export function judgePickles(results: readonly PickleResult[], context: PickleContext): PickleVerdict {
  const findings: ArtifactFinding[] = [];
  const seen = new Map<string, ArtifactFinding & { count: number }>();
  let globals = 0;
  let denied = 0;
  let unknown = 0;
  const where = (offset: number) => ({
    offset,
    ...(context.fileBase !== undefined ? { fileOffset: context.fileBase + offset } : {}),
    ...(context.member ? { member: context.member } : {}),
  });
  const place = (offset: number) => `at byte ${offset}${context.member ? ` of ${context.member}` : ''}`;
  for (const result of results) {
    for (const g of result.globals) {
      globals++;
      if (g.module === '?' || g.module === 'copyreg-extension') continue; // reported as an issue below
      if (context.containerAllows?.(g.module, g.name)) continue;
      const c = context.policy.classify(g.module, g.name);
      if (c.verdict === 'allow') continue;
      const subject = `${g.module}.${g.name}`;
      const key = `${c.verdict}:${subject}`;
      const previous = seen.get(key);
      if (previous) {
        previous.count++;
        continue;
      }
      const call = g.called ? 'called' : 'imported';
      const finding =
        c.verdict === 'deny'
          ? {
              code: 'MLS601',
              severity: 'error' as const,
              message: `${subject} (${c.why}) is ${call} by the ${context.what ?? 'pickle'} ${place(g.offset)} (${g.opcode}): loading this file runs code`,
              subject,
              ...where(g.offset),
              count: 1,
            }
          : {
              code: 'MLS602',
              severity: 'warning' as const,
              message: `${subject} is ${call} by the ${context.what ?? 'pickle'} ${place(g.offset)} (${g.opcode}) and is not on the allow list of what checkpoints contain`,
              subject,
              ...where(g.offset),
              count: 1,
            };
      if (c.verdict === 'deny') denied++;
      else unknown++;
      seen.set(key, finding);
      findings.push(finding);
    }
    for (const issue of result.issues) {
      if (issue.kind === 'unresolved-global' || issue.kind === 'extension') {
        unknown++;
        findings.push({
          code: 'MLS602',
          severity: 'warning',
          message: `${issue.message} ${place(issue.offset)}`,
          subject: issue.kind,
          ...where(issue.offset),
        });
      } else {
        findings.push({
          code: 'MLS607',
          severity: 'warning',
          message: `${issue.message} ${place(issue.offset)}; what follows was not inspected`,
          ...where(issue.offset),
        });
      }
    }
  }
  for (const f of seen.values()) {
    if (f.count > 1) f.message += ` (${f.count} times)`;
    delete (f as { count?: number }).count;
  }
  return { findings, globals, denied, unknown };
}
