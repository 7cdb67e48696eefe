// People and groups by name in the CLI's human output when SLACK_BOT_TOKEN is
// set (looked up in Slack, here the fake); IDs in --json, without a token, and
// when Slack cannot be reached, which never fails the command.

import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { cliWorld, idIn, oneErrorLine, SLOW, type CliWorld } from './harness.js';

let world: CliWorld;
let fake: FakeSlack | undefined;
afterEach(async () => {
  world?.cleanup();
  await fake?.close();
  fake = undefined;
});

const POLICY = `
approvers: [UAPPROVER1, SSRE]
readers: [UREADER]
virtualMachines:
  - id: web-1
    address: 10.0.0.4
    ports:
      - { number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H }
`;

async function namedSlack(): Promise<FakeSlack> {
  return startFakeSlack({
    groups: { SSRE: ['USRE1'] },
    users: { UREQ: { profile: { display_name: 'rita' } }, UAPPROVER1: { profile: { display_name: 'alice' } } },
    methods: { 'usergroups.list': () => ({ ok: true, usergroups: [{ id: 'SSRE', handle: 'sre', name: 'SRE' }] }) },
  });
}

describe('names in the CLI', () => {
  it(
    'withAToken_requestListAndRefusals_namePeopleAndGroups_jsonKeepsIds',
    async () => {
      fake = await namedSlack();
      world = cliWorld({ policy: POLICY });
      const env = { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: fake.apiUrl };
      const requested = await world.run(['request', 'web-1', '22', '203.0.113.7', '1h', '--as', 'UREQ'], env);
      expect(requested).toMatchObject({ code: 0, stderr: '' });
      const id = idIn(requested.stdout);
      expect(requested.stdout).toMatch(new RegExp(`^#${id} waits for 1 approval from @alice or @sre\\n`));
      expect(requested.stdout).toMatch(new RegExp(`^${id} +pending +@rita +web-1 `, 'm'));

      const listed = await world.run(['list'], env);
      expect(listed.stdout).toMatch(new RegExp(`^${id} +pending +@rita +web-1 `, 'm'));
      const json = await world.run(['list', '--json'], env);
      expect(JSON.parse(json.stdout).requests[0]).toMatchObject({ requester: 'UREQ', decision: { approvers: ['UAPPROVER1', 'SSRE'] } });

      await world.run(['deny', id, '--as', 'UAPPROVER1'], env);
      const late = await world.run(['approve', id, '--as', 'UAPPROVER1'], env);
      expect(late.code).toBe(1);
      expect(oneErrorLine(late)).toMatch(/\(by @alice\)/);

      const checked = await world.run(['policy', 'check', world.policy], env);
      expect(checked.stdout.split('\n')[0]).toMatch(/; approvers @alice, @sre; audit readers @ureader$/);
    },
    SLOW,
  );

  it(
    'slackUnreachable_theCommandStillSucceeds_withIds',
    async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as { port: number }).port;
      await new Promise((resolve) => closed.close(resolve));
      world = cliWorld({ policy: POLICY.replace('UAPPROVER1, SSRE', 'UAPPROVER1') });
      const env = { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: `http://127.0.0.1:${port}/api/` };
      const requested = await world.run(['request', 'web-1', '22', '203.0.113.7', '1h', '--as', 'UREQ'], env);
      expect(requested).toMatchObject({ code: 0, stderr: '' });
      expect(requested.stdout).toMatch(/^#\w{6} waits for 1 approval from UAPPROVER1\n/);
      expect(requested.stdout).toMatch(/ +pending +UREQ +web-1 /);
    },
    SLOW,
  );
});
