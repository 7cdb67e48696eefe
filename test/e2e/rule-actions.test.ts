// Rule actions as a requester meets them in Slack: automatic approval and denial
// with their reasons, time-of-day windows, and justification policies.

import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../support/fake-clock.js';
import { selectValue, slashCommand, textValue } from '../support/slack-requests.js';
import { requestIdIn, SECRET, startE2E, type E2E, stopChecked } from './harness.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

const POLICY = `approvers: [UAPPROVER1, UAPPROVER2]
virtualMachines:
  - id: stg-1
    address: 10.0.1.5
    tags: {env: staging}
    ports: [{number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H}]
  - id: prod-1
    address: 10.0.2.5
    tags: {env: prod}
    ports: [{number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H}]
rules:
  - name: staging-office-hours
    match: {tags: {env: staging}, hours: "09:00-18:00", weekdays: [mon, tue, wed, thu, fri], timezone: Europe/Paris}
    effect: approve
    reason: Staging is open during office hours.
  - name: staging-off-hours
    match: {tags: {env: staging}}
    effect: deny
    reason: Staging is closed outside office hours; use the on-call path.
  - name: prod-ticket
    match: {tags: {env: prod}}
    effect: require_approval
    approvals: 2
    justification: {required: true, pattern: "^OPS-[0-9]+", hint: a ticket ID such as OPS-123}
`;

// Friday 2026-11-27 10:00 in Paris (09:00 UTC) and Saturday 2026-11-28 10:00 in Paris.
const FRIDAY_MORNING = Date.UTC(2026, 10, 27, 9, 0);
const SATURDAY_MORNING = Date.UTC(2026, 10, 28, 9, 0);

describe('rule actions in Slack', () => {
  it('withinTheWindow_isApprovedAtOnce_withTheReasonShown', async () => {
    e2e = await startE2E({ policy: POLICY, clock: new FakeClock(FRIDAY_MORNING) });
    const reply = await e2e.command('UREQ', 'request stg-1 22 198.51.100.7 1h');
    expect(reply).toMatch(/approved automatically/);
    expect(e2e.backend.isOpen(requestIdIn(reply))).toBe(true);
    expect((await e2e.auditThread(requestIdIn(reply))).join('\n')).toMatch(/staging-office-hours/);
  });

  it('outsideTheWindow_isDenied_withTheReasonShown', async () => {
    e2e = await startE2E({ policy: POLICY, clock: new FakeClock(SATURDAY_MORNING) });
    const reply = await e2e.command('UREQ', 'request stg-1 22 198.51.100.7 1h');
    expect(reply).toMatch(/denied: Staging is closed outside office hours; use the on-call path/);
    expect(e2e.backend.calls.filter((c) => c.op === 'open')).toEqual([]);
    const explained = await e2e.command('UREQ', 'explain stg-1 22 198.51.100.7 1h');
    expect(explained).toMatch(/rule staging-office-hours did not match: .*Sat 10:00 Europe\/Paris/);
  });

  it('justificationPolicy_inlineAndInTheModal_showsTheFieldError', async () => {
    e2e = await startE2E({ policy: POLICY });
    expect(await e2e.command('UREQ', 'request prod-1 22 198.51.100.7 1h fixing things')).toMatch(/justification.*OPS-123/s);
    expect(await e2e.bot.workflow.openRequestsOf('UREQ')).toEqual([]);

    expect((await slashCommand(e2e.baseUrl, SECRET, { text: 'request', userId: 'UREQ', responseUrl: e2e.fake.responseUrl() })).status).toBe(200);
    await e2e.fake.waitFor('views.open');
    const values = (justification: string) => ({
      vm: { vm_select: selectValue('prod-1') },
      ports: { ports_select: { type: 'multi_static_select', selected_options: [{ value: '22' }] } },
      source: { source_input: textValue('198.51.100.7') },
      duration: { duration_input: textValue('1h') },
      justification: { justification_input: textValue(justification) },
    });
    const refused = await e2e.submitModal('UREQ', values('because'));
    expect((refused.json as { errors: Record<string, string> }).errors.justification).toMatch(/OPS-123/);
    const accepted = await e2e.submitModal('UREQ', values('OPS-9 disk full'));
    expect(accepted.json ?? {}).not.toHaveProperty('response_action');
    await e2e.fake.waitFor((c) => c.method === 'chat.postMessage' && JSON.stringify(c.args.blocks ?? '').includes('OPS-9 disk full'));
    expect((await e2e.bot.workflow.openRequestsOf('UREQ'))[0]).toMatchObject({ state: 'pending', justification: 'OPS-9 disk full' });
  });
});
