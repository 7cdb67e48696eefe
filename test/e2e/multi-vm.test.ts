import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../support/fake-slack.js';
import { until, AUDIT, startE2E, type E2E } from './harness.js';

let e2e: E2E | undefined;
afterEach(async () => {
  if (!e2e) return;
  expect(e2e.fake.rejected().map((c) => `${c.method}: ${JSON.stringify(c.response)}`)).toEqual([]);
  await e2e.stop();
  e2e = undefined;
});

const isApproval = (c: RecordedCall): boolean => c.method === 'chat.postMessage' && JSON.stringify(c.args.blocks ?? '').includes('jit_approve');
const approvalTo = (e: E2E, channel: string, requestId: string): Promise<RecordedCall> =>
  e.fake.waitFor((c) => isApproval(c) && c.args.channel === channel && JSON.stringify(c.args).includes(requestId));

/** Every request ID in a reply, in order, each once: the batch leader first. */
const idsIn = (text: string): string[] => [...new Set([...text.matchAll(/#([23456789a-hjkmnp-z]{6})\b/g)].map((m) => m[1]!))];

function buttons(call: RecordedCall): { text: string; value: string }[] {
  const blocks = call.args.blocks as { type: string; elements?: { text?: { text: string }; value?: string }[] }[];
  return blocks.flatMap((b) => (b.type === 'actions' ? (b.elements ?? []).map((el) => ({ text: el.text?.text ?? '', value: el.value ?? '' })) : []));
}

describe('several VMs in one request, over signed Slack requests', () => {
  it('batch_oneApprovalMessagePerApprover_oneClickOpensBoth_revokeClosesOnlyOne', async () => {
    e2e = await startE2E();
    const reply = await e2e.command('UREQ', 'request web-1,db-1 22,5432 198.51.100.7 1h failover drill');
    const [web, db] = idsIn(reply) as [string, string];
    expect(reply).toMatch(new RegExp(`#${web} 22/TCP on \\*web-1\\*: waiting`));
    expect(reply).toMatch(new RegExp(`#${db} 5432/TCP on \\*db-1\\*: waiting`));

    const approval = await approvalTo(e2e, 'UAPPROVER1', web);
    const other = await approvalTo(e2e, 'UAPPROVER2', web);
    await e2e.bot.flushOutbox();
    expect(e2e.fake.calls.filter(isApproval)).toHaveLength(2);
    expect(buttons(approval)).toEqual([
      { text: 'Approve', value: web },
      { text: 'Deny', value: web },
    ]);
    const shown = JSON.stringify(approval.args.blocks);
    for (const fact of [`#${web}`, `#${db}`, 'web-1', 'db-1', '22/TCP', '5432/TCP', '198.51.100.7/32', 'failover drill']) expect(shown).toContain(fact);
    // The requester hears once about the whole batch.
    const created = e2e.fake.callsTo('chat.postMessage').filter((c) => c.args.channel === 'UREQ');
    expect(created).toHaveLength(1);
    expect(String(created[0]!.args.text)).toContain(`#${db}`);

    expect(await e2e.click('UREQ', approval, 'jit_approve')).toMatch(/cannot approve your own request/);
    await e2e.click('UAPPROVER1', approval, 'jit_approve', { expectReply: false });
    await until(() => e2e!.backend.isOpen(web) && e2e!.backend.isOpen(db));
    const rules = await e2e.backend.list();
    expect(rules.map((r) => [r.vmName, r.port]).sort()).toEqual([
      ['db-1', 5432],
      ['web-1', 22],
    ]);

    // Both copies of the one message are rewritten in place, without buttons, showing both VMs open.
    await until(() => {
      const texts = [approval, other].map((m) => JSON.stringify(e2e!.fake.message(String(m.response.channel), String(m.response.ts))?.blocks));
      return texts.every((t) => !t.includes('jit_approve') && (t.match(/access is open/g) ?? []).length === 2);
    });
    expect(e2e.fake.callsTo('chat.update').every((c) => c.args.ts === approval.response.ts || c.args.ts === other.response.ts)).toBe(true);

    const list = await e2e.command('UREQ', 'list');
    expect(list).toContain(`*#${web}* · *web-1*`);
    expect(list).toContain(`*#${db}* · *db-1* · 5432/TCP from 198.51.100.7/32 · with #${web}`);

    expect(await e2e.command('UREQ', `revoke ${db}`)).toMatch(/revoked: access is closed/);
    expect(e2e.backend.isOpen(db)).toBe(false);
    expect(e2e.backend.isOpen(web)).toBe(true);
    expect((await e2e.bot.workflow.get(web)).state).toBe('active');

    // Each member has its own audit thread.
    const webThread = await e2e.auditThread(web);
    const dbThread = await e2e.auditThread(db);
    expect(webThread[0]).toContain('web-1');
    expect(dbThread[0]).toContain('db-1');
    expect(dbThread.slice(1).join('\n')).toMatch(/approved[\s\S]*opened[\s\S]*revoked[\s\S]*closed/i);
    expect(webThread.slice(1).join('\n')).toMatch(/approved[\s\S]*opened/i);
    expect(webThread.join('\n')).not.toMatch(/revoked/i);
    const roots = e2e.fake.callsTo('chat.postMessage').filter((c) => c.args.channel === AUDIT && !c.args.thread_ts);
    expect(roots).toHaveLength(2);
  });

  it('batch_denyClick_deniesEveryVm_andCancelByLeaderWithdrawsTheWaitingOnes', async () => {
    e2e = await startE2E();
    const [web, db] = idsIn(await e2e.command('UREQ', 'request web-1,db-1 22,5432 198.51.100.7 30m')) as [string, string];
    const approval = await approvalTo(e2e, 'UAPPROVER2', web);
    await e2e.click('UAPPROVER2', approval, 'jit_deny', { expectReply: false });
    await until(async () => (await e2e!.bot.workflow.get(web)).state === 'denied' && (await e2e!.bot.workflow.get(db)).state === 'denied');
    await e2e.bot.flushOutbox();
    const updated = JSON.stringify(e2e.fake.message(String(approval.response.channel), String(approval.response.ts))?.blocks);
    expect(updated.match(/Denied by <@UAPPROVER2>/g)).toHaveLength(2);
    expect(updated).not.toContain('jit_approve');

    const [web2, db2] = idsIn(await e2e.command('UREQ', 'request web-1,db-1 22,5432 198.51.100.7 30m')) as [string, string];
    expect(await e2e.command('UREQ', `cancel ${web2}`)).toMatch(new RegExp(`Cancelled #${web2} \\(web-1\\), #${db2} \\(db-1\\)`));
    expect([(await e2e.bot.workflow.get(web2)).state, (await e2e.bot.workflow.get(db2)).state]).toEqual(['cancelled', 'cancelled']);
  });

  it('batch_invalidPart_isRefusedWithEveryProblemAndNothingIsAsked', async () => {
    e2e = await startE2E();
    const reply = await e2e.command('UREQ', 'request web-1,db-1,web-1 22,6379 198.51.100.7 1h');
    expect(reply).toMatch(/VM web-1 is listed twice/);
    expect(reply).toMatch(/db-1 has none of the ports 22, 6379/);
    await e2e.bot.flushOutbox();
    expect(e2e.fake.callsTo('chat.postMessage')).toEqual([]);
  });
});
