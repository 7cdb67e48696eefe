// Drift through the whole bot: the firewall changed behind its back, the sweep
// finds it, closes what should not be open and says so in the audit channel.

import { afterEach, describe, expect, it } from 'vitest';
import { AUDIT, requestIdIn, startE2E, stopChecked, until, type E2E } from './harness.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

const topLevelAuditTexts = (e: E2E): string[] =>
  e.fake
    .callsTo('chat.postMessage')
    .filter((c) => c.response.ok && c.args.channel === AUDIT && !c.args.thread_ts)
    .map((c) => String(c.args.text));

describe('drift found by the sweep', () => {
  it('orphanAllowRule_isClosedAndReportedTopLevelInTheAuditChannel', async () => {
    e2e = await startE2E();
    await e2e.backend.open({
      requestId: 'zzz234',
      vmId: 'web-1',
      vmName: 'web-1',
      address: '10.0.0.4',
      ports: [{ number: 22, protocol: 'TCP' }],
      source: '0.0.0.0/0',
      endAt: Date.now() + 3_600_000,
    });

    await e2e.bot.sweep();
    await e2e.bot.flushOutbox();

    expect(e2e.backend.isOpen('zzz234')).toBe(false);
    expect(topLevelAuditTexts(e2e)).toEqual([
      expect.stringMatching(
        /^<!here> :warning: Drift repaired: backend memory allows 22\/TCP on web-1 from 0\.0\.0\.0\/0, but no request zzz234 is stored: closed/,
      ),
    ]);
  });

  it('grantWhoseRuleWasDeleted_isAlertedThreadedAndClosed_andTheRequesterTold', async () => {
    e2e = await startE2E();
    const id = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h fix dns'));
    const approval = await e2e.fake.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === 'UAPPROVER1' && JSON.stringify(c.args).includes(id));
    await e2e.click('UAPPROVER1', approval, 'jit_approve', { expectReply: false });
    await until(async () => (await e2e!.bot.workflow.get(id)).state === 'active');
    const grant = await e2e.bot.workflow.get(id);
    await e2e.backend.close({
      requestId: id,
      vmId: grant.target!.vmId,
      vmName: 'web-1',
      address: '10.0.0.4',
      ports: grant.ports,
      source: grant.source,
      endAt: grant.endAt!,
    });

    await e2e.bot.sweep();

    expect(await e2e.bot.workflow.get(id)).toMatchObject({ state: 'closed', reason: 'vanished' });
    const thread = await e2e.auditThread(id);
    expect(thread.join('\n')).toMatch(
      /Drift: the firewall rules changed behind the bot's back: 22\/TCP no longer open on backend memory before the end[\s\S]*Closing: its firewall rules vanished[\s\S]*Closed 22\/TCP/,
    );
    expect(topLevelAuditTexts(e2e).filter((text) => text.startsWith('<!here> :warning: Drift on'))).toHaveLength(1);
    const dms = e2e.fake
      .callsTo('chat.postMessage')
      .filter((c) => c.args.channel === 'UREQ')
      .map((c) => String(c.args.text));
    expect(dms.at(-1)).toMatch(/is closed: its firewall rules vanished before the end, so the bot closed the rest\.$/);
  });
});
