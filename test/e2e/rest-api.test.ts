// The REST API end to end: the real bot (real Bolt over signed HTTP, real
// SQLite, the memory firewall), a token made with `/jit token create` in
// Slack, and fetch against the bot's port as a script would call it. Every
// answer is validated against the OpenAPI document the bot serves, and every
// documented operation must have been exercised.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../src/http/api/routes.js';
import { ApiClient } from '../support/api-client.js';
import { createDatabase, describePg } from '../support/postgres.js';
import { OpenApiCheck, type OpenApiDocument } from '../support/api-openapi.js';
import type { RecordedCall } from '../support/fake-slack.js';
import { AUDIT, BASIC_POLICY, requestIdIn, startE2E, stopChecked, until, type E2E } from './harness.js';
import { clickHome, homeButtons, openHome } from './home-support.js';

const WEB_ID = '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web-1';
// db-1 is approved at once; anything else waits for one of the approvers.
const POLICY = `${BASIC_POLICY}
rules:
  - name: db-auto
    match: { vms: ["db-*"] }
    effect: approve
`;
const TOKEN = /jit_[23456789a-hjkmnp-z]{8}_[A-Za-z0-9_-]{43}/;

let e2e: E2E | undefined;
let check: OpenApiCheck;

/** Fetches the served document once, without a token, and checks the rest against it. */
beforeAll(async () => {
  const bot = await startE2E({ policy: POLICY });
  try {
    const served = await fetch(`${bot.baseUrl}/api/v1/openapi.json`);
    expect(served.status).toBe(200);
    check = new OpenApiCheck((await served.json()) as OpenApiDocument);
    expect(check.check('GET', '/api/v1/openapi.json', 200, check.document)).toEqual([]);
  } finally {
    await stopChecked(bot);
  }
});

afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

afterAll(() => {
  // Run last: every operation the document describes was called by a test above, and answered as described.
  if (check) expect(check.unexercised()).toEqual([]);
});

async function createToken(e: E2E, user: string, text = 'token create deploy'): Promise<{ token: string; id: string; reply: string }> {
  const reply = await e.command(user, text);
  const token = TOKEN.exec(reply)?.[0];
  if (!token) throw new Error(`no token in: ${reply}`);
  return { token, id: token.slice(4, 12), reply };
}

async function systemEvents(e: E2E, name: string) {
  return (await e.bot.workflow.ctx.store.systemEvents()).filter((event) => event.name === name);
}

const approvalTo = (e: E2E, channel: string, requestId: string): Promise<RecordedCall> =>
  e.fake.waitFor(
    (c) =>
      c.method === 'chat.postMessage' &&
      c.args.channel === channel &&
      JSON.stringify(c.args).includes('jit_approve') &&
      JSON.stringify(c.args).includes(requestId),
  );

const port = (number: number, extra: Record<string, unknown> = {}) => ({ number, allowedSourceAddressPrefix: '198.51.100.7', duration: 'PT1H', ...extra });

