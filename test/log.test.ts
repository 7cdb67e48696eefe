import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { logEvent } from '../src/ports/log-event.js';

describe('logger', () => {
  it('log_neverPrintsTokensOrTheSigningSecret', () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line) });
    logger.addSecret('s3cr3t-signing-value');
    logger.info('token xoxb-1234-5678-abcdef and app token xapp-1-A1-99-ffff');
    logger.error(new Error('auth failed for xoxp-0000-1111 with s3cr3t-signing-value'));
    logger.warn({ headers: { authorization: 'Bearer xoxb-999-888' } });
    const all = lines.join('\n');
    for (const secret of ['xoxb-1234-5678-abcdef', 'xapp-1-A1-99-ffff', 'xoxp-0000-1111', 's3cr3t-signing-value', 'xoxb-999-888'])
      expect(all).not.toContain(secret);
    expect(all).toContain('[redacted]');
    expect(lines).toHaveLength(3);
  });

  it('log_belowTheLevel_isDropped', () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line) });
    logger.debug('hidden');
    logger.info('shown');
    expect(lines).toEqual([expect.stringMatching(/INFO \[jit\] shown$/)]);
  });
});

describe('logger, JSON format', () => {
  const jsonLogger = () => {
    const lines: string[] = [];
    const logger = createLogger({ format: 'json', write: (line) => lines.push(line) });
    return { logger, lines, objects: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
  };

  it('log_json_isOneObjectALine_withTheEventNameAndTheRequest', () => {
    const { logger, lines, objects } = jsonLogger();
    logger.warn(logEvent('outbox.retry', { request: 'k7m2qp', attempts: 3 }), 'outbox row 12 failed,\nretry in 4000 ms:', new Error('ratelimited'));
    logger.info('request r4t8vw: grant opened on web-1');
    logger.info('jit bot started');
    expect(lines).toHaveLength(3);
    expect(lines.every((line) => !line.includes('\n'))).toBe(true);
    const [retry, opened, started] = objects();
    expect(retry).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: 'warn',
      name: 'jit',
      event: 'outbox.retry',
      msg: 'outbox row 12 failed,\nretry in 4000 ms: ratelimited',
      request: 'k7m2qp',
      attempts: 3,
    });
    expect(Object.keys(retry!)).toEqual(['time', 'level', 'name', 'event', 'msg', 'request', 'attempts']);
    // A line no call named still says which request it is about.
    expect(opened).toMatchObject({ level: 'info', msg: 'request r4t8vw: grant opened on web-1', request: 'r4t8vw' });
    expect(opened).not.toHaveProperty('event');
    expect(started).not.toHaveProperty('request');
  });

  it('log_json_neverPrintsTokensOrTheSigningSecret_inTheMessageOrTheFields', () => {
    const { logger, lines } = jsonLogger();
    logger.addSecret('s3cr3t-signing-value');
    logger.error(
      logEvent('grant.close_failed', { request: 'k7m2qp', detail: 'token xoxb-1234-5678-abcdef' }),
      new Error('auth failed with s3cr3t-signing-value'),
    );
    logger.warn({ headers: { authorization: 'Bearer xapp-1-A1-99-ffff' } });
    const all = lines.join('\n');
    for (const secret of ['xoxb-1234-5678-abcdef', 'xapp-1-A1-99-ffff', 's3cr3t-signing-value']) expect(all).not.toContain(secret);
    expect(lines.map((line) => JSON.parse(line) as { msg: string; detail?: string })).toEqual([
      expect.objectContaining({ msg: 'auth failed with [redacted]', detail: 'token xoxb-…[redacted]' }),
      expect.objectContaining({ msg: expect.stringContaining('xapp-…[redacted]') }),
    ]);
  });

  it('log_text_leavesTheEventOut', () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line) });
    logger.info(logEvent('grant.opened', { request: 'k7m2qp' }), 'request k7m2qp: grant opened');
    expect(lines).toEqual([expect.stringMatching(/^\S+ INFO \[jit\] request k7m2qp: grant opened$/)]);
  });
});
