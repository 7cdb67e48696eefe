// One logger for the bot and for Bolt (it implements @slack/logger's Logger).
// Every line passes through `redact`, so a token or secret never reaches a log.

import { LogLevel, type Logger } from '@slack/bolt';

const SEVERITY: Record<LogLevel, number> = {
  [LogLevel.DEBUG]: 10,
  [LogLevel.INFO]: 20,
  [LogLevel.WARN]: 30,
  [LogLevel.ERROR]: 40,
};

const TOKEN_PATTERN = /\bx(?:ox[abposr]|app)-[A-Za-z0-9-]+/g;

export interface JitLogger extends Logger {
  /** Adds secrets (the signing secret) that must never be printed verbatim. */
  addSecret(secret: string): void;
}

export function createLogger(options: { level?: LogLevel; write?: (line: string) => void } = {}): JitLogger {
  let level = options.level ?? LogLevel.INFO;
  let name = 'jit';
  const secrets: string[] = [];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));

  const redact = (text: string): string => {
    let out = text.replace(TOKEN_PATTERN, (token) => `${token.slice(0, 5)}…[redacted]`);
    for (const secret of secrets) out = out.split(secret).join('[redacted]');
    return out;
  };
  const render = (part: unknown): string => {
    if (part instanceof Error) {
      const code = (part as { code?: unknown }).code;
      return `${code ? `[${String(code)}] ` : ''}${part.message}${part.cause instanceof Error ? ` (cause: ${part.cause.message})` : ''}`;
    }
    if (typeof part === 'string') return part;
    try {
      return JSON.stringify(part);
    } catch {
      return String(part);
    }
  };
  const log = (at: LogLevel, parts: unknown[]): void => {
    if (SEVERITY[at] < SEVERITY[level]) return;
    write(redact(`${new Date().toISOString()} ${at.toUpperCase()} [${name}] ${parts.map(render).join(' ')}`));
  };

  return {
    debug: (...msg) => log(LogLevel.DEBUG, msg),
    info: (...msg) => log(LogLevel.INFO, msg),
    warn: (...msg) => log(LogLevel.WARN, msg),
    error: (...msg) => log(LogLevel.ERROR, msg),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: (next) => {
      name = next;
    },
    addSecret: (secret) => {
      if (secret.length >= 8) secrets.push(secret);
    },
  };
}
