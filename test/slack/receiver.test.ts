// The receiver's answer when Bolt's processing of a signed request throws: a
// payload Bolt could not read is the sender's fault (400); anything else keeps
// Bolt's own answer, so a real failure still shows as one.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthorizationError } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { UNREADABLE_PAYLOAD_ANSWER, refuseUnreadablePayload } from '../../src/slack/receiver.js';

/** Just what the handler touches of a response, recorded. */
function response(headersSent = false) {
  const sent = { status: 0, body: '', headersSent };
  const res = {
    get headersSent() {
      return sent.headersSent;
    },
    writeHead(status: number) {
      sent.status = status;
      sent.headersSent = true;
      return res;
    },
    end(body?: string) {
      sent.body = body ?? '';
      return res;
    },
  };
  return { sent, res: res as unknown as ServerResponse };
}

function handle(error: Error, headersSent = false) {
  const lines: string[] = [];
  const { sent, res } = response(headersSent);
  const logger = createLogger({ write: (line) => lines.push(line) });
  const answered = refuseUnreadablePayload({ error, logger, request: {} as IncomingMessage, response: res, storedResponse: undefined });
  return { answered, sent, lines };
}

describe('refuseUnreadablePayload', () => {
  it('typeErrorFromReadingThePayload_is400WithTheReason_andAWarning', async () => {
    const { answered, sent, lines } = handle(new TypeError("Cannot read properties of undefined (reading 'id')"));
    expect(await answered).toBe(true);
    expect(sent).toMatchObject({ status: 400, body: UNREADABLE_PAYLOAD_ANSWER });
    expect(lines).toEqual([expect.stringMatching(/WARN.*payload Bolt could not read \(Cannot read properties of undefined \(reading 'id'\)\)/)]);
  });

  it('anyOtherError_keepsBoltsAnswer', async () => {
    const { answered, sent } = handle(new Error('the database is gone'));
    expect(await answered).toBe(false);
    expect(sent.status).toBe(500);
  });

  it('failedAuthorisation_keepsBolts401', async () => {
    const { sent } = handle(new AuthorizationError('no installation', new Error('x')));
    expect(sent.status).toBe(401);
  });

  it('errorAfterTheAck_writesNothingMore', async () => {
    const { answered, sent } = handle(new TypeError('late'), true);
    expect(await answered).toBe(false);
    expect(sent.status).toBe(0);
  });
});
