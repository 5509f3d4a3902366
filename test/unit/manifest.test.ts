/** The extension manifest agrees with the code: commands, views, menus, snippets, packaging. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Commands } from '../../common/src/protocol';
import { CONTEXT } from '../../client/src/checklist/model';
import { ACTIVATED_CONTEXT } from '../../client/src/contextKeys';
import { REPO_ROOT } from '../support/paths';

interface Manifest {
  main: string;
  icon: string;
  activationEvents: string[];
  capabilities: {
    untrustedWorkspaces: { supported: boolean | string; description?: string; restrictedConfigurations?: string[] };
    virtualWorkspaces: { supported: boolean | string; description?: string };
  };
  contributes: {
    commands: Array<{ command: string; title: string; category: string; icon?: string }>;
    viewsContainers: { activitybar: Array<{ id: string; icon: string }> };
    views: Record<string, Array<{ id: string }>>;
    viewsWelcome: Array<{ view: string; when?: string }>;
    menus: Record<string, Array<{ command: string; when?: string }>>;
    snippets: Array<{ language: string; path: string }>;
  };
}

const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;

describe('extension manifest', () => {
  const declared = new Map(manifest.contributes.commands.map((c) => [c.command, c]));

  it('declares every palette command of protocol.ts under "ML Security"', () => {
    const internal = new Set<string>([Commands.applySafeFixes, Commands.openLocation]);
    for (const id of Object.values(Commands)) {
      if (internal.has(id)) continue;
      const command = declared.get(id);
      assert.ok(command, `${id} not in contributes.commands`);
      assert.equal(command.category, 'ML Security');
    }
    for (const id of declared.keys()) assert.ok((Object.values(Commands) as string[]).includes(id), `${id} is not in protocol.ts Commands`);
  });

  it('puts only declared commands in menus, and context menus on real context values', () => {
    const contexts = new Set<string>(Object.values(CONTEXT));
    for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
      for (const entry of entries) {
        assert.ok(declared.has(entry.command), `${menu}: ${entry.command}`);
        const match = /viewItem =~ \/\^checklistItem\\\.\(([^)]*)\)\$\//.exec(entry.when ?? '');
        if (match) for (const state of match[1].split('|')) assert.ok(contexts.has(`checklistItem.${state}`), `${state} in ${entry.when}`);
        const exact = /viewItem == (\w+)/.exec(entry.when ?? '');
        if (exact) assert.ok(contexts.has(exact[1]), exact[1]);
      }
    }
  });

  it('has the checklist view in its own container with a welcome for empty windows', () => {
    const container = manifest.contributes.viewsContainers.activitybar[0];
    assert.ok(fs.existsSync(path.join(REPO_ROOT, container.icon)));
    assert.deepEqual(
      manifest.contributes.views[container.id].map((v) => v.id),
      ['mlsec.checklist'],
    );
    const welcome = manifest.contributes.viewsWelcome.filter((w) => w.view === 'mlsec.checklist');
    assert.ok(
      welcome.some((w) => w.when === 'workspaceFolderCount == 0'),
      'a welcome for windows without a folder',
    );
    // Before activation the view has no data provider; without a welcome entry for that state
    // VS Code shows "There is no data provider registered…" until the extension starts.
    assert.ok(
      welcome.some((w) => w.when === `workspaceFolderCount > 0 && !${ACTIVATED_CONTEXT}`),
      `a welcome for the time before activation, keyed on ${ACTIVATED_CONTEXT}: ${JSON.stringify(welcome)}`,
    );
  });

  it('lists no command twice in the palette', () => {
    // VS Code generates "ML Security: Focus on Security Checklist View" for the view; the
    // extension's Show Checklist does the same, so it is hidden from the palette (it stays for
    // the walkthrough and the scan notification's button).
    const hidden = new Set((manifest.contributes.menus.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command));
    assert.ok(hidden.has(Commands.showChecklist), 'Show Checklist duplicates the generated focus command');
    const titles = manifest.contributes.commands.filter((c) => !hidden.has(c.command)).map((c) => `${c.category}: ${c.title}`);
    assert.deepEqual(
      titles.filter((t, i) => titles.indexOf(t) !== i),
      [],
    );
  });

  it('activates on Python and notebooks, and states its workspace-trust and virtual-workspace support', () => {
    for (const event of ['onLanguage:python', 'onNotebook:jupyter-notebook', 'onView:mlsec.checklist'])
      assert.ok(manifest.activationEvents.includes(event), event);
    const trust = manifest.capabilities.untrustedWorkspaces;
    assert.equal(trust.supported, 'limited');
    assert.ok(trust.description && trust.description.length > 40, 'limited support says what is limited');
    for (const setting of ['mlsec.enable', 'mlsec.ignore', 'mlsec.exclude', 'mlsec.select', 'mlsec.severity']) {
      assert.ok(trust.restrictedConfigurations?.includes(setting), `the workspace cannot switch ${setting} in Restricted Mode`);
    }
    assert.ok(manifest.capabilities.virtualWorkspaces.description && manifest.capabilities.virtualWorkspaces.supported !== true);
    assert.equal(manifest.main, './dist/client.js');
    assert.ok(fs.existsSync(path.join(REPO_ROOT, manifest.icon)));
  });

  it('contributes Python snippets with the mlsec- prefix', () => {
    const [entry] = manifest.contributes.snippets;
    assert.equal(entry.language, 'python');
    const snippets = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, entry.path), 'utf8')) as Record<
      string,
      { prefix: string; body: string[]; description: string }
    >;
    const prefixes = Object.values(snippets).map((s) => s.prefix);
    for (const prefix of [
      'mlsec-torch-load',
      'mlsec-safetensors-save',
      'mlsec-safetensors-load',
      'mlsec-download-verified',
      'mlsec-from-pretrained',
      'mlsec-fastapi-endpoint',
      'mlsec-yaml-load',
      'mlsec-gradio-auth',
      'mlsec-env-secret',
    ]) {
      assert.ok(prefixes.includes(prefix), prefix);
    }
    for (const snippet of Object.values(snippets)) {
      assert.ok(snippet.description.length > 20);
      const body = snippet.body.join('\n');
      assert.ok(
        !/weights_only=False|trust_remote_code=True|yaml\.load\(|share=True/.test(body),
        `${snippet.prefix} shows an unsafe pattern`,
      );
    }
  });

  it('packages only bundles, assets and docs', () => {
    const ignore = fs
      .readFileSync(path.join(REPO_ROOT, '.vscodeignore'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    assert.equal(ignore[0], '**');
    assert.ok(ignore.slice(1).every((l) => l.startsWith('!')));
    for (const needed of ['!dist/client.js', '!dist/server.js', '!dist/wasm/**', '!snippets/**', '!docs/rules/**', '!media/**', '!LICENSE'])
      assert.ok(ignore.includes(needed), needed);
  });
});
