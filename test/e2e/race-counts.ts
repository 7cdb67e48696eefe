// What happened to one request, counted where it shows: the firewall's calls,
// the audit table, the messages Slack received and the replies to the clickers.
// The race tests send many requests at once and then count with these.

import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { AuditEventName } from '../../src/domain/types.js';
import type { RecordedCall } from '../support/fake-slack.js';
import { blockAction } from '../support/slack-requests.js';
import { SECRET, type E2E } from './harness.js';

export interface SentClick {
  user: string;
  /** The response_url id: the clicker's ephemeral reply, if any, arrives under it. */
  rid: string;
  status: number;
}

let sent = 0;

/** Clicks `actionId` on `message` once per entry of `users`, all at once; resolves with every HTTP answer. */
export function clickAll(e2e: E2E, message: RecordedCall, actionId: string, users: string[]): Promise<SentClick[]> {
  return Promise.all(users.map((user) => clickOnce(e2e, message, actionId, user)));
}

export async function clickOnce(e2e: E2E, message: RecordedCall, actionId: string, user: string): Promise<SentClick> {
  const rid = `race${++sent}`;
  const { status } = await blockAction(e2e.baseUrl, SECRET, {
    userId: user,
    actionId,
    messageTs: String(message.response.ts),
    channelId: String(message.response.channel),
    messageBlocks: message.args.blocks as unknown[],
    responseUrl: e2e.fake.responseUrl(rid),
  });
  return { user, rid, status };
}

/** The ephemeral replies the clicks got, as text. */
export function repliesTo(e2e: E2E, clicks: SentClick[]): string[] {
  const rids = new Set(clicks.map((c) => c.rid));
  return e2e.fake.responses.filter((r) => rids.has(r.id)).map((r) => String(r.body.text ?? ''));
}

/** The audit events of one request, by name, oldest first (read from the bot's own store). */
export async function eventNames(e2e: E2E, id: string): Promise<AuditEventName[]> {
  return (await e2e.bot.workflow.ctx.store.auditEvents(id)).map((event) => event.name);
}

export function countOf<T>(list: readonly T[], item: T): number {
  return list.filter((x) => x === item).length;
}

/** How often the firewall was asked to `op` this request. */
export function firewallCalls(e2e: E2E, op: 'open' | 'close', id: string): number {
  return e2e.backend.calls.filter((call) => call.op === op && call.requestId === id).length;
}

/** Every chat.update of one posted message, in order. */
export function updatesOf(e2e: E2E, message: RecordedCall): RecordedCall[] {
  return e2e.fake.callsTo('chat.update').filter((c) => c.args.channel === message.response.channel && c.args.ts === message.response.ts);
}

/** The texts of the DMs `user` got about request `id`. */
export function dmsAbout(e2e: E2E, user: string, id: string): string[] {
  return e2e.fake
    .callsTo('chat.postMessage')
    .filter((c) => c.response.ok && c.args.channel === user && JSON.stringify(c.args).includes(id))
    .map((c) => String(c.args.text));
}

/** The message in `channel` that carries `actionId` for request `id` (an approval message, a grant DM). */
export function messageWithButton(e2e: E2E, channel: string, actionId: string, id: string): Promise<RecordedCall> {
  return e2e.fake.waitFor(
    (c) =>
      c.method === 'chat.postMessage' &&
      c.args.channel === channel &&
      JSON.stringify(c.args.blocks ?? '').includes(`"action_id":"${actionId}"`) &&
      JSON.stringify(c.args).includes(id),
  );
}

/** The outbox rows written for request `id` (delivered or not) of one kind, read from the database file. */
export function outboxRows(e2e: E2E, id: string, kind: string, event?: AuditEventName): number {
  const db = new Database(join(e2e.dir, 'data', 'jit.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare(
        `SELECT count(*) AS n FROM outbox WHERE request_id = ? AND json_extract(notification, '$.kind') = ? AND (? IS NULL OR json_extract(notification, '$.event') = ?)`,
      )
      .get(id, kind, event ?? null, event ?? null) as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}
