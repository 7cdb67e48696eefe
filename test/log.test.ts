import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';

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
