// The Bolt app the bot builds (slack/app.ts). Without a conversation store no
// middleware looks each request's conversation up (no listener keeps
// conversation state): a command reaches its listener with no
// `context.conversation` or `updateConversation`, and the ack is still sent.

import type { Context } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createSlackApp } from '../../src/slack/app.js';
import { slashCommandFields } from '../support/slack-requests.js';

describe('createSlackApp', () => {
  it('command_reachesItsListener_withoutAConversationStoreLookingItUp', async () => {
    const logger = createLogger({ write: () => undefined });
    const app = createSlackApp({
      config: { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'app-test-signing-secret-0123', PORT: 0, SLACK_API_URL: 'http://127.0.0.1:9/api/' },
      logger,
      routes: [],
    });
    let seen: Context | undefined;
    let acked = 0;
    app.command('/jit', async ({ ack, context }) => {
      await ack();
      seen = context;
    });
    const body = slashCommandFields({ text: 'help', userId: 'U1', responseUrl: 'http://127.0.0.1:9/response' });
    await app.processEvent({
      body,
      ack: async () => {
        acked++;
      },
    });
    expect(acked).toBe(1);
    expect(seen?.botToken).toBe('xoxb-test');
    expect(seen).not.toHaveProperty('updateConversation');
    expect(seen).not.toHaveProperty('conversation');
  });
});
