// `jit request` under an on-call rule: the CLI has an on-call port too, and
// without SLACK_BOT_TOKEN it cannot learn the requester's e-mail, so the rule
// does not hold (fail closed) and the stored decision says why.

import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { type FakePagerDuty, startFakePagerDuty } from '../support/fake-pagerduty.js';
import { cliWorld, idIn, SLOW, type CliWorld } from './harness.js';

let world: CliWorld | undefined;
let pagerduty: FakePagerDuty | undefined;
afterEach(async () => {
  world?.cleanup();
  await pagerduty?.close();
  world = undefined;
  pagerduty = undefined;
});

const POLICY = `approvers: [UAPPROVER1]
virtualMachines:
  - id: web-1
    address: 10.0.0.4
    ports: [{number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H}]
rules:
  - name: oncall-ssh
    match: {ports: [22], onCall: {pagerduty: {schedules: [PABC123]}}}
    effect: approve
`;

describe('jit request under an on-call rule', () => {
  it(
    'withoutASlackToken_theRuleDoesNotHold_andTheDecisionSaysWhy',
    async () => {
      pagerduty = await startFakePagerDuty({ oncalls: [{ email: 'ureq@example.com', escalationPolicy: 'PXYZ789', schedule: 'PABC123' }] });
      world = cliWorld({ policy: POLICY });
      const run = await world.run(['request', 'web-1', '22', '203.0.113.7', '1h', '--as', 'UREQ'], {
        JIT_PAGERDUTY_TOKEN: 'pd-test-token',
        JIT_PAGERDUTY_URL: pagerduty.url,
      });
      expect(run.code).toBe(0);
      const store = SqliteStore.open(world.db);
      try {
        const request = await store.getRequest(idIn(run.stdout));
        expect(request?.state).toBe('pending');
        expect(request?.decision.reasons.join('; ')).toContain(
          'the CLI looks up e-mail addresses only through Slack (SLACK_BOT_TOKEN is not set), so it cannot tell whether the requester is on call: the on-call condition of rule oncall-ssh does not hold',
        );
      } finally {
        store.close();
      }
      expect(pagerduty.requests).toEqual([]);
    },
    SLOW,
  );

  it(
    'policyCheck_anOnCallRuleWithoutItsToken_isValid_butWarnsWhichVariableToSet',
    async () => {
      world = cliWorld({ policy: POLICY });
      const run = await world.run(['policy', 'check', world.policy]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('on call in PagerDuty schedule PABC123');
      expect(run.stderr).toMatch(/warning: rule oncall-ssh: its on-call condition names PagerDuty but JIT_PAGERDUTY_TOKEN is not set/);
      const withToken = await world.run(['policy', 'check', world.policy], { JIT_PAGERDUTY_TOKEN: 'pd-test-token' });
      expect(withToken.stderr).not.toContain('JIT_PAGERDUTY_TOKEN');
    },
    SLOW,
  );
});
