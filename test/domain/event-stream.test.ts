// The event stream's wire format: envelopes a receiver can verify with the
// documented hash formula alone, stable ids, the webhook's signature text, the
// backoff schedule, and RFC 5424 messages with octet-counting framing.

import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS, rowHash, type ChainRow } from '../../src/domain/audit-chain.js';
import {
  eventId,
  MAX_RETRY_AFTER_MS,
  MAX_RETRY_MS,
  parseRetryAfter,
  retryDelayMs,
  signatureText,
  streamEvent,
  streamJson,
  webhookSignature,
} from '../../src/domain/event-stream.js';
import { headerField, octetFrame, sdValue, severityOf, syslogMessage } from '../../src/domain/event-stream-syslog.js';

const AT = Date.UTC(2026, 11, 5, 10, 15, 30, 123);

/** A chain of rows hashed as the stores hash them. */
function chain(...events: Array<{ requestId: string | null; name: string; actor: string; detail: string | null }>): ChainRow[] {
  let previous = GENESIS;
  return events.map((event, index) => {
    const row = { seq: index + 1, at: AT + index, ...event };
    const hash = rowHash(row, previous);
    const stored = { ...row, prevHash: previous, hash };
    previous = hash;
    return stored;
  });
}

/** What a receiver does with nothing but the documented formula. */
function receiverHash(event: {
  prevHash: string;
  seq: number;
  requestId: string | null;
  name: string;
  actor: string;
  atMs: number;
  detail: string | null;
}): string {
  return createHash('sha256')
    .update(`${event.prevHash}\n${JSON.stringify([event.seq, event.requestId, event.name, event.actor, event.atMs, event.detail])}`)
    .digest('hex');
}

describe('stream envelope', () => {
  const rows = chain(
    { requestId: 'k7m2qp', name: 'request.created', actor: 'U1', detail: 'ssh "quoted" ] \\ ünïcode 🚀' },
    { requestId: null, name: 'drift.orphan_closed', actor: 'system', detail: null },
  );

  it('envelope_fieldsAndOrder_matchTheWireFormat', () => {
    const event = streamEvent(rows[0]!);
    expect(Object.keys(JSON.parse(streamJson(event)))).toEqual([
      'id',
      'seq',
      'hash',
      'prevHash',
      'requestId',
      'name',
      'actor',
      'at',
      'atMs',
      'detail',
      'source',
    ]);
    expect(event).toMatchObject({
      seq: 1,
      requestId: 'k7m2qp',
      name: 'request.created',
      actor: 'U1',
      at: '2026-12-05T10:15:30.123Z',
      atMs: AT,
      source: 'jit-access-bot',
    });
    expect(event.prevHash).toBe(GENESIS);
  });

  it('receiver_recomputesHashAndFollowsPrevHash_fromTheJsonAlone', () => {
    let previous = GENESIS;
    for (const row of rows) {
      const received = JSON.parse(streamJson(streamEvent(row))) as ReturnType<typeof streamEvent>;
      expect(received.prevHash).toBe(previous);
      expect(receiverHash(received)).toBe(received.hash);
      previous = received.hash;
    }
    const edited = { ...(JSON.parse(streamJson(streamEvent(rows[1]!))) as ReturnType<typeof streamEvent>), actor: 'U2' };
    expect(receiverHash(edited)).not.toBe(edited.hash);
  });

  it('id_isStableForOneRow_andDiffersAcrossSeqsAndChains', () => {
    expect(streamEvent(rows[0]!).id).toBe(streamEvent({ ...rows[0]! }).id);
    expect(eventId(1, rows[0]!.hash!)).toBe(`1-${rows[0]!.hash!.slice(0, 16)}`);
    expect(streamEvent(rows[0]!).id).not.toBe(streamEvent(rows[1]!).id);
    const other = chain({ requestId: 'zzzzzz', name: 'request.created', actor: 'U9', detail: null });
    expect(streamEvent(other[0]!).id).not.toBe(streamEvent(rows[0]!).id);
  });
});