describe('REST API', () => {
  it('aTokenFromSlack_requestsAccess_approvedAtOnceOrAfterAnApproverInSlack_andRevokes', async () => {
    e2e = await startE2E({ policy: POLICY, env: { JIT_PUBLIC_URL: 'https://jit.example.com' } });
    const api = new ApiClient(e2e.baseUrl, check);
    const { token, id: tokenId, reply } = await createToken(e2e, 'UREQ');
    expect(reply).toContain(`curl -H "Authorization: Bearer ${token}" https://jit.example.com/api/v1/policy`);

    // The policy, in Azure's shape.
    const policy = await api.get('/api/v1/policy', token);
    expect(policy.status).toBe(200);
    expect(policy.json.properties.virtualMachines[0]).toMatchObject({
      id: WEB_ID,
      name: 'web-1',
      ports: [{ number: 22, allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H' }, expect.anything()],
    });

    // A rule approves db-1 at once: 201, and the grant is open on the firewall.
    const auto = await api.post('/api/v1/requests', token, { virtualMachines: [{ id: 'db-1', ports: [port(5432)] }], justification: 'nightly dump' });
    expect(auto.status).toBe(201);
    expect(auto.json).toMatchObject({
      state: 'active',
      outcome: 'approved',
      requests: [{ requestor: 'UREQ', justification: 'nightly dump', virtualMachines: [{ name: 'db-1', ports: [{ number: 5432, status: 'Initiated' }] }] }],
    });
    expect(auto.headers.get('location')).toBe(`/api/v1/requests/${auto.json.id}`);
    expect(e2e.backend.isOpen(auto.json.id)).toBe(true);

    // web-1 by its Azure resource id, with Azure's endTimeUtc: waits for an approver (202).
    const end = new Date(Date.now() + 3_600_000).toISOString();
    const waiting = await api.post('/api/v1/requests', token, {
      virtualMachines: [{ id: WEB_ID, ports: [{ number: 22, allowedSourceAddressPrefix: '198.51.100.7', endTimeUtc: end }] }],
      justification: 'rotate keys',
    });
    expect(waiting.status).toBe(202);
    expect(waiting.json).toMatchObject({
      state: 'pending',
      outcome: 'waiting_for_approval',
      requests: [{ virtualMachines: [{ id: WEB_ID, ports: [{ status: 'Pending' }] }] }],
    });
    const id: string = waiting.json.id;

    // An approver clicks Approve in Slack; the API then shows it open.
    await e2e.click('UAPPROVER1', await approvalTo(e2e, 'UAPPROVER1', id), 'jit_approve', { expectReply: false });
    await until(() => e2e!.backend.isOpen(id));
    const open = await api.get(`/api/v1/requests/${id}`, token);
    expect(open.status).toBe(200);
    expect(open.json).toMatchObject({
      id,
      state: 'active',
      requests: [{ decision: { effect: 'require_approval', approvals: ['UAPPROVER1'] }, startTimeUtc: expect.any(String), endTimeUtc: expect.any(String) }],
    });

    // Someone else's request is not found, exactly like one that does not exist.
    const theirs = requestIdIn(await e2e.command('UOTHER', 'request web-1 22 198.51.100.9 1h'));
    expect((await api.get(`/api/v1/requests/${theirs}`, token)).status).toBe(404);
    expect((await api.get('/api/v1/requests/zzzzzz', token)).status).toBe(404);
    expect((await api.post(`/api/v1/requests/${theirs}/revoke`, token)).status).toBe(404);
    // An approver it names may read it.
    const approver = await createToken(e2e, 'UAPPROVER2');
    expect((await api.get(`/api/v1/requests/${theirs}`, approver.token)).json).toMatchObject({ id: theirs, state: 'pending' });

    // Revoke: access closes; revoking again is a conflict that says why.
    const revoked = await api.post(`/api/v1/requests/${id}/revoke`, token);
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({
      id,
      state: 'closed',
      requests: [{ virtualMachines: [{ ports: [{ status: 'Revoked', statusReason: 'UserRequested' }] }] }],
    });
    expect(e2e.backend.isOpen(id)).toBe(false);
    const again = await api.post(`/api/v1/requests/${id}/revoke`, token);
    expect(again.status).toBe(409);
    expect(again.json.error.message).toMatch(/closed/);

    // A waiting request is withdrawn by its requester; an approver may not withdraw it.
    expect((await api.post(`/api/v1/requests/${theirs}/revoke`, approver.token)).status).toBe(403);
    const waiting2 = await api.post('/api/v1/requests', token, { virtualMachines: [{ id: 'web-1', ports: [port(22)] }] });
    expect((await api.post(`/api/v1/requests/${waiting2.json.id}/revoke`, token)).json).toMatchObject({ state: 'cancelled', outcome: 'ended' });

    // Every authenticated call is in the audit log as its owner, before it acted; none is posted to the audit channel.
    const uses = await systemEvents(e2e, 'api.token_used');
    expect(uses.filter((u) => u.actor === 'UREQ').map((u) => u.detail)).toEqual([
      `token ${tokenId}: GET /api/v1/policy`,
      `token ${tokenId}: POST /api/v1/requests`,
      `token ${tokenId}: POST /api/v1/requests`,
      `token ${tokenId}: GET /api/v1/requests/${id}`,
      `token ${tokenId}: GET /api/v1/requests/${theirs}`,
      `token ${tokenId}: GET /api/v1/requests/zzzzzz`,
      `token ${tokenId}: POST /api/v1/requests/${theirs}/revoke`,
      `token ${tokenId}: POST /api/v1/requests/${id}/revoke`,
      `token ${tokenId}: POST /api/v1/requests/${id}/revoke`,
      `token ${tokenId}: POST /api/v1/requests`,
      `token ${tokenId}: POST /api/v1/requests/${waiting2.json.id}/revoke`,
    ]);
    await e2e.bot.flushOutbox();
    const channel = e2e.fake
      .callsTo('chat.postMessage')
      .filter((c) => c.args.channel === AUDIT)
      .map((c) => String(c.args.text));
    expect(channel.join('\n')).toContain('created an API token');
    expect(channel.join('\n')).not.toContain('used an API token');
    expect(channel.join('\n')).not.toContain(token.slice(13));
    // The secret is in the one ephemeral reply only: not in the log, not in the database.
    expect(e2e.logs.join('\n')).not.toContain(token.slice(13));
    expect(JSON.stringify(await e2e.bot.workflow.ctx.store.auditEventsSince(0))).not.toContain(token.slice(13));
    // The request made through the API has the same audit thread as one from Slack (asked, opened).
    expect((await e2e.auditThread(auto.json.id)).join('\n')).toMatch(/<@UREQ> asks[\s\S]*opened/i);
  });

  it('badTokens_missingForgedRevokedAndExpired_are401_sayingWhatToDo_andAuditNothing', async () => {
    let offset = 0;
    e2e = await startE2E({ policy: POLICY, clock: { now: () => Date.now() + offset } });
    const api = new ApiClient(e2e.baseUrl, check);
    const good = await createToken(e2e, 'UREQ', 'token create short for 1d');
    const doomed = await createToken(e2e, 'UREQ', 'token create doomed');

    const missing = await api.get('/api/v1/policy');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="jit"');
    expect(missing.json.error).toEqual({ code: 'token_missing', message: expect.stringContaining('/jit token create') });

    const forged = `jit_${good.id}_${'A'.repeat(43)}`;
    const bad = await api.get('/api/v1/policy', forged);
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer realm="jit", error="invalid_token"/);
    expect(bad.json.error.code).toBe('token_invalid');
    expect((await api.get('/api/v1/policy', 'xoxb-not-ours')).json.error.code).toBe('token_invalid');

    expect(await e2e.command('UREQ', `token revoke ${doomed.id}`)).toContain('is revoked');
    const revoked = await api.post('/api/v1/requests', doomed.token, { virtualMachines: [{ id: 'db-1', ports: [port(5432)] }] });
    expect(revoked.status).toBe(401);
    expect(revoked.json.error).toEqual({ code: 'token_revoked', message: expect.stringContaining(`API token ${doomed.id} was revoked`) });
    expect(await e2e.bot.workflow.ctx.store.listRequests({ requester: 'UREQ' })).toEqual([]);

    expect((await api.get('/api/v1/policy', good.token)).status).toBe(200);
    offset = 86_400_000;
    const expired = await api.get('/api/v1/policy', good.token);
    expect(expired.status).toBe(401);
    expect(expired.json.error.code).toBe('token_expired');
    // Expired or not, a forged secret is only ever "invalid".
    expect((await api.get('/api/v1/policy', forged)).json.error.code).toBe('token_invalid');

    expect((await systemEvents(e2e, 'api.token_used')).map((u) => u.detail)).toEqual([`token ${good.id}: GET /api/v1/policy`]);
    expect(e2e.logs.join('\n')).toMatch(/API call GET \/api\/v1\/policy refused: expired token/);
  });

  it('anOwnerDeactivatedInSlack_losesApiAccessWithinAMinute_theTokenRevokedByTheSystem', async () => {
    let offset = 0;
    const users: Record<string, Record<string, unknown>> = {};
    e2e = await startE2E({ policy: POLICY, users, clock: { now: () => Date.now() + offset } });
    const api = new ApiClient(e2e.baseUrl, check);
    const { token, id } = await createToken(e2e, 'ULEAVER');
    expect((await api.get('/api/v1/policy', token)).status).toBe(200);

    users.ULEAVER = { deleted: true };
    offset = 61_000;
    const refused = await api.get('/api/v1/policy', token);
    expect(refused.status).toBe(401);
    expect(refused.json.error).toEqual({ code: 'token_revoked', message: expect.stringContaining('no longer an active member of the Slack workspace') });
    expect(await systemEvents(e2e, 'api.token_revoked')).toEqual([expect.objectContaining({ actor: 'system', detail: expect.stringContaining(`${id}`) })]);
    // The one use before the deactivation is audited; the refused one is not.
    expect(await systemEvents(e2e, 'api.token_used')).toHaveLength(1);
    await e2e.bot.flushOutbox();
    expect(
      e2e.fake.callsTo('chat.postMessage').some((c) => c.args.channel === AUDIT && String(c.args.text).includes('its owner is deactivated in Slack')),
    ).toBe(true);
  });

  it('badCalls_areAnsweredInJson_withTheStatusThatSaysWhy', async () => {
    e2e = await startE2E({ policy: POLICY });
    const api = new ApiClient(e2e.baseUrl, check);
    const { token } = await createToken(e2e, 'UREQ');

    const wrongMethod = await api.call('DELETE', '/api/v1/policy', { token });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect(check.check('GET', '/api/v1/policy', 401, wrongMethod.body)).toEqual([]);

    // A path the document does not have (not checked against it): a JSON 404 all the same.
    const nowhere = await fetch(`${e2e.baseUrl}/api/v1/requestz`, { headers: { authorization: `Bearer ${token}` } });
    expect(nowhere.status).toBe(404);
    expect(((await nowhere.json()) as { error: { message: string } }).error.message).toContain('/api/v1/openapi.json lists every call');
    expect((await api.call('POST', '/api/v1/requests', { token, raw: 'vm=web-1', contentType: 'text/plain' })).status).toBe(415);
    expect((await api.call('POST', '/api/v1/requests', { token, raw: '{"virtualMachines": [' })).json.error.code).toBe('invalid_json');
    expect((await api.call('POST', '/api/v1/requests', { token, raw: JSON.stringify({ justification: 'x'.repeat(70_000) }) })).status).toBe(413);

    const shape = await api.post('/api/v1/requests', token, { virtualMachines: [{ id: 'web-1', ports: [{ number: 'ssh' }] }] });
    expect(shape.status).toBe(400);
    expect(shape.json.error.problems).toContainEqual({ field: 'virtualMachines[0].ports[0].number', message: 'number must be a port number, 1 to 65535.' });

    const unknown = await api.post('/api/v1/requests', token, { virtualMachines: [{ id: 'nope-1', ports: [port(22)] }] });
    expect(unknown.status).toBe(422);
    // Several VMs in one call are one batch, all or nothing, read back whole by the first VM's id.
    const batch = await api.post('/api/v1/requests', token, {
      virtualMachines: [
        { id: 'db-1', ports: [port(5432)] },
        { id: 'web-1', ports: [port(22)] },
      ],
    });
    expect(batch.status).toBe(202);
    expect(batch.json.requests.map((r: { virtualMachines: { name: string }[] }) => r.virtualMachines[0]!.name)).toEqual(['db-1', 'web-1']);
    expect((await api.get(`/api/v1/requests/${batch.json.id}`, token)).json.requests).toHaveLength(2);
    // The workflow's own checks, as in Slack: longer than the port allows.
    const tooLong = await api.post('/api/v1/requests', token, {
      virtualMachines: [{ id: 'web-1', ports: [port(3389, { allowedSourceAddressPrefix: '203.0.113.7', duration: 'PT2H' })] }],
    });
    expect(tooLong.status).toBe(422);
    expect(tooLong.json.error.problems).toEqual([{ field: 'endTimeUtc', message: expect.stringContaining('longer than the 1h this port allows') }]);

    // The same rate limit as Slack: 10 stored requests a minute.
    for (let i = 0; i < 10; i++) await api.post('/api/v1/requests', token, { virtualMachines: [{ id: 'db-1', ports: [port(5432)] }] });
    const limited = await api.post('/api/v1/requests', token, { virtualMachines: [{ id: 'db-1', ports: [port(5432)] }] });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('theHome_listsTheTokens_andItsRevokeButtonStopsTheToken', async () => {
    e2e = await startE2E({ policy: POLICY });
    const api = new ApiClient(e2e.baseUrl, check);
    const { token, id } = await createToken(e2e, 'UREQ');
    expect(await e2e.command('UREQ', 'token list')).toContain(`\`${id}\``);

    const home = await openHome(e2e, 'UREQ');
    expect(home.response.ok).toBe(true);
    expect(homeButtons(home)).toContainEqual(['Revoke deploy', 'jit_token_revoke', id]);
    // Another user cannot use the button's value to revoke it.
    await clickHome(e2e, 'UOTHER', home, 'jit_token_revoke', { value: id, wait: 'dm' });
    expect((await api.get('/api/v1/policy', token)).status).toBe(200);

    const after = await clickHome(e2e, 'UREQ', home, 'jit_token_revoke', { value: id });
    expect(homeButtons(after).filter(([, action]) => action === 'jit_token_revoke')).toEqual([]);
    expect((await api.get('/api/v1/policy', token)).json.error.code).toBe('token_revoked');
    expect((await systemEvents(e2e, 'api.token_revoked')).map((e) => e.actor)).toEqual(['UREQ']);
  });

  it('everyRoute_isDocumented_andEveryDocumentedOperationIsARoute', () => {
    const routes = apiRoutes({
      tokens: { authenticate: async () => ({ ok: false, reason: 'missing' }) },
      workflow: () => {
        throw new Error('not called');
      },
      clock: { now: () => 0 },
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const served = routes.flatMap((route) => route.serves.map((method) => `${method} ${route.path.replace(/:(\w+)/g, '{$1}')}`));
    expect(served.sort()).toEqual(check.operations().sort());
  });
});

describePg('REST API on PostgreSQL', () => {
  it('tokens_areKeptInThePostgresDatabase_andAuthenticateTheApi', async () => {
    const db = await createDatabase();
    try {
      e2e = await startE2E({ policy: POLICY, env: { JIT_DB: db.url } });
      const api = new ApiClient(e2e.baseUrl, check);
      const { token, id } = await createToken(e2e, 'UREQ');
      expect((await api.get('/api/v1/policy', token)).status).toBe(200);
      expect(await e2e.command('UREQ', `token revoke ${id}`)).toContain('is revoked');
      expect((await api.get('/api/v1/policy', token)).json.error.code).toBe('token_revoked');
      expect((await e2e.bot.workflow.ctx.store.systemEvents()).map((event) => event.name)).toEqual([
        'api.token_created',
        'api.token_used',
        'api.token_revoked',
      ]);
    } finally {
      await stopChecked(e2e);
      e2e = undefined;
      await db.drop();
    }
  });
});
