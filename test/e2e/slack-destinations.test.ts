// A Slack destination that refuses the bot holds back only its own messages.
// The bot is not in the audit channel (every audit post answers
// `not_in_channel`): approvers still get their DMs and the requester theirs;
// the log says once what is wrong and how to fix it, /readyz lists it, the
// admins are told once; once the bot is invited, the audit thread goes out in
// order, each message once.

import { afterEach, expect, it } from 'vitest';
import { ManualClock } from '../../src/ports/clock.js';
import type { Args, RecordedCall } from '../support/fake-slack.js';
import { AUDIT, requestIdIn, startE2E, stopChecked, until, type E2E } from './harness.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

const RETRY_MS = 61_000;

const isApproval = (c: RecordedCall, id: string) => JSON.stringify(c.args.blocks ?? '').includes('jit_approve') && JSON.stringify(c.args).includes(id);

it('auditChannelRefusesTheBot_approvalsAndDmsStillGoOut_theFixIsToldOnce_andTheThreadFollowsInOrderOnceInvited', async () => {
  const clock = new ManualClock(Date.now());
  e2e = await startE2E({ clock, env: { JIT_ADMINS: 'UADMIN' } });
  const { fake } = e2e;
  let invited = false;
  const toAudit = (args: Args) => args.channel === AUDIT && !invited;
  fake.failNext('chat.postMessage', 1_000_000, { ok: false, error: 'not_in_channel' }, toAudit);
  fake.failNext('conversations.history', 1_000_000, { ok: false, error: 'not_in_channel' }, toAudit);
  // Refused posts, and refused looks for an interrupted post (a retry's first call): each is one attempt.
  const refusedAuditPosts = () => fake.calls.filter((c) => c.args.channel === AUDIT && c.response.error === 'not_in_channel').length;

  const id = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h deploy hotfix'));

  // The approvers get their messages although the audit root, queued before them, fails.
  const approval = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === 'UAPPROVER1' && isApproval(c, id), { timeoutMs: 15_000 });
  await fake.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === 'UAPPROVER2' && isApproval(c, id), { timeoutMs: 15_000 });
  await until(() => refusedAuditPosts() >= 1, 15_000);

  // The admin is told what is wrong and how to fix it.
  const told = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === 'UADMIN', { timeoutMs: 15_000 });
  expect(String(told.args.text)).toContain('not in the audit channel <#CAUDIT>');
  expect(String(told.args.text)).toContain('/invite @jit');

  // More retries, each refused: still one line in the log, and no retry warnings.
  for (let retry = 2; retry <= 4; retry++) {
    clock.advance(RETRY_MS);
    await until(() => refusedAuditPosts() >= retry, 15_000);
  }
  const fixLines = e2e.logs.filter((line) => line.includes('not in the audit channel CAUDIT'));
  expect(fixLines).toHaveLength(1);
  expect(fixLines[0]).toMatch(/not_in_channel.*Fix: invite it with `\/invite @jit` in that channel/);
  expect(e2e.logs.filter((line) => /outbox row \d+ \(audit/.test(line) || line.includes('could not look for an interrupted post'))).toEqual([]);

  // /readyz lists it, and the replica still serves.
  const ready = await fetch(`${e2e.baseUrl}/readyz`);
  expect(ready.status).toBe(200);
  const report = (await ready.json()) as { status: string; slack_destinations: unknown[] };
  expect(report.status).toBe('ready');
  expect(report.slack_destinations).toEqual([
    expect.objectContaining({ destination: AUDIT, role: 'audit_channel', error: 'not_in_channel', fix: 'invite it with `/invite @jit` in that channel' }),
  ]);

  // Approving opens the grant and tells the requester, the audit channel still refusing.
  await e2e.click('UAPPROVER1', approval, 'jit_approve', { expectReply: false });
  await until(() => e2e!.backend.isOpen(id), 15_000);
  await fake.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === 'UREQ' && /ssh 10\.0\.0\.4/.test(JSON.stringify(c.args)), {
    timeoutMs: 15_000,
  });
  expect(refusedAuditPosts()).toBeGreaterThanOrEqual(4);
  expect(fake.callsTo('chat.postMessage').filter((c) => c.args.channel === AUDIT && c.response.ok)).toEqual([]);

  // The bot is invited: within a retry the thread goes out, root first, each message once.
  invited = true;
  clock.advance(RETRY_MS);
  await until(() => e2e!.logs.some((line) => line.includes('delivering to CAUDIT again')), 15_000);
  await until(() => fake.callsTo('chat.postMessage').filter((c) => c.args.channel === AUDIT && c.response.ok).length >= 3, 15_000);
  await e2e.bot.flushOutbox();
  const posted = fake.callsTo('chat.postMessage').filter((c) => c.args.channel === AUDIT && c.response.ok);
  const root = posted.find((c) => !c.args.thread_ts && JSON.stringify(c.args).includes(`#${id}`));
  expect(root).toBeDefined();
  expect(posted.indexOf(root!)).toBe(0);
  const replies = posted.filter((c) => c.args.thread_ts === root!.response.ts).map((c) => String(c.args.text));
  expect(replies).toHaveLength(2);
  expect(replies.join('\n')).toMatch(/approved[\s\S]*opened/i);
  expect(posted).toHaveLength(3);

  // Told once only; /readyz is clear again.
  expect(fake.callsTo('chat.postMessage').filter((c) => c.args.channel === 'UADMIN')).toHaveLength(1);
  const after = (await (await fetch(`${e2e.baseUrl}/readyz`)).json()) as { slack_destinations: unknown[] };
  expect(after.slack_destinations).toEqual([]);
});
