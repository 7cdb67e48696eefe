// Three bot processes on one PostgreSQL database: every effect exactly once,
// whichever replica a click reaches, whichever replica dies, and through a
// database restart and a Slack outage. Real processes, signed HTTP, the fake
// Slack, a real nftables ruleset, a private PostgreSQL server.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jit } from '../cli/db-history.js';
import type { RecordedCall } from '../support/fake-slack.js';
import { type PrivatePostgres, startPrivatePostgres } from '../support/pg-server.js';
import { APPROVERS, type Cluster, requestIdIn, startCluster, until } from './cluster.js';
import { auditThread, countOf, createDatabase, duplicatePosts, eventsOf, replicasUnavailable, undeliveredOutbox, withStore } from './support.js';

const unavailable = await replicasUnavailable();
if (unavailable) console.warn(`replicas suite skipped: ${unavailable}`);
const REPLICAS = ['a', 'b', 'c'];
/**
 * The takeover bound this test holds the replicas to. The product's target is
 * 5 s (a 3 s lease, renewed and tried every second), measured by the takeover
 * benchmark; here, on a machine busy with the rest of the suite, 8 s still
 * proves the point: without takeover only the minute sweep would close them.
 */
const TAKEOVER_MS = 8000;

describe.skipIf(unavailable !== undefined)('three replicas on one PostgreSQL database', () => {
  let server: PrivatePostgres;
  let cluster: Cluster | undefined;
  let dbUrl: string;

  beforeAll(async () => {
    server = await startPrivatePostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.destroy();
  });
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  async function startThree(env: Record<string, string> = {}): Promise<Cluster> {
    dbUrl = await createDatabase(server.url);
    cluster = await startCluster({ dbUrl, env });
    // One at a time, so they do not all migrate at once in this test (the store's own tests race that).
    for (const id of REPLICAS) await cluster.start(id);
    return cluster;
  }

  async function approvalDm(c: Cluster, approver: string, id: string): Promise<RecordedCall> {
    return c.fake.waitFor(
      (call) =>
        call.method === 'chat.postMessage' &&
        call.args.channel === approver &&
        call.response.ok &&
        JSON.stringify(call.args).includes(`#${id}`) &&
        JSON.stringify(call.args.blocks ?? '').includes('jit_approve'),
      { timeoutMs: 20_000 },
    );
  }

  async function drained(c: Cluster): Promise<void> {
    await until('the outbox to drain', async () => (await undeliveredOutbox(dbUrl)) === 0, 45_000);
    void c;
  }

  it('fiftyConcurrentApproveClicks_overThreeReplicas_openOneGrant_announcedOnce', async () => {
    const c = await startThree();
    const id = requestIdIn(await c.command('a', 'UREQ', 'request vm-1 22 198.51.100.7 1h incident 42'));
    const dms = await Promise.all(APPROVERS.map((approver) => approvalDm(c, approver, id)));

    const statuses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => c.click(REPLICAS[i % 3]!, APPROVERS[i % APPROVERS.length]!, dms[i % dms.length]!, 'jit_approve')),
    );

    expect(statuses.every((status) => status === 200)).toBe(true);
    await until('the grant to open', async () => (await eventsOf(dbUrl, id)).some((event) => event.name === 'grant.opened'));
    await drained(c);
    const names = (await eventsOf(dbUrl, id)).map((event) => event.name);
    expect(countOf(names, 'request.approved')).toBe(1);
    expect(countOf(names, 'grant.opened')).toBe(1);
    expect(await c.openInKernel()).toEqual([id]);
    const thread = auditThread(c.fake, id);
    expect(thread.roots).toHaveLength(1);
    expect(thread.replies.filter((text) => /approved/i.test(text))).toHaveLength(1);
    expect(thread.replies.filter((text) => /opened|is open/i.test(text))).toHaveLength(1);
    expect(duplicatePosts(c.fake)).toEqual([]);
    // `jit audit verify`, as an operator runs it after the fact.
    expect(await jit(['audit', 'verify'], { JIT_DB: dbUrl })).toMatchObject({ code: 0 });
  }, 120_000);

  it('requestedOnA_approvedOnB_revokedOnC_oneThread_everyEventOnce', async () => {
    const c = await startThree();
    const id = requestIdIn(await c.command('a', 'UREQ', 'request vm-1 22 198.51.100.7 1h incident 43'));
    expect(await c.click('b', 'UAPPROVER1', await approvalDm(c, 'UAPPROVER1', id), 'jit_approve')).toBe(200);
    await until('the grant to open', async () => (await c.openInKernel()).includes(id));

    expect(await c.command('c', 'UREQ', `revoke ${id}`)).toMatch(/revoked|closed/i);
    await until('the grant to close', async () => (await eventsOf(dbUrl, id)).some((event) => event.name === 'grant.closed'));
    await drained(c);

    const names = (await eventsOf(dbUrl, id)).map((event) => event.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['request.created', 'request.approved', 'grant.opened', 'grant.closed']));
    expect(await c.openInKernel()).toEqual([]);
    const thread = auditThread(c.fake, id);
    expect(thread.roots).toHaveLength(1);
    expect(new Set(thread.replies).size).toBe(thread.replies.length);
    expect(duplicatePosts(c.fake)).toEqual([]);
  }, 120_000);

  it('theLeaderKilled_anotherReplicaClosesItsGrantsOnTime_once_andTheRestartedOneConverges', async () => {
    const c = await startThree();
    const leader = String((await c.readiness('b')).body.leader);
    expect(REPLICAS).toContain(leader);
    // Every grant is approved through the leader, so their own timers live only there.
    const ids: string[] = [];
    for (const seconds of [10, 11, 12]) {
      const id = requestIdIn(await c.command(leader, 'UREQ', `request vm-1 22 198.51.100.${seconds} ${seconds}s incident`));
      expect(await c.click(leader, 'UAPPROVER1', await approvalDm(c, 'UAPPROVER1', id), 'jit_approve')).toBe(200);
      ids.push(id);
    }
    await until('the grants to open', async () => (await c.openInKernel()).length === 3);

    await c.kill(leader, 'SIGKILL');
    const killedAt = Date.now();
    const survivor = REPLICAS.find((id) => id !== leader)!;
    await until(
      'another replica to lead',
      async () => REPLICAS.includes(String((await c.readiness(survivor)).body.leader)) && (await c.readiness(survivor)).body.leader !== leader,
      15_000,
    );
    expect(Date.now() - killedAt).toBeLessThan(TAKEOVER_MS);

    for (const id of ids) {
      await until(`grant ${id} to close`, async () => (await eventsOf(dbUrl, id)).some((event) => event.name === 'grant.closed'), 30_000);
      const grant = await withStore(dbUrl, (store) => store.getRequest(id));
      const closed = (await eventsOf(dbUrl, id)).find((event) => event.name === 'grant.closed')!;
      // It ended after the kill: only a surviving replica can have closed it.
      expect(grant!.endAt!).toBeGreaterThan(killedAt);
      // On time: within the takeover bound after its end (the kernel had already closed it at the end).
      expect(closed.at - grant!.endAt!).toBeLessThan(TAKEOVER_MS);
    }
    // The killed replica comes back under its own name: it takes its outbox claims back and converges.
    await c.start(leader);
    await drained(c);
    for (const id of ids) {
      const names = (await eventsOf(dbUrl, id)).map((event) => event.name);
      expect(countOf(names, 'grant.closed')).toBe(1);
      expect(auditThread(c.fake, id).replies.filter((text) => /closed/i.test(text))).toHaveLength(1);
    }
    await new Promise((r) => setTimeout(r, 2000));
    for (const id of ids)
      expect(
        countOf(
          (await eventsOf(dbUrl, id)).map((event) => event.name),
          'grant.closed',
        ),
      ).toBe(1);
    expect((await c.readiness(leader)).status).toBe(200);
    expect(await c.openInKernel()).toEqual([]);
    expect(duplicatePosts(c.fake)).toEqual([]);
    expect(await withStore(dbUrl, (store) => store.verifyAuditChain())).toMatchObject({ ok: true });
  }, 120_000);

  it('postgresRestartedUnderLoad_noGrantLostOrOpenedWithoutApproval_andCommandsMeanwhileGetAClearError', async () => {
    const c = await startThree();
    const created: string[] = [];
    const outageReplies: string[] = [];
    let down = false;
    let stopLoad = false;
    const load = (async () => {
      for (let i = 0; !stopLoad; i++) {
        const replica = REPLICAS[i % 3]!;
        const wasDown = down;
        try {
          const reply = await c.command(replica, `UREQ${i % 4}`, `request vm-1 22 198.51.100.${(i % 200) + 1} 1h load ${i}`);
          if (/#[a-z0-9]{6}/.test(reply) && !/cannot reach/.test(reply)) created.push(requestIdIn(reply));
          else if (wasDown || down) outageReplies.push(reply);
        } catch (error) {
          if (!down && !wasDown) throw error;
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    await new Promise((r) => setTimeout(r, 1500));
    down = true;
    await server.stopServer();
    await new Promise((r) => setTimeout(r, 3000));
    await server.startServer();
    down = false;
    await new Promise((r) => setTimeout(r, 2000));
    stopLoad = true;
    await load;

    expect(outageReplies.length).toBeGreaterThan(0);
    expect(outageReplies.every((reply) => /cannot reach its database.*nothing was changed/i.test(reply))).toBe(true);
    // Every replica is back, and every request a user was told about is stored.
    for (const id of REPLICAS) await until(`replica ${id} to be ready`, async () => (await c.readiness(id)).status === 200);
    await withStore(dbUrl, async (store) => {
      for (const id of created) expect((await store.getRequest(id))?.state).toBe('pending');
    });
    // Approving now opens them; nothing opened without approval meanwhile.
    expect(await c.openInKernel()).toEqual([]);
    const one = created[0]!;
    expect(await c.click('c', 'UAPPROVER2', await approvalDm(c, 'UAPPROVER2', one), 'jit_approve')).toBe(200);
    await until('the approved grant to open', async () => (await c.openInKernel()).includes(one));
    expect(await c.openInKernel()).toEqual([one]);
    await drained(c);
    expect(duplicatePosts(c.fake)).toEqual([]);
    expect(await withStore(dbUrl, (store) => store.verifyAuditChain())).toMatchObject({ ok: true });
  }, 120_000);

  it('aUseMyIpLink_madeByOneReplica_worksOnAnother_once', async () => {
    const PUBLIC = 'https://jit.example.test';
    const c = await startThree({ JIT_PUBLIC_URL: PUBLIC });
    const reply = await c.command('a', 'UREQ', 'request vm-1 22 me 1h deploy');
    const link = /<(https:\/\/jit\.example\.test\/jit\/my-ip\/[^|>]+)\|Use my IP>/.exec(reply)?.[1];
    expect(link).toBeDefined();
    const on = (id: string) => link!.replace(PUBLIC, c.replicas.get(id)!.baseUrl);

    const confirmed = await fetch(on('b'), { method: 'POST' });
    expect(confirmed.status).toBe(200);
    const id = requestIdIn(await confirmed.text());
    const replay = await fetch(on('c'), { method: 'POST' });

    expect(replay.status).toBe(410);
    expect(await withStore(dbUrl, (store) => store.listRequests({ requester: 'UREQ' }))).toEqual([expect.objectContaining({ id, source: '127.0.0.1/32' })]);
  }, 120_000);

  it('aSlackOutageWhileThreeReplicasRun_everyMessageIsDeliveredOnceAfterwards', async () => {
    const c = await startThree();
    const ids: string[] = [];
    // Each from its own address: one kernel element per grant.
    for (const [i, replica] of REPLICAS.entries())
      ids.push(requestIdIn(await c.command(replica, 'UREQ', `request vm-1 22 198.51.100.${i + 1} 1h outage ${replica}`)));
    const dms = await Promise.all(ids.map((id) => approvalDm(c, 'UAPPROVER3', id)));
    await drained(c);

    let outage = true;
    c.fake.failNext('*', 1_000_000, { status: 503 }, () => outage);
    for (const i of ids.keys()) expect(await c.click(REPLICAS[(i + 1) % 3]!, 'UAPPROVER3', dms[i]!, 'jit_approve')).toBe(200);
    await until('the grants to open', async () => (await c.openInKernel()).length === 3);
    expect(await c.command('b', 'UREQ', `revoke ${ids[0]}`)).toMatch(/revoked|closed/i);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await undeliveredOutbox(dbUrl)).toBeGreaterThan(0);
    outage = false;

    await drained(c);
    for (const id of ids) {
      const thread = auditThread(c.fake, id);
      expect(thread.roots).toHaveLength(1);
      expect(thread.replies.filter((text) => /approved/i.test(text))).toHaveLength(1);
    }
    expect(auditThread(c.fake, ids[0]!).replies.filter((text) => /closed/i.test(text))).toHaveLength(1);
    expect(duplicatePosts(c.fake)).toEqual([]);
  }, 120_000);
});
