/**
 * The editor honours the project's baseline (see cli/baseline.ts): findings recorded in it are
 * shown as hints or hidden, as the `mlsec.baselineFindings` setting says. The baseline file is
 * the project's `baseline` setting, else `.mlsec/baseline.json` in the workspace folder; it is
 * read again when its modification time or size changes, so `mlsec baseline` takes effect on
 * the next analysis.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MlsecSettings } from '../../../common/src/protocol';
import type { Finding } from '../engine/findings';
import type { Baseline } from '../engine/results/baseline';
import { BaselineMatcher, DEFAULT_BASELINE, readBaseline } from '../engine/results/baseline';
import type { Logger } from './logger';

/** The baseline file for a file of a workspace folder, given the project's setting. */
export function baselineFileFor(projectBaseline: string | undefined, folder: string | undefined): string | undefined {
  return projectBaseline ?? (folder ? path.join(folder, DEFAULT_BASELINE) : undefined);
}

/** Baseline files read, re-read when they change on disk. */
export class BaselineStore {
  private readonly cache = new Map<string, { stamp: string; baseline?: Baseline }>();

  constructor(private readonly logger?: Logger) {}

  get(file: string): Baseline | undefined {
    let stamp: string;
    try {
      const stat = fs.statSync(file);
      stamp = `${stat.mtimeMs}:${stat.size}`;
    } catch {
      this.cache.delete(file);
      return undefined;
    }
    const cached = this.cache.get(file);
    if (cached && cached.stamp === stamp) return cached.baseline;
    let baseline: Baseline | undefined;
    try {
      baseline = readBaseline(file);
    } catch (error) {
      this.logger?.warn(error instanceof Error ? error.message : String(error));
    }
    this.cache.set(file, { stamp, baseline });
    return baseline;
  }

  /**
   * The findings of `file` as the editor shows them: baseline findings marked (`hint`), removed
   * (`hide`) or left as they are (`show`). Findings are copied, never changed in place: the
   * analysis memo reuses them.
   */
  apply(
    file: string | undefined,
    findings: Finding[],
    baselineFile: string | undefined,
    mode: MlsecSettings['baselineFindings'],
  ): Finding[] {
    if (!file || !baselineFile || mode === 'show') return findings;
    const baseline = this.get(baselineFile);
    if (!baseline || baseline.entries.length === 0) return findings;
    const matcher = new BaselineMatcher(baseline);
    const result: Finding[] = [];
    for (const finding of findings) {
      if (finding.suppression || !matcher.take(file, finding)) result.push(finding);
      else if (mode === 'hint') result.push({ ...finding, baseline: true });
    }
    return result;
  }
}
