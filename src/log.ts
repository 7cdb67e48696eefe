// One logger for the bot and for Bolt (it implements @slack/logger's Logger).
// Every line passes through `redact`, so a token or secret never reaches a log.
// Two formats (JIT_LOG_FORMAT): `text`, one readable line each, and `json`, one
// JSON object a line for a log pipeline, with the stable event name a call
// gives (ports/log-event.ts) and the request the line is about.

import { LogLevel, type Logger } from '@slack/bolt';
import { LogEvent, type LogField } from './ports/log-event.js';

const SEVERITY: Record<LogLevel, number> = {
  [LogLevel.DEBUG]: 10,
  [LogLevel.INFO]: 20,
  [LogLevel.WARN]: 30,
  [LogLevel.ERROR]: 40,
};

const TOKEN_PATTERN = /\bx(?:ox[abposr]|app)-[A-Za-z0-9-]+/g;
/** A line about a request names it `request k7m2qp` or `#k7m2qp` (the alphabet of domain/ids.ts). */
const REQUEST_IN_TEXT = /(?:\brequest |#)([23456789a-hjkmnp-z]{6})\b/;

export type LogFormat = 'text' | 'json';

export interface JitLogger extends Logger {
  /** Adds secrets (the signing secret) that must never be printed verbatim. */
  addSecret(secret: string): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** `text` (default) or `json`: one JSON object a line. */
  format?: LogFormat;
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions = {}): JitLogger {
  let level = options.level ?? LogLevel.INFO;
  let name = 'jit';
  const secrets: string[] = [];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const format = options.format ?? 'text';

  const redact = (text: string): string => {
    let out = text.replace(TOKEN_PATTERN, (token) => `${token.slice(0, 5)}…[redacted]`);
    for (const secret of secrets) out = out.split(secret).join('[redacted]');
    return out;
  };
  const log = (at: LogLevel, parts: unknown[]): void => {
    if (SEVERITY[at] < SEVERITY[level]) return;
    const named = parts[0] instanceof LogEvent ? parts[0] : undefined;
    const message = (named ? parts.slice(1) : parts).map(render).join(' ');
    if (format === 'text') {
      write(redact(`${new Date().toISOString()} ${at.toUpperCase()} [${name}] ${message}`));
      return;
    }
    write(jsonLine({ time: new Date().toISOString(), level: at, name, named, message, redact }));
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

function render(part: unknown): string {
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
}

/**
 * `{"time","level","name","event","msg","request",…fields}`: `event` only when
 * the call named the line; `request` from the call's fields, else from the
 * first `request <id>` or `#<id>` in the message. Every string is redacted.
 */
function jsonLine(line: {
  time: string;
  level: LogLevel;
  name: string;
  named: LogEvent | undefined;
  message: string;
  redact: (text: string) => string;
}): string {
  const { named, message, redact } = line;
  const object: Record<string, LogField> = { time: line.time, level: line.level, name: line.name };
  if (named) object.event = named.event;
  object.msg = message;
  const request = named?.fields.request ?? REQUEST_IN_TEXT.exec(message)?.[1];
  if (request !== undefined) object.request = request;
  for (const [key, value] of Object.entries(named?.fields ?? {})) {
    if (value !== undefined && !(key in object)) object[key] = value;
  }
  for (const [key, value] of Object.entries(object)) if (typeof value === 'string') object[key] = redact(value);
  return JSON.stringify(object);
}
