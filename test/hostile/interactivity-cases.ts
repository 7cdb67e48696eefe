// Hostile requests to the bot's Slack endpoint, and what "nothing changed" means
// there. Every case is signed exactly as Slack signs (unless it tests signing),
// so it reaches the listeners rather than stopping at the signature check.

import Database from 'better-sqlite3';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { E2E } from '../e2e/harness.js';
import { SECRET } from '../e2e/harness.js';
import {
  blockActionPayload,
  postPayload,
  slashCommandFields,
  slackSignature,
  viewSubmissionPayload,
  type Payload,
  type PostResult,
} from '../support/slack-requests.js';

/** What a case must get back: an ephemeral reply, a bare 2xx, or a 4xx refusal of the request itself. */
export type Expect = 'reply' | 'ack' | 'refused';

export interface Case {
  name: string;
  expect: Expect;
  send(ctx: { e2e: E2E; rid: string; user: string }): Promise<PostResult>;
}

let users = 0;
/** A fresh user per case: the per-user rate limit must not be what refuses the next case. */
export const freshUser = (): string => `UHOSTILE${(++users).toString(36).toUpperCase()}`;

export const eventsUrl = (e2e: E2E): string => `${e2e.baseUrl}/slack/events`;

/** Signed form post with an optional time limit (a listener that never acks leaves Bolt silent for 3 s). */
export async function post(e2e: E2E, body: string, opts: { contentType?: string; timeoutMs?: number } = {}): Promise<PostResult> {
  const timestamp = Math.floor(Date.now() / 1000);
  const res = await fetch(eventsUrl(e2e), {
    method: 'POST',
    headers: {
      'Content-Type': opts.contentType ?? 'application/x-www-form-urlencoded',
      'X-Slack-Request-Timestamp': String(timestamp),
      'X-Slack-Signature': slackSignature(SECRET, timestamp, body),
    },
    body,
    ...(opts.timeoutMs ? { signal: AbortSignal.timeout(opts.timeoutMs) } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

export const form = (fields: Record<string, string>, extra = ''): string => new URLSearchParams(fields).toString() + extra;

/** `/jit <text>` with any field removed, replaced or repeated. */
export function command(
  e2e: E2E,
  rid: string,
  user: string,
  text: string,
  edit: (fields: Record<string, string>) => void = () => {},
  extra = '',
): Promise<PostResult> {
  const fields = slashCommandFields({ text, userId: user, responseUrl: e2e.fake.responseUrl(rid) });
  edit(fields);
  return post(e2e, form(fields, extra));
}

/** A button click whose payload `edit` may tamper with before signing. */
export function click(e2e: E2E, rid: string, user: string, actionId: string, value: unknown, edit: (payload: Payload) => void = () => {}): Promise<PostResult> {
  const payload = blockActionPayload({ userId: user, actionId, responseUrl: e2e.fake.responseUrl(rid), action: { value } });
  edit(payload);
  return postPayload(e2e.baseUrl, SECRET, payload);
}

export function submit(
  e2e: E2E,
  user: string,
  values: Record<string, unknown>,
  edit: (payload: Payload) => void = () => {},
  timeoutMs?: number,
): Promise<PostResult> {
  const payload = viewSubmissionPayload({ userId: user, callbackId: 'jit_request_modal', values: values as never });
  edit(payload);
  return post(e2e, form({ payload: JSON.stringify(payload) }), timeoutMs === undefined ? {} : { timeoutMs });
}

/** The modal's five inputs, as Slack reports them. */
export function modalValues(fields: { vm: unknown; ports: unknown; source: unknown; duration: unknown; justification: unknown }): Record<string, unknown> {
  return {
    vm: { vm_select: { type: 'static_select', selected_option: fields.vm === undefined ? null : { value: fields.vm } } },
    ports: { ports_select: { type: 'multi_static_select', selected_options: fields.ports } },
    source: { source_input: { type: 'plain_text_input', value: fields.source } },
    duration: { duration_input: { type: 'plain_text_input', value: fields.duration } },
    justification: { justification_input: { type: 'plain_text_input', value: fields.justification } },
  };
}

// ---- what "nothing changed" means ----

export interface Snapshot {
  rows: Record<string, number>;
  requests: unknown[];
  firewall: { open: unknown[]; changes: number };
  slack: { posted: number; updated: number; deleted: number };
}

/** Every table's row count and every request's state, read from the bot's own database file. */
export async function snapshot(e2e: E2E): Promise<Snapshot> {
  const db = new Database(join(e2e.dir, 'data', 'jit.db'), { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
    const rows = Object.fromEntries(tables.map(({ name }) => [name, (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n]));
    const requests = db.prepare('SELECT id, state, version FROM requests ORDER BY id').all();
    const changes = e2e.backend.calls.filter((c) => c.op === 'open' || c.op === 'close' || c.op === 'extend').length;
    const slack = {
      posted: e2e.fake.callsTo('chat.postMessage').length,
      updated: e2e.fake.callsTo('chat.update').length,
      deleted: e2e.fake.callsTo('chat.delete').length,
    };
    return { rows, requests, firewall: { open: await e2e.backend.list(), changes }, slack };
  } finally {
    db.close();
  }
}

/** Sends one case and holds the bot to the contract: answered, never 5xx, the expected kind of answer. */
export async function expectAnswered(e2e: E2E, c: Case, rid: string, user: string): Promise<void> {
  const from = e2e.fake.responses.length;
  const started = Date.now();
  const result = await c.send({ e2e, rid, user });
  const context = `${c.name}: HTTP ${result.status} ${result.text.slice(0, 200)}`;
  expect(result.status, context).toBeLessThan(500);
  // Bolt's own 3-second ack window is the longest legitimate wait; anything far past it is a hang.
  expect(Date.now() - started, context).toBeLessThan(6_000);
  if (c.expect === 'refused') return void expect(result.status, context).toBeGreaterThanOrEqual(400);
  expect(result.status, context).toBeGreaterThanOrEqual(200);
  expect(result.status, context).toBeLessThan(300);
  if (c.expect !== 'reply') return;
  const reply = await e2e.fake
    .waitForResponse((r) => r.id === rid, { from, timeoutMs: 3_000 })
    .catch((error: unknown) => {
      throw new Error(`${context}: no ephemeral reply (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
    });
  expect(reply.body.response_type, context).toBe('ephemeral');
  expect(String(reply.body.text ?? '').trim().length, context).toBeGreaterThan(0);
  expect(reply.status, `${context}: Slack refused the reply ${reply.errors.join('; ')}`).toBe(200);
}

export async function expectHealthy(e2e: E2E): Promise<void> {
  const health = await fetch(`${e2e.baseUrl}/healthz`, { signal: AbortSignal.timeout(3_000) });
  expect(health.status).toBe(200);
}
