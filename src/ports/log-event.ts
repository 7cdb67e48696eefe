// A log line's stable name, and the request it is about, for the JSON log
// format (JIT_LOG_FORMAT=json): passed as a logger call's first part,
//
//   logger.warn(logEvent('outbox.retry', { request: id }), `outbox row ${row} failed…`);
//
// The text format leaves it out, so a line reads the same as without it. The
// names are a contract with whoever searches the logs: README lists them.

export type LogField = string | number | boolean;

export class LogEvent {
  constructor(
    readonly event: string,
    readonly fields: Readonly<Record<string, LogField | undefined>> = {},
  ) {}
}

/** Names a log line; `fields` (e.g. `{ request: 'k7m2qp' }`) go into its JSON object. */
export function logEvent(event: string, fields: Readonly<Record<string, LogField | undefined>> = {}): LogEvent {
  return new LogEvent(event, fields);
}
