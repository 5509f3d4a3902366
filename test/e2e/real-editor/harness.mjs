/**
 * Helpers for the real-editor end-to-end tests: code-server (VS Code 1.100.3 served on loopback)
 * driven through Debian's Chromium by playwright-core. Every wait polls a condition with a
 * deadline; nothing sleeps for a fixed time.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';

export const CHROMIUM = process.env.MLSEC_E2E_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** The modifier of VS Code's shortcuts: the workbench runs on Linux here (Ctrl+P, Ctrl+., Ctrl+S). */
export const MOD = 'Control';

/** Polls `probe` until it returns a truthy value; throws `what` with the last error on timeout. */
export async function waitFor(what, probe, { timeout = 30_000, interval = 150 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const detail = last ? ` (last error: ${last instanceof Error ? last.message.split('\n')[0] : String(last)})` : '';
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function httpStatus(url) {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', () => resolve(0));
    request.on('timeout', () => {
      request.destroy();
      resolve(0);
    });
  });
}

/** The code-server processes this run started (each leads its own process group). */
const running = new Set();

/** Ends, by process group, every code-server this run started and that still runs (on abort). */
export function killStartedServers() {
  for (const child of running) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}

/** One code-server instance with its own user-data and extensions folders. */
export class CodeServer {
  /**
   * @param {{ entry: string, root: string, extensionsDir: string, log: (line: string) => void }} options
   *   root: a temp folder for this instance (user data, config, log).
   */
  constructor(options) {
    this.entry = options.entry;
    this.root = options.root;
    this.extensionsDir = options.extensionsDir;
    this.userDataDir = path.join(options.root, 'user-data');
    this.configFile = path.join(options.root, 'config.yaml');
    this.logFile = path.join(options.root, 'code-server.log');
    this.log = options.log;
    this.process = undefined;
    this.port = undefined;
    fs.mkdirSync(this.userDataDir, { recursive: true });
    fs.writeFileSync(this.configFile, 'auth: none\ncert: false\n');
  }

  /** Keeps code-server's own files (logs, heartbeat) in this instance's folder, not in $HOME. */
  env() {
    const env = { ...process.env, XDG_DATA_HOME: path.join(this.root, 'data'), XDG_CONFIG_HOME: path.join(this.root, 'config') };
    for (const key of Object.keys(env)) if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE') delete env[key];
    // No extension marketplace: nothing to fetch, and no failing look-ups of open-vsx.org.
    env.EXTENSIONS_GALLERY = '{}';
    return env;
  }

  baseArgs() {
    return [this.entry, '--config', this.configFile, '--user-data-dir', this.userDataDir, '--extensions-dir', this.extensionsDir];
  }

  /** Installs a packaged extension (code-server's own CLI, as a user would). */
  installExtension(vsix) {
    const result = spawnSync(process.execPath, [...this.baseArgs(), '--install-extension', vsix, '--force'], {
      encoding: 'utf8',
      timeout: 120_000,
      env: this.env(),
    });
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
    if (result.status !== 0) throw new Error(`code-server --install-extension ${vsix} failed (exit ${result.status}):\n${output}`);
    return output;
  }

  writeUserSettings(settings) {
    const dir = path.join(this.userDataDir, 'User');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
  }

  async start(folder) {
    this.port = await freePort();
    const args = [
      ...this.baseArgs(),
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${this.port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      folder,
    ];
    const out = fs.openSync(this.logFile, 'a');
    this.process = spawn(process.execPath, args, { stdio: ['ignore', out, out], env: this.env(), detached: true });
    fs.closeSync(out);
    const exited = new Promise((resolve) => this.process.once('exit', (code, signal) => resolve({ code, signal })));
    this.exited = exited;
    running.add(this.process);
    void exited.then(() => running.delete(this.process));
    let dead;
    void exited.then((status) => (dead = status));
    await waitFor(
      `code-server to answer on 127.0.0.1:${this.port}`,
      async () => dead || (await httpStatus(`http://127.0.0.1:${this.port}/healthz`)) === 200,
      { timeout: 60_000, interval: 200 },
    );
    if (dead) throw new Error(`code-server exited (${JSON.stringify(dead)}); its log:\n${this.logTail(40)}`);
    this.log(`code-server pid ${this.process.pid} listening on 127.0.0.1:${this.port}`);
    return `http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(folder)}`;
  }

  async stop() {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    // Its own process group (detached): the extension host and the language server go with it.
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const stopped = await Promise.race([this.exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 10_000))]);
    if (!stopped) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  logTail(lines = 200) {
    try {
      return fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no code-server log)';
    }
  }

  /** The logs VS Code wrote under user-data/logs (extension host, the mlsec output channel). */
  vscodeLogs(filter = /exthost|mlsec|remoteagent|window|renderer/i, lines = 80) {
    const root = path.join(this.userDataDir, 'logs');
    const found = [];
    const walk = (dir) => {
      let entries = [];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('.log') && filter.test(path.relative(root, full))) found.push(full);
      }
    };
    walk(root);
    return found
      .map((file) => {
        const text = fs.readFileSync(file, 'utf8').trimEnd();
        const tail = text.split('\n').slice(-lines).join('\n');
        return `--- ${path.relative(root, file)} (last ${lines} lines)\n${tail || '(empty)'}`;
      })
      .join('\n');
  }
}

