/**
 * A change of the editor settings (`workspace/didChangeConfiguration`) reaches every result the
 * extension shows: open documents are analysed again and, once the workspace has been scanned,
 * so is the workspace (closed files' diagnostics, the totals and the checklist evidence), the same
 * way a change of pyproject.toml is handled. Notifications arriving together are handled as one
 * change, and each change is logged once, naming the settings that changed.
 */
import type { MlsecSettings } from '../../../common/src/protocol';
import type { LiveAnalysis } from './analysis';
import type { Logger } from './logger';
import type { DocumentConfigs, SettingsStore } from './settings';
import { fileUriOf } from './uris';
import type { WorkspaceIndex } from './workspaceScan';

/** How long to wait for more notifications belonging to the same change. */
const COALESCE_MS = 30;

export interface SettingsChangeDeps {
  settings: SettingsStore;
  configs: DocumentConfigs;
  live: LiveAnalysis;
  index: WorkspaceIndex;
  logger: Logger;
  folders: () => readonly string[];
  /** Called with the new window-wide settings (e.g. to set the log level). */
  applyWindowSettings?: (settings: MlsecSettings) => void;
}

/** The top-level keys whose values differ between two settings objects. */
export function changedKeys(before: MlsecSettings, after: MlsecSettings): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)] as Array<keyof MlsecSettings>);
  return [...keys].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).sort();
}

export class SettingsChanges {
  private timer?: NodeJS.Timeout;
  /** Settings before the first notification of the change being coalesced. */
  private before?: Map<string, Promise<MlsecSettings>>;

  constructor(private readonly deps: SettingsChangeDeps) {}

  private scopes(): string[] {
    return ['', ...this.deps.folders().map(fileUriOf)];
  }

  /**
   * Called for every didChangeConfiguration notification. The new settings apply at once (a
   * document opened next must see them); the log line and the workspace rescan wait for the
   * notifications that belong to the same change.
   */
  notify(pushed: unknown): Promise<void> {
    const { settings, configs, live } = this.deps;
    // The settings as they were (cached promises, taken before the cache is cleared).
    this.before ??= new Map(this.scopes().map((scope) => [scope, settings.get(scope || undefined)]));
    configs.clearSettings(pushed);
    live.reanalyzeAll();
    if (this.timer) clearTimeout(this.timer);
    return new Promise((resolve) => {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        const before = this.before ?? new Map<string, Promise<MlsecSettings>>();
        this.before = undefined;
        this.finish(before).then(resolve, (error) => {
          this.deps.logger.error('applying a settings change failed', error);
          resolve();
        });
      }, COALESCE_MS);
    });
  }

  private async finish(before: Map<string, Promise<MlsecSettings>>): Promise<void> {
    const { settings, live, index, logger } = this.deps;
    const changed = new Set<string>();
    for (const scope of this.scopes()) {
      const old = await before.get(scope);
      const now = await settings.get(scope || undefined);
      if (old) for (const key of changedKeys(old, now)) changed.add(`mlsec.${key}`);
    }
    this.deps.applyWindowSettings?.(await settings.get(undefined));
    if (changed.size === 0) {
      // The notification VS Code sends when the server registers for it, or a change that
      // differs only below the folder level: open documents were re-checked, no rescan.
      logger.debug('configuration notification without a change of mlsec settings at window or folder level');
      return;
    }
    const scope = index.hasScanned ? `${live.all().length} open document(s) and the workspace` : `${live.all().length} open document(s)`;
    logger.info(`settings changed (${[...changed].sort().join(', ')}): re-analysing ${scope}`);
    if (index.hasScanned) index.rescanSoon(0);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
