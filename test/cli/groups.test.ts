// User groups from the CLI: without SLACK_BOT_TOKEN the CLI cannot read them,
// so a decision that needs one is refused (exit 2, nothing stored) instead of
// being decided as if nobody were in any group; with the token it reads them
// from Slack (here the fake) and decides as the bot does.

import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { ALL_STATES } from '../../src/domain/lifecycle.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { cliWorld, idIn, oneErrorLine, SLOW, type CliWorld } from './harness.js';

const ON_CALL_POLICY = `
approvers: [UAPPROVER1]
virtualMachines:
  - id: web-1
    address: 10.0.0.4
    ports:
      - { number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H }
      - { number: 8080, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H }
      - { number: 3389, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H }
rules:
  - name: on-call-ssh
    match: { requesters: [SONCALL], ports: [22] }
    effect: approve
  - name: nobody-else-ssh
    match: { ports: [22] }
    effect: deny
    reason: SSH is for the on-call team.
  - name: web-by-sre
    match: { ports: [8080] }
    effect: require_approval
    approvers: [SSRE]
`;

let world: CliWorld;
let fake: FakeSlack | undefined;
afterEach(async () => {
  world?.cleanup();
  await fake?.close();
  fake = undefined;
});

async function stored(w: CliWorld) {
  const store = SqliteStore.open(w.db);
  try {
    return { requests: await store.listRequests({ states: [...ALL_STATES] }), events: await store.auditEvents() };
  } finally {
    store.close();
  }
}

const slackEnv = (f: FakeSlack) => ({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: f.apiUrl });

describe('jit request and approve with user groups', () => {
  it(
    'requesterGroupRule_withoutAToken_exitsTwo_sayingWhatToSet_andStoresNothing',
    async () => {
      world = cliWorld({ policy: ON_CALL_POLICY });
      const before = await stored(world);
      const run = await world.run(['request', 'web-1', '22', '203.0.113.7', '1h', 'incident', '--as', 'UONCALL']);
      expect(run).toMatchObject({ code: 2, stdout: '' });
      expect(oneErrorLine(run)).toMatch(
        /^jit: whether UONCALL is in user group SONCALL decides this request \(rule on-call-ssh if so, nobody-else-ssh if not\); .*set SLACK_BOT_TOKEN/,
      );
      expect(await stored(world)).toEqual(before);
      expect(before).toEqual({ requests: [], events: [] });

      // Where no group can change the decision (no rule for 3389 names one), the request goes ahead.
      const rdp = await world.run(['request', 'web-1', '3389', '203.0.113.7', '1h', '--as', 'UONCALL', '--json']);
      expect(rdp).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(rdp.stdout).requests).toMatchObject([{ state: 'pending', decision: { matchedRule: null, approvers: ['UAPPROVER1'] } }]);
    },
    SLOW,
  );

  it(
    'groupApproversOnly_withoutAToken_exitsTwo_insteadOfStoringADenial',
    async () => {
      world = cliWorld({ policy: ON_CALL_POLICY });
      const run = await world.run(['request', 'web-1', '8080', '203.0.113.7', '1h', '--as', 'UREQ']);
      expect(run).toMatchObject({ code: 2, stdout: '' });
      expect(oneErrorLine(run)).toMatch(/^jit: deciding this needs the members of user group SSRE; .*SLACK_BOT_TOKEN/);
      expect(await stored(world)).toEqual({ requests: [], events: [] });
    },
    SLOW,
  );

  it(
    'withAToken_theGroupsAreReadFromSlack_andDecideAsTheBotDoes',
    async () => {
      fake = await startFakeSlack({ groups: { SONCALL: ['UONCALL'], SSRE: ['USRE1'] } });
      world = cliWorld({ policy: ON_CALL_POLICY });
      const member = await world.run(['request', 'web-1', '22', '203.0.113.7', '1h', 'incident', '--as', 'UONCALL', '--json'], slackEnv(fake));
      expect(member).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(member.stdout).requests).toMatchObject([{ state: 'active', decision: { matchedRule: 'on-call-ssh' } }]);

      const outsider = await world.run(['request', 'web-1', '22', '203.0.113.7', '1h', '--as', 'UOTHER', '--json'], slackEnv(fake));
      expect(outsider.code).toBe(1);
      expect(JSON.parse(outsider.stdout).requests).toMatchObject([{ state: 'denied', decision: { matchedRule: 'nobody-else-ssh' } }]);
      expect(fake.callsTo('usergroups.users.list').map((c) => c.args.usergroup)).toContain('SONCALL');
    },
    SLOW,
  );

  it(
    'approverOnlyThroughAGroup_withoutAToken_exitsTwo_andTheRequestStaysPending_withATokenApproves',
    async () => {
      fake = await startFakeSlack({ groups: { SONCALL: [], SSRE: ['USRE1'] } });
      world = cliWorld({ policy: ON_CALL_POLICY });
      const id = idIn((await world.run(['request', 'web-1', '8080', '203.0.113.7', '1h', '--as', 'UREQ'], slackEnv(fake))).stdout);
      const before = await stored(world);
      expect(before.requests.map((r) => r.state)).toEqual(['pending']);

      const blind = await world.run(['approve', id, '--as', 'USRE1']);
      expect(blind).toMatchObject({ code: 2, stdout: '' });
      expect(oneErrorLine(blind)).toMatch(/^jit: deciding this needs to know whether USRE1 is in user group SSRE; .*SLACK_BOT_TOKEN/);
      expect(await stored(world)).toEqual(before);

      const approved = await world.run(['approve', id, '--as', 'USRE1', '--json'], slackEnv(fake));
      expect(approved).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(approved.stdout)).toMatchObject({ outcome: 'approved', request: { id, state: 'active', approvals: ['USRE1'] } });
    },
    SLOW,
  );
});