/** UI helpers on a VS Code workbench page. */
export class Workbench {
  constructor(page) {
    this.page = page;
  }

  async waitForWorkbench() {
    await this.page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
    await this.page.waitForSelector('.part.statusbar', { timeout: 60_000 });
    await this.page.waitForSelector('.part.activitybar', { timeout: 60_000 });
  }

  /** The workspace-trust dialog: answer it (trust = true clicks "Yes, I trust the authors"). */
  async answerTrustDialog(trust) {
    const dialog = this.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 60_000 });
    const text = await dialog.innerText();
    if (!/trust/i.test(text)) throw new Error(`expected the workspace trust dialog, got: ${text}`);
    const name = trust ? /Yes, I trust/i : /No, I don.t trust/i;
    await dialog.getByRole('button', { name }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
  }

  async quickInputVisible() {
    return this.page.locator('.quick-input-widget').isVisible();
  }

  async closeQuickInput() {
    if (await this.quickInputVisible()) {
      await this.page.keyboard.press('Escape');
      await waitFor('the quick input to close', async () => !(await this.quickInputVisible()), { timeout: 5000 });
    }
  }

  /** Opens a workspace file by typing its path into Quick Open (Ctrl+P). */
  async openFile(relativePath) {
    await this.closeQuickInput();
    const base = path.posix.basename(relativePath);
    const input = this.page.locator('.quick-input-widget input');
    await this.page.keyboard.press(`${MOD}+P`);
    const opened = await input.waitFor({ state: 'visible', timeout: 5000 }).then(
      () => true,
      () => false,
    );
    if (!opened) {
      // Keyboard focus can sit inside a webview (a notebook's rendered Markdown), which keeps the
      // shortcut from the workbench: the title bar's search box opens the same Quick Open.
      console.log(
        `  (Ctrl+P did not open Quick Open; using the command center) active element: ${await this.page.evaluate(() => document.activeElement?.outerHTML.slice(0, 160))}`,
      );
      await this.page.locator('.command-center .search-label, .command-center-center').first().click();
      await input.waitFor({ state: 'visible', timeout: 10_000 });
    }
    await input.fill(relativePath);
    // The list filters asynchronously: wait until the focused (first) entry is the file, or Enter
    // would open whatever was focused before (the most recently opened editor).
    const focused = this.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: base });
    await focused.first().waitFor({ state: 'visible', timeout: 20_000 });
    await waitFor(
      `Quick Open to offer ${relativePath}`,
      async () => {
        const label = await focused.first().getAttribute('aria-label');
        return label && label.includes(base) && (await input.inputValue()) === relativePath;
      },
      { timeout: 10_000 },
    );
    await this.page.keyboard.press('Enter');
    await this.page.locator(`.tabs-container .tab.active[aria-label*="${base}"]`).waitFor({ state: 'visible', timeout: 20_000 });
  }

  /**
   * Opens the command palette with F1 and types `filter` after its ">" prefix. Returns the input.
   */
  async openCommandPalette(filter) {
    await this.closeQuickInput();
    const input = this.page.locator('.quick-input-widget input');
    await this.page.keyboard.press('F1');
    const opened = await input.waitFor({ state: 'visible', timeout: 5000 }).then(
      () => true,
      () => false,
    );
    if (!opened) {
      // As in openFile: focus inside a webview keeps F1 from the workbench. The command center
      // opens Quick Open, which the ">" typed below turns into the command palette.
      console.log(
        `  (F1 did not open the command palette; using the command center) active element: ${await this.page.evaluate(() => document.activeElement?.outerHTML.slice(0, 160))}`,
      );
      await this.page.locator('.command-center .search-label, .command-center-center').first().click();
      await input.waitFor({ state: 'visible', timeout: 10_000 });
    }
    await input.fill(`>${filter}`);
    return input;
  }

  /** The rows the open quick input lists: their visible label, accessible label and focus. */
  async quickInputEntries() {
    return this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').evaluateAll((rows) =>
      rows.map((r) => ({
        name: r.querySelector('.label-name')?.textContent?.trim() ?? '',
        label: r.getAttribute('aria-label') ?? '',
        focused: r.classList.contains('focused'),
      })),
    );
  }

  /**
   * Types `name` into the open quick input, moves the focus to the entry labelled exactly `name`
   * with the arrow keys and presses Enter. The list filters asynchronously and need not rank the
   * exact title first ("File: Compare New Untitled Text Files" comes before "File: New Untitled
   * Text File"), so Enter alone could choose another entry. `prefix` is the mode character the
   * input keeps (">" in the command palette).
   */
  async chooseQuickInputEntry(name, { prefix = '' } = {}) {
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`${prefix}${name}`);
    let entries = [];
    await waitFor(
      `the quick input to focus "${name}"`,
      async () => {
        if ((await input.inputValue()) !== `${prefix}${name}`) return false;
        entries = await this.quickInputEntries();
        const focused = entries.find((e) => e.focused);
        if (focused?.name === name) return true;
        if (focused && entries.some((e) => e.name === name)) await this.page.keyboard.press('ArrowDown');
        return false;
      },
      { timeout: 15_000 },
    ).catch((error) => {
      throw new Error(`${error.message}; it lists: ${entries.map((e) => `${e.focused ? '*' : ''}${e.name}`).join(' | ') || 'nothing'}`);
    });
    await this.page.keyboard.press('Enter');
    // The command either closes the quick input or reuses it for its own picker or prompt.
    await waitFor(
      `the quick input to take "${name}"`,
      async () => !(await this.quickInputVisible()) || (await input.inputValue()) !== `${prefix}${name}`,
      { timeout: 10_000 },
    );
  }

  /** Runs a command from the command palette by its full title ("Category: Title"). */
  async runCommand(title) {
    await this.openCommandPalette(title);
    await this.chooseQuickInputEntry(title, { prefix: '>' });
  }

  /** The text of the language indicator in the status bar (the active editor's language). */
  async editorLanguage() {
    return (await this.page.locator('.part.statusbar [id="status.editor.mode"]').innerText()).trim();
  }

  /**
   * Scrolls the active editor to the first occurrence of `needle` with the find widget (Ctrl+F), as
   * a reader would, and closes the widget again. Long documents only render their visible lines.
   * The editor must have the keyboard focus (Escape hands it back from the widget).
   */
  async revealInEditor(needle) {
    const group = this.page.locator('.editor-group-container.active');
    await this.page.keyboard.press(`${MOD}+F`);
    const find = group.locator('.find-widget.visible');
    const field = find.locator('.find-part .input').first();
    await field.waitFor({ state: 'visible', timeout: 10_000 });
    await field.fill(needle);
    await waitFor(
      `the find widget to find "${needle}"`,
      async () => /^\d+ of \d+$/.test((await find.locator('.matchesCount').innerText()).trim()),
      { timeout: 10_000 },
    );
    await waitFor(`"${needle}" to be visible in the editor`, async () => (await this.textPosition(needle)) !== undefined, {
      timeout: 10_000,
    });
    await this.page.keyboard.press('Escape');
    await find.waitFor({ state: 'hidden', timeout: 10_000 });
  }

  /** The active text editor's visible lines (Monaco's DOM), joined with newlines. */
  async editorText(editor = this.page.locator('.editor-group-container.active .monaco-editor').first()) {
    return editor.locator('.view-lines').innerText();
  }

  /**
   * Screen coordinates of `needle` inside the visible editor lines: a DOM Range over Monaco's text
   * spans, so the mouse lands on the characters a person would point at.
   */
  async textPosition(needle, { scope = '.editor-group-container.active', offset = 0 } = {}) {
    return this.page.evaluate(
      ({ needle, scope, offset }) => {
        const roots = [...document.querySelectorAll(`${scope} .view-lines`)];
        for (const root of roots) {
          for (const line of root.querySelectorAll('.view-line')) {
            const text = line.textContent.replace(/\u00a0/g, ' ');
            const at = text.indexOf(needle);
            if (at < 0) continue;
            const target = at + offset;
            const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
            let seen = 0;
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
              const length = node.textContent.length;
              if (seen + length > target) {
                const range = document.createRange();
                range.setStart(node, target - seen);
                range.setEnd(node, target - seen + 1);
                const rect = range.getBoundingClientRect();
                return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
              }
              seen += length;
            }
          }
        }
        return undefined;
      },
      { needle, scope, offset },
    );
  }

  /**
   * Moves the mouse onto `needle` in the active editor until a hover containing `expect` shows;
   * returns the hover's text.
   */
  async hover(needle, expect, { offset = 0, timeout = 45_000 } = {}) {
    const hover = this.page.locator('.monaco-hover:not(.hidden)', { hasText: expect }).first();
    await waitFor(
      `a hover with "${expect}" over "${needle}"`,
      async () => {
        const at = await this.textPosition(needle, { offset });
        if (!at) return false;
        // Come from outside, as a hand would: a hover only starts on a mouse move onto the text.
        await this.page.mouse.move(at.x - 30, at.y + 40);
        await this.page.mouse.move(at.x, at.y, { steps: 4 });
        await hover.waitFor({ state: 'visible', timeout: 4000 });
        return true;
      },
      { timeout, interval: 500 },
    );
    return (await hover.innerText()).replace(/\s+/g, ' ');
  }

  /**
   * Clicks on `needle` in the active editor, waits for the lightbulb, opens the Quick Fix menu with
   * Ctrl+. and applies the entry matching `pattern` (chosen with the arrow keys and Enter, as from
   * the keyboard: the menu's pointer block swallows synthetic clicks). Returns the menu's entries.
   */
  async applyQuickFix(needle, pattern, { offset = 0, beforeApply } = {}) {
    const at = await waitFor(`"${needle}" in the editor`, () => this.textPosition(needle, { offset }));
    await this.page.mouse.click(at.x, at.y);
    await this.page.locator('.editor-group-container.active .lightBulbWidget').first().waitFor({ state: 'visible', timeout: 20_000 });
    await this.page.keyboard.press(`${MOD}+Period`);
    const menu = this.page.locator('.action-widget');
    await menu.waitFor({ state: 'visible', timeout: 20_000 });
    const entries = (await menu.locator('.monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    if (!entries.some((e) => pattern.test(e))) throw new Error(`no quick fix matches ${pattern}; the menu has: ${entries.join(' | ')}`);
    if (beforeApply) await beforeApply();
    await waitFor(
      `the quick fix matching ${pattern} to be selected`,
      async () => {
        const focused = await menu.locator('.monaco-list-row.focused').getAttribute('aria-label');
        if (focused && pattern.test(focused)) return true;
        await this.page.keyboard.press('ArrowDown');
        return false;
      },
      { timeout: 10_000 },
    );
    await this.page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden', timeout: 10_000 });
    return entries;
  }

  /** Drags the sash right of the side bar until the side bar is `width` pixels wide. */
  async widenSideBar(width) {
    const bar = await this.page.locator('.part.sidebar').boundingBox();
    if (!bar || bar.width >= width) return;
    const edge = bar.x + bar.width;
    const y = bar.y + bar.height / 2;
    await this.page.mouse.move(edge - 1, y);
    await this.page.mouse.down();
    await this.page.mouse.move(edge - 1 + (width - bar.width), y, { steps: 8 });
    await this.page.mouse.up();
  }

  async focusProblems() {
    await this.closeQuickInput();
    // Ctrl+Shift+M toggles the panel when it already has the focus: press it only when needed.
    if (
      await this.page
        .locator('.markers-panel')
        .isVisible()
        .catch(() => false)
    )
      return;
    await this.page.keyboard.press(`${MOD}+Shift+M`);
    await this.page.locator('.markers-panel').waitFor({ state: 'visible', timeout: 10_000 });
  }

  /** The rows of the Problems panel, as their accessible labels (resource rows and markers). */
  async problems() {
    const rows = this.page.locator('.markers-panel .monaco-list-row');
    return rows.evaluateAll((elements) =>
      elements.map((e) => ({ label: e.getAttribute('aria-label') ?? '', text: e.innerText.replace(/\s+/g, ' ').trim() })),
    );
  }

  async statusBarItems() {
    return this.page.locator('.part.statusbar .statusbar-item').evaluateAll((elements) =>
      elements.map((e) => ({
        id: e.id,
        label: e.getAttribute('aria-label') ?? e.querySelector('[aria-label]')?.getAttribute('aria-label') ?? '',
        text: e.innerText.trim(),
      })),
    );
  }

  async screenshot(file) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await this.page.screenshot({ path: file });
    return file;
  }
}
