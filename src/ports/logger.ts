// The one logger shape the core and every adapter write to. src/log.ts makes
// the real one (redacting secrets, and also serving as Bolt's logger); tests
// pass the silent twin or one that keeps the lines.

import { LogEvent } from './log-event.js';

export interface Logger {
  debug(...parts: unknown[]): void;
  info(...parts: unknown[]): void;
  warn(...parts: unknown[]): void;
  error(...parts: unknown[]): void;
}

/** The in-memory twin: keeps every line (level and parts) for a test to read; prints nothing. */
export class MemoryLogger implements Logger {
  readonly lines: { level: 'debug' | 'info' | 'warn' | 'error'; text: string }[] = [];

  debug(...parts: unknown[]): void {
    this.keep('debug', parts);
  }

  info(...parts: unknown[]): void {
    this.keep('info', parts);
  }

  warn(...parts: unknown[]): void {
    this.keep('warn', parts);
  }

  error(...parts: unknown[]): void {
    this.keep('error', parts);
  }

  private keep(level: MemoryLogger['lines'][number]['level'], parts: unknown[]): void {
    // A LogEvent names the line for the JSON format; the text leaves it out.
    this.lines.push({
      level,
      text: parts
        .filter((part) => !(part instanceof LogEvent))
        .map((part) => (part instanceof Error ? part.message : String(part)))
        .join(' '),
    });
  }
}

/** Prints nothing: for an adapter built without a logger. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
