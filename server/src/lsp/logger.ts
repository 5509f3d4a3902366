/**
 * Logging to the client's output channel (`window/logMessage`), at the level of the
 * `mlsec.logLevel` setting (`error`, `warn`, `info` — the default — or `debug`), the way Ruff's
 * server does it. It is separate from `mlsec.trace.server`, which traces the LSP messages
 * themselves (the language client does that). Info lines say what the server did (start,
 * configuration files found, workspace scans, settings changes); debug adds per-document timings.
 * Messages name documents by URI and give counts and durations: never file contents, settings
 * values that could hold secrets, or environment.
 */
import type { Connection } from 'vscode-languageserver/node';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export function parseLogLevel(value: unknown): LogLevel | undefined {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(RANK, value) ? (value as LogLevel) : undefined;
}

export class Logger {
  private level: LogLevel = 'info';

  constructor(private readonly connection: Connection) {}

  setLevel(level: unknown): void {
    const parsed = parseLogLevel(level);
    if (parsed) this.level = parsed;
  }

  get verbose(): boolean {
    return this.level === 'debug';
  }

  private enabled(level: LogLevel): boolean {
    return RANK[level] <= RANK[this.level];
  }

  error(message: string, error?: unknown): void {
    const detail = error instanceof Error ? (error.stack ?? error.message) : error === undefined ? '' : String(error);
    this.connection.console.error(`[mlsec] ${message}${detail ? `: ${detail}` : ''}`);
  }

  warn(message: string): void {
    if (this.enabled('warn')) this.connection.console.warn(`[mlsec] ${message}`);
  }

  info(message: string): void {
    if (this.enabled('info')) this.connection.console.info(`[mlsec] ${message}`);
  }

  debug(message: string): void {
    if (this.enabled('debug')) this.connection.console.log(`[mlsec] ${message}`);
  }
}
