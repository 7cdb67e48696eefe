// Break-glass: opens at once, loudly, and stays unreviewed until an approver acknowledges it.

import { afterEach, describe, expect, it } from 'vitest';
import { AUDIT, requestIdIn, startE2E, type E2E, stopChecked } from './harness.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

const POLICY = `approvers: [UAPPROVER1, UAPPROVER2]
virtualMachines:
  - id: db-1
    address: 10.0.0.5
    ports: [{number: 5432, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT2H}]
rules:
  - name: oncall-glass
    match: {requesters: [UONCALL]}
    effect: break_glass
    reason: on-call emergency access
`;

describe('break-glass', () => {
  it('breakGlass_opensAtOnce_alertsLoudly_staysUnreviewedUntilAcknowledged', async () => {
    e2e = await startE2E({ policy: POLICY });
    expect(await e2e.command('UONCALL', 'request db-1 5432 198.51.100.7 1h')).toMatch(/justification/i);
    expect(await e2e.bot.workflow.openRequestsOf('UONCALL')).toEqual([]);

    const reply = await e2e.command('UONCALL', 'request db-1 5432 198.51.100.7 1h INC-77 primary down');
    expect(reply).toMatch(/Break-glass #[a-z0-9]{6}: .* is open until/);
    const id = requestIdIn(reply);
    expect(e2e.backend.isOpen(id)).toBe(true);

    const alert = await e2e.fake.waitFor(
      (c) => c.method === 'chat.postMessage' && c.args.channel === AUDIT && String(c.args.text).startsWith('<!here> Break-glass'),
    );
    expect(alert.args.thread_ts).toBeUndefined();
    expect(JSON.stringify(alert.args.blocks)).toContain('INC-77 primary down');
    expect(await e2e.command('UAPPROVER1', 'breakglass')).toContain(`#${id}`);

    expect(await e2e.click('UONCALL', alert, 'jit_ack_break_glass')).toMatch(/cannot review your own/);
    expect(await e2e.click('USTRANGER', alert, 'jit_ack_break_glass')).toMatch(/not an approver/);
    await e2e.click('UAPPROVER2', alert, 'jit_ack_break_glass', { expectReply: false });
    await e2e.fake.waitFor((c) => c.method === 'chat.update' && c.args.ts === alert.response.ts);
    const updated = e2e.fake.message(String(alert.response.channel), String(alert.response.ts));
    expect(JSON.stringify(updated?.blocks)).toContain('acknowledged by <@UAPPROVER2>');
    expect(JSON.stringify(updated?.blocks)).not.toContain('jit_ack_break_glass');
    expect(await e2e.command('UAPPROVER1', 'breakglass')).toMatch(/Every break-glass grant has been reviewed/);
    expect(await e2e.click('UAPPROVER1', alert, 'jit_ack_break_glass')).toMatch(/already acknowledged by <@UAPPROVER2>/);
    expect((await e2e.auditThread(id)).join('\n')).toMatch(/break-glass[\s\S]*Opened[\s\S]*acknowledged by <@UAPPROVER2>/i);
  });

  it('breakGlass_ruleNotMatching_fallsBackToApproval', async () => {
    e2e = await startE2E({ policy: POLICY });
    expect(await e2e.command('UREQ', 'request db-1 5432 198.51.100.7 1h INC-77')).toMatch(/waiting for one approval/);
  });
});
