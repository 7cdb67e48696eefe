// `jit request | approve | deny | revoke | list` as subprocesses: what they
// print, their --json shapes and exit codes, and what they leave in the database.

import { afterEach, describe, expect, it } from 'vitest';
import type { SystemEvent } from '../../src/domain/types.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { cliWorld, idIn, oneErrorLine, SLOW, type CliWorld } from './harness.js';

let world: CliWorld;
afterEach(() => world?.cleanup());

async function stored(w: CliWorld) {
  const store = SqliteStore.open(w.db);
  try {
    return { events: await store.auditEvents(), outbox: await store.pendingOutbox(1000), open: await store.listRequests({ states: ['active'] }) };
  } finally {
    store.close();
  }
}

describe('jit request, approve, revoke', () => {
  it(
    'request_thenApproveAsJson_thenRevoke_areRecordedUnderTheActorsAndQueuedForTheBot',
    async () => {
      world = cliWorld();
      const requested = await world.run(['request', 'web-1', '22', '203.0.113.7', '2h', 'deploy', 'hotfix', '--as', 'UREQ']);
      expect(requested).toMatchObject({ code: 0, stderr: '' });
      const id = idIn(requested.stdout);
      expect(requested.stdout).toMatch(new RegExp(`^#${id} waits for 1 approval from UAPPROVER1\\nID +STATE +REQUESTER +VM +PORTS +SOURCE +DURATION`));
      expect(requested.stdout).toMatch(new RegExp(`${id} +pending +UREQ +web-1 +22/TCP +203\\.0\\.113\\.7/32 +2h`));

      const own = await world.run(['approve', id, '--as', 'UREQ']);
      expect(own).toMatchObject({ code: 1, stdout: '' });
      expect(oneErrorLine(own)).toBe(`jit: Request #${id} was not changed: you cannot approve your own request.`);

      const approved = await world.run(['approve', `#${id.toUpperCase()}`, '--as', 'UAPPROVER1', '--json']);
      expect(approved).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(approved.stdout)).toMatchObject({
        outcome: 'approved',
        request: { id, state: 'active', approvals: ['UAPPROVER1'], justification: 'deploy hotfix' },
      });

      const listed = await world.run(['list', '--json']);
      expect(JSON.parse(listed.stdout).requests.map((r: { id: string; state: string }) => [r.id, r.state])).toEqual([[id, 'active']]);

      const revoked = await world.run(['revoke', id, '--as', 'UREQ']);
      expect(revoked).toMatchObject({ code: 0, stderr: '' });
      expect(revoked.stdout).toMatch(new RegExp(`^#${id} is revoked: access is closed\\n`));

      const { events, outbox } = await stored(world);
      expect(events.map((e) => [e.name, e.actor])).toEqual([
        ['request.created', 'UREQ'],
        ['request.approved', 'UAPPROVER1'],
        ['grant.opened', 'system'],
        ['grant.closing', 'UREQ'],
        ['grant.closed', 'system'],
      ]);
      // The CLI posts nothing itself: the running bot's outbox worker delivers these.
      expect(outbox.map((row) => row.notification.kind)).toEqual(expect.arrayContaining(['audit', 'approval_request', 'requester_dm', 'approval_update']));

      // A relative window (against the real clock) holds everything just done.
      const exported = await world.run(['audit', 'export', '--since', '1h']);
      expect(exported.stdout.trim().split('\r\n')).toHaveLength(1 + events.length);
    },
    SLOW,
  );

  it(
    'deny_withAReason_isTheApproversAnswer_exitZero',
    async () => {
      world = cliWorld();
      const id = idIn((await world.run(['request', 'web-1', '22', '203.0.113.7', '1h', '--as', 'UREQ'])).stdout);
      const denied = await world.run(['deny', id, 'not', 'during', 'the', 'freeze', '--as', 'UAPPROVER1', '--json']);
      expect(denied).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(denied.stdout)).toMatchObject({
        outcome: 'denied',
        request: { id, state: 'denied', decidedBy: 'UAPPROVER1', reason: 'not during the freeze' },
      });
      expect((await stored(world)).events.at(-1)).toMatchObject({ name: 'request.denied', actor: 'UAPPROVER1', detail: 'not during the freeze' });
    },
    SLOW,
  );

  it(
    'requestDeniedByARule_exitsOne_andSaysWhyOnStderr',
    async () => {
      world = cliWorld();
      const run = await world.run(['request', 'db-1', '5432', '203.0.113.7', '1h', '--as', 'UREQ']);
      expect(run.code).toBe(1);
      const id = idIn(run.stdout);
      expect(run.stdout).toMatch(new RegExp(`${id} +denied`));
      expect(oneErrorLine(run)).toBe(`jit: #${id} is denied: Databases are off limits here.`);
    },
    SLOW,
  );

  it(
    'request_ofAVmEnabledFromSlack_isKnownToTheCli_asToTheBot',
    async () => {
      world = cliWorld();
      // An admin enabled web-9 with /jit enable: it lives in the database's overlay, not in the policy file.
      const store = SqliteStore.open(world.db);
      const event: SystemEvent = { name: 'policy.vm_enabled', actor: 'UADMIN', at: Date.now(), detail: 'enabled JIT on web-9' };
      const ports = [{ number: 22, protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H' }];
      await store.saveOverlayVm({ name: 'web-9', vm: { id: 'web-9', address: '10.0.0.9', ports }, updatedBy: 'UADMIN', updatedAt: Date.now() }, event, []);
      await store.close();

      const requested = await world.run(['request', 'web-9', '22', '203.0.113.7', '1h', 'overlay', 'check', '--as', 'UREQ', '--json']);
      expect(requested).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(requested.stdout)).toMatchObject({
        ok: true,
        requests: [{ vm: 'web-9', state: 'pending', target: { vmId: 'web-9', address: '10.0.0.9' } }],
      });
      // Asking for it wrote no notice about the overlay: only the bot announces overlay entries.
      expect((await stored(world)).events.map((e) => e.name)).toEqual(['request.created']);
    },
    SLOW,
  );
});