describe('webhook signature', () => {
  it('signature_isHmacSha256OfTimestampDotBody', () => {
    const body = '{"id":"1-ab"}';
    expect(signatureText(1733380000, body)).toBe('1733380000.{"id":"1-ab"}');
    const expected = createHmac('sha256', 's'.repeat(32)).update(`1733380000.${body}`).digest('hex');
    expect(webhookSignature('s'.repeat(32), 1733380000, body)).toBe(`sha256=${expected}`);
    expect(webhookSignature('s'.repeat(32), 1733380001, body)).not.toBe(`sha256=${expected}`);
    expect(webhookSignature('t'.repeat(32), 1733380000, body)).not.toBe(`sha256=${expected}`);
  });
});

describe('retry backoff', () => {
  it('delay_doublesFromOneSecond_withEqualJitter_cappedAtFiveMinutes', () => {
    expect(retryDelayMs(1, 0)).toBe(500);
    expect(retryDelayMs(1, 0.999999)).toBe(1000);
    expect(retryDelayMs(2, 0)).toBe(1000);
    expect(retryDelayMs(3, 0.5)).toBe(3000);
    expect(retryDelayMs(30, 0.999999)).toBe(MAX_RETRY_MS);
    expect(retryDelayMs(1000, 0)).toBe(MAX_RETRY_MS / 2);
  });

  it('retryAfter_longerThanTheBackoff_wins_upToAnHour', () => {
    expect(retryDelayMs(1, 0, 30_000)).toBe(30_000);
    expect(retryDelayMs(10, 0.999999, 1000)).toBe(Math.min(2 ** 9 * 1000, MAX_RETRY_MS));
    expect(retryDelayMs(1, 0, 24 * 3600_000)).toBe(MAX_RETRY_AFTER_MS);
  });

  it('retryAfterHeader_secondsOrHttpDate', () => {
    const now = Date.UTC(2026, 11, 5, 10, 0, 0);
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Sat, 05 Dec 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('RFC 5424 syslog', () => {
  const rows = chain(
    { requestId: 'k7m2qp', name: 'grant.opened', actor: 'U1', detail: 'x' },
    { requestId: null, name: 'drift.orphan_closed', actor: 'system', detail: 'rule "a]b\\c"' },
  );
  const origin = { hostname: 'jit-host', procid: '4242' };

  it('message_hasHeaderStructuredDataAndTheJsonAsMsg', () => {
    const event = streamEvent(rows[0]!);
    const message = syslogMessage(event, origin);
    // authpriv (10) × 8 + notice (5) = 85
    expect(message).toBe(
      `<85>1 2026-12-05T10:15:30.123Z jit-host jit-access-bot 4242 grant.opened [jit@32473 id="${event.id}" seq="1" hash="${event.hash}"] ${streamJson(event)}`,
    );
    const parsed = /^<(\d+)>1 (\S+) (\S+) (\S+) (\S+) (\S+) (\[.*?[^\\]\]) (.*)$/.exec(message);
    expect(parsed).not.toBeNull();
    expect(JSON.parse(parsed![8]!)).toEqual(JSON.parse(streamJson(event)));
  });

  it('alerts_areWarning_othersNotice', () => {
    expect(severityOf('drift.orphan_closed')).toBe(4);
    expect(severityOf('grant.close_failed')).toBe(4);
    expect(severityOf('stream.dead_lettered')).toBe(4);
    expect(severityOf('grant.opened')).toBe(5);
    expect(syslogMessage(streamEvent(rows[1]!), origin).startsWith('<84>1 ')).toBe(true);
  });

  it('sdValues_escapeQuoteBackslashAndBracket', () => {
    expect(sdValue('a"b\\c]d')).toBe('a\\"b\\\\c\\]d');
    expect(sdValue('plain-1')).toBe('plain-1');
  });

  it('headerFields_keepPrintableAscii_truncate_andNilWhenEmpty', () => {
    expect(headerField('my host\u00e9', 255)).toBe('myhost');
    expect(headerField('', 48)).toBe('-');
    expect(headerField('x'.repeat(40), 32)).toHaveLength(32);
  });

  it('octetFrame_countsUtf8Octets_notCharacters', () => {
    const frame = octetFrame('héllo 🚀');
    const text = frame.toString('utf8');
    const [length, ...rest] = text.split(' ');
    expect(Number(length)).toBe(Buffer.byteLength(rest.join(' '), 'utf8'));
    expect(Number(length)).toBe(11); // h é(2) l l o, space, 🚀(4); 8 UTF-16 units
  });
});
