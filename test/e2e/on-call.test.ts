// On-call rules (issue 16) end to end over signed HTTP: the bot asks a fake
// PagerDuty on loopback whether the requester is on call, finding them by the
// e-mail the fake Slack's users.info gives (`<id in lower case>@example.com`).

import { afterEach, describe, expect, it } from 'vitest';
import { type FakePagerDuty, startFakePagerDuty } from '../support/fake-pagerduty.js';
import { type E2E, requestIdIn, startE2E, stopChecked } from './harness.js';

let e2e: E2E | undefined;
let pagerduty: FakePagerDuty | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  await pagerduty?.close();
  e2e = undefined;
  pagerduty = undefined;
});

const POLICY = `approvers: [UAPPROVER1]
virtualMachines:
  - id: prod-1
    address: 10.0.2.5
    tags: {env: prod}
    ports: [{number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H}]
rules:
  - name: oncall-sre-prod-ssh
    match:
      tags: {env: prod}
      ports: [22]
      maxDuration: 1h
      onCall:
        pagerduty: {schedules: [PABC123], escalationPolicies: [PXYZ789]}
    effect: approve
  - name: prod-approval
    match: {tags: {env: prod}}
    effect: require_approval
`;

async function start(): Promise<E2E> {
  pagerduty = await startFakePagerDuty({ oncalls: [{ email: 'uoncall@example.com', escalationPolicy: 'PXYZ789', schedule: 'PABC123' }] });
  return startE2E({ policy: POLICY, env: { JIT_PAGERDUTY_TOKEN: 'pd-test-token', JIT_PAGERDUTY_URL: pagerduty.url } });
}

describe('on-call rules in Slack', () => {
  it('onCallRequester_isApprovedAtOnceByTheRule', async () => {
    e2e = await start();
    const reply = await e2e.command('UONCALL', 'request prod-1 22 198.51.100.7 1h');
    expect(reply).toMatch(/approved automatically/);
    const id = requestIdIn(reply);
    expect(e2e.backend.isOpen(id)).toBe(true);
    const request = await e2e.bot.workflow.get(id);
    expect(request?.decision.matchedRule).toBe('oncall-sre-prod-ssh');
    expect(request?.decision.reasons).toContain('requester is on call in PagerDuty schedule PABC123');
    expect(e2e.fake.callsTo('users.info').some((call) => call.args.user === 'UONCALL')).toBe(true);
  });

  it('offCallRequester_needsApproval', async () => {
    e2e = await start();
    const reply = await e2e.command('UOFFCALL', 'request prod-1 22 198.51.100.7 1h');
    const request = await e2e.bot.workflow.get(requestIdIn(reply));
    expect(request?.state).toBe('pending');
    expect(request?.decision.matchedRule).toBe('prod-approval');
    expect(await e2e.command('UOFFCALL', 'explain prod-1 22 198.51.100.7 1h')).toMatch(
      /rule oncall-sre-prod-ssh did not match: requester is not on call in PagerDuty schedule PABC123 or PagerDuty escalation policy PXYZ789/,
    );
  });

  it('aRequestTheRuleCannotDecide_asksNoPagerDuty', async () => {
    e2e = await start();
    await e2e.command('UONCALL', 'request prod-1 22 198.51.100.7 2h');
    expect(pagerduty?.requests).toEqual([]);
  });

  it('pagerDutyDown_needsApproval_andExplainAndTheApproversSayWhy', async () => {
    e2e = await start();
    await pagerduty?.close();
    pagerduty = undefined;
    const reply = await e2e.command('UONCALL', 'request prod-1 22 198.51.100.7 1h');
    const id = requestIdIn(reply);
    const request = await e2e.bot.workflow.get(id);
    expect(request?.state).toBe('pending');
    expect(e2e.backend.isOpen(id)).toBe(false);
    const why = 'PagerDuty could not be reached (connection refused): the on-call condition of rule oncall-sre-prod-ssh does not hold';
    expect(await e2e.command('UONCALL', 'explain prod-1 22 198.51.100.7 1h')).toContain(why);
    await e2e.bot.flushOutbox();
    const toApprover = e2e.fake.callsTo('chat.postMessage').filter((call) => JSON.stringify(call.args).includes(`#${id}`) && call.args.channel !== 'CAUDIT');
    expect(toApprover.some((call) => JSON.stringify(call.args).includes('PagerDuty could not be reached (connection refused)'))).toBe(true);
  });
});
