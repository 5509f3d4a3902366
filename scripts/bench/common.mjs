// @ts-check
// What the benchmark scripts share: the help text read from a script's header comment, and the
// helpers of the ones that drive the language server (percentiles, memory from /proc, shutdown).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';

/**
 * With `--help` or `-h` among `args`, prints the script's leading `//` comment (after the shebang
 * and `// @ts-check`) and exits.
 * @param {string} scriptUrl the script's `import.meta.url`
 * @param {readonly string[]} args
 */
export function helpIfAsked(scriptUrl, args) {
  if (!args.includes('--help') && !args.includes('-h')) return;
  const lines = readFileSync(fileURLToPath(scriptUrl), 'utf8').split('\n').slice(2);
  const header = lines.slice(
    0,
    lines.findIndex((l) => !l.startsWith('//')),
  );
  process.stdout.write(header.map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
  process.exit(0);
}

/**
 * The p-th percentile (nearest rank) of some numbers, NaN for none.
 * @param {readonly number[]} xs
 * @param {number} p
 */
export function percentile(xs, p) {
  const sorted = [...xs].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * A memory figure of a process from /proc/PID/status in MB (`VmRSS`, `VmHWM`), undefined where
 * there is none (not Linux, or the process is gone).
 * @param {number | undefined} pid
 * @param {'VmRSS' | 'VmHWM'} field
 */
export function processMemoryMb(pid, field) {
  try {
    const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Shuts a language server down (`shutdown`, then `exit`), kills it if it is still there half a
 * second later, and closes the connection.
 * @param {{ sendRequest(method: string): Promise<unknown>; sendNotification(method: string): Promise<void>; dispose(): void }} connection
 * @param {{ kill(): boolean }} child
 */
export async function stopServer(connection, child) {
  try {
    await Promise.race([connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
    await connection.sendNotification('exit');
  } catch {
    // already gone
  }
  setTimeout(() => child.kill(), 500).unref();
  connection.dispose();
}

/**
 * Starts the language server at `serverPath` on stdio and answers what it asks a client for:
 * `settings` for every configuration item, capability registrations and progress tokens; its
 * notifications other than diagnostics are ignored. The caller sends `initialize`.
 * @param {string} serverPath
 * @param {object} settings
 */
export function connectServer(serverPath, settings) {
  const child = spawn(process.execPath, [serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  connection.listen();
  connection.onRequest('workspace/configuration', (/** @type {{ items: unknown[] }} */ params) => params.items.map(() => settings));
  connection.onRequest('client/registerCapability', () => null);
  connection.onRequest('window/workDoneProgress/create', () => null);
  connection.onNotification('mlsec/findingsChanged', () => undefined);
  connection.onNotification('window/logMessage', () => undefined);
  connection.onNotification('$/progress', () => undefined);
  return { child, connection };
}
