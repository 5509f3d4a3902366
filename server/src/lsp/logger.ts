/**
 * Logging to the client's output channel (`window/logMessage`). Errors and warnings always go
 * out; information needs trace level `messages` or `verbose`, timings need `verbose`. Messages
 * name documents by URI and give counts and durations: never file contents, settings values that
 * could hold secrets, or environment.
 */
import type { Connection } from 'vscode-languageserver/node';

export type TraceLevel = 'off' | 'messages' | 'verbose';

export class Logger {
  private level: TraceLevel = 'off';

  constructor(private readonly connection: Connection) {}

  setLevel(level: unknown): void {
    if (level === 'off' || level === 'messages' || level === 'verbose') this.level = level;
  }

  get verbose(): boolean {
    return this.level === 'verbose';
  }

  error(message: string, error?: unknown): void {
    const detail = error instanceof Error ? (error.stack ?? error.message) : error === undefined ? '' : String(error);
    this.connection.console.error(`[mlsec] ${message}${detail ? `: ${detail}` : ''}`);
  }

  warn(message: string): void {
    this.connection.console.warn(`[mlsec] ${message}`);
  }

  info(message: string): void {
    if (this.level !== 'off') this.connection.console.info(`[mlsec] ${message}`);
  }

  debug(message: string): void {
    if (this.level === 'verbose') this.connection.console.log(`[mlsec] ${message}`);
  }
}
