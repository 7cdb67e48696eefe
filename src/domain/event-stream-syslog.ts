// An event as an RFC 5424 syslog message, framed for a stream transport with
// octet counting (RFC 6587 §3.4.1, the framing RFC 5425 requires over TLS):
//
//   <PRI>1 TIMESTAMP HOSTNAME jit-access-bot PROCID MSGID [jit@32473 id="…" seq="…" hash="…"] <JSON>
//
// Facility authpriv (10): security and authorisation messages, which SIEM
// forwarders route to their secure log. Severity warning (4) for alerts (drift,
// a grant that failed to open or close, a dead letter), notice (5) otherwise.
// MSGID is the event's name; MSG is the same JSON the webhook posts
// (event-stream.ts), without a BOM. 32473 is the enterprise number RFC 5612
// reserves for documentation: the SD-ID names no registered organisation.

import { STREAM_SOURCE, type StreamEvent, streamJson } from './event-stream.js';

export const SYSLOG_FACILITY_AUTHPRIV = 10;
export const SEVERITY_WARNING = 4;
export const SEVERITY_NOTICE = 5;
export const SD_ID = 'jit@32473';

/** The events a SIEM should alert on. */
const ALERTS: ReadonlySet<string> = new Set([
  'grant.open_failed',
  'grant.close_failed',
  'grant.vanished',
  'drift.orphan_closed',
  'drift.orphan_close_failed',
  'extension.failed',
  'policy.overlay_not_applied',
  'stream.dead_lettered',
]);

export function severityOf(name: string): number {
  return ALERTS.has(name) || name.startsWith('drift.') ? SEVERITY_WARNING : SEVERITY_NOTICE;
}

export interface SyslogOrigin {
  /** The sender's host name (os.hostname()). */
  hostname: string;
  /** The process id. */
  procid: string;
}

/**
 * A header field: printable US-ASCII only (RFC 5424 §6: PRINTUSASCII, no
 * space), at most `max` characters, `-` (NILVALUE) when nothing is left.
 */
export function headerField(value: string, max: number): string {
  const printable = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return printable === '' ? '-' : printable;
}

/** An SD-PARAM value with `"`, `\` and `]` escaped by a backslash (RFC 5424 §6.3.3). */
export function sdValue(value: string): string {
  return value.replace(/["\\\]]/g, (char) => `\\${char}`);
}

/** The RFC 5424 message of one event (no framing). */
export function syslogMessage(event: StreamEvent, origin: SyslogOrigin): string {
  const pri = SYSLOG_FACILITY_AUTHPRIV * 8 + severityOf(event.name);
  const sd = `[${SD_ID} id="${sdValue(event.id)}" seq="${event.seq}" hash="${sdValue(event.hash)}"]`;
  return [
    `<${pri}>1`,
    event.at,
    headerField(origin.hostname, 255),
    STREAM_SOURCE,
    headerField(origin.procid, 128),
    headerField(event.name, 32),
    sd,
    streamJson(event),
  ].join(' ');
}

/** Octet-counting framing: `MSG-LEN SP SYSLOG-MSG`, MSG-LEN in octets of the UTF-8 message. */
export function octetFrame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}
