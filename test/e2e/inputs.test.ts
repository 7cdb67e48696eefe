import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockActionOnView, selectValue, signedPost, slashCommand, slashCommandFields, textValue } from '../support/slack-requests.js';
import { SECRET, startE2E, stopChecked, type E2E } from './harness.js';

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E();
});
afterAll(() => stopChecked(e2e));

const nothingStored = async () => expect(await e2e.bot.workflow.openRequestsOf('UBAD')).toEqual([]);

describe('bad input over /jit gets an ephemeral reply and changes nothing', () => {
  it.each([
    ['request nope 22 198.51.100.7 1h', /There is no VM called "nope": choose one of web-1, db-1/],
    ['request web-1 8080 198.51.100.7 1h', /8080[\s\S]*(not configured|not open)[\s\S]*22/i],
    ['request web-1 3389 198.51.100.7 30m', /198\.51\.100\.7[\s\S]*203\.0\.113\.0\/24/],
    ['request web-1 22 not-an-ip 1h', /not-an-ip/],
    ['request web-1 3389 * 30m', /any source/i],
    ['request web-1 22 198.51.100.7 4h', /3h/],
    ['request web-1 22 198.51.100.7 soon', /soon[\s\S]*90m/],
    ['request web-1 22 198.51.100.7 0s', /duration/i],
    ['request web-1 22,22 198.51.100.7 1h', /22/],
    ['request web-1 22 198.51.100.7', /needs a VM, ports, a source and a duration/],
    [`request web-1 22 198.51.100.7 1h ${'x'.repeat(1500)}`, /justification|1000/i],
    ['delete everything', /`delete` is not a \/jit command/],
    ['cancel 12', /not a request ID/],
    ['revoke zzzzzz', /There is no request #zzzzzz/],
  ])('/jit %s', async (text, message) => {
    const reply = await e2e.command('UBAD', text);
    expect(reply).toMatch(message);
    await nothingStored();
    expect(e2e.backend.calls.filter((c) => c.op === 'open')).toEqual([]);
  });

  it('/jit help lists every command', async () => {
    const reply = await e2e.command('UBAD', 'help');
    for (const command of ['/jit request', '/jit list', '/jit cancel', '/jit revoke', '/jit help']) expect(reply).toContain(command);
  });

  it('/jit list with nothing open says how to start', async () => {
    expect(await e2e.command('UBAD', 'list')).toMatch(/no pending or active requests/);
  });
});

describe('request signing', () => {
  const body = () => new URLSearchParams(slashCommandFields({ text: 'list', userId: 'UBAD', responseUrl: e2e.fake.responseUrl() })).toString();

  it('badSignature_isRejectedWith401', async () => {
    const result = await signedPost(`${e2e.baseUrl}/slack/events`, body(), 'not-the-secret-at-all');
    expect(result.status).toBe(401);
  });

  it('staleTimestamp_isRejectedWith401', async () => {
    const result = await signedPost(`${e2e.baseUrl}/slack/events`, body(), SECRET, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(result.status).toBe(401);
  });

  it('validSignature_isAccepted', async () => {
    const result = await signedPost(`${e2e.baseUrl}/slack/events`, body(), SECRET);
    expect(result.status).toBe(200);
  });
});

describe('the request modal', () => {
  it('modal_chooseVm_showsItsPorts_invalidSubmit_showsInlineErrors_validSubmit_creates', async () => {
    const id = `m${Date.now()}`;
    const ack = await slashCommand(e2e.baseUrl, SECRET, { text: 'request', userId: 'UMODAL', responseUrl: e2e.fake.responseUrl() });
    expect(ack.status).toBe(200);
    const opened = await e2e.fake.waitFor('views.open');
    const view = opened.args.view as { blocks: { block_id?: string }[]; callback_id: string };
    expect(view.callback_id).toBe('jit_request_modal');
    expect(view.blocks.map((b) => b.block_id)).not.toContain('ports');

    const viewId = String((opened.response.view as { id: string }).id);
    const from = e2e.fake.calls.length;
    await blockActionOnView(e2e.baseUrl, SECRET, {
      userId: 'UMODAL',
      actionId: 'vm_select',
      view: { id: viewId, callbackId: 'jit_request_modal', view: e2e.fake.view(viewId) ?? {}, values: { vm: { vm_select: selectValue('web-1') } } },
      action: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'web-1' }, value: 'web-1' } },
    });
    const update = await e2e.fake.waitFor('views.update', { from });
    const ports = JSON.stringify((update.args.view as { blocks: unknown[] }).blocks);
    expect(ports).toContain('22/TCP');
    expect(ports).toContain('3389/TCP');
    expect(ports).not.toContain('5432');

    const invalid = await e2e.submitModal('UMODAL', {
      vm: { vm_select: selectValue('web-1') },
      ports: { ports_select: { type: 'multi_static_select', selected_options: [{ value: '3389' }] } },
      source: { source_input: textValue('198.51.100.7') },
      duration: { duration_input: textValue('9h') },
      justification: { justification_input: textValue(null) },
    });
    expect(invalid.status).toBe(200);
    const errors = (invalid.json as { response_action: string; errors: Record<string, string> }).errors;
    expect(Object.keys(errors).sort()).toEqual(['duration', 'source']);
    expect(await e2e.bot.workflow.openRequestsOf('UMODAL')).toEqual([]);

    const valid = await e2e.submitModal('UMODAL', {
      vm: { vm_select: selectValue('web-1') },
      ports: { ports_select: { type: 'multi_static_select', selected_options: [{ value: '22' }] } },
      source: { source_input: textValue('198.51.100.7') },
      duration: { duration_input: textValue('45m') },
      justification: { justification_input: textValue(`incident ${id}`) },
    });
    expect(valid.status).toBe(200);
    expect(valid.json ?? {}).not.toHaveProperty('response_action');
    await e2e.fake.waitFor((c) => c.method === 'chat.postMessage' && JSON.stringify(c.args.blocks ?? '').includes(`incident ${id}`));
    const [request] = await e2e.bot.workflow.openRequestsOf('UMODAL');
    expect(request).toMatchObject({ vm: 'web-1', state: 'pending', durationSeconds: 2700, source: '198.51.100.7/32', justification: `incident ${id}` });
  });
});

describe('health and policy reload', () => {
  it('healthz_ok_thenBackendDown_answers503', async () => {
    const ok = await fetch(`${e2e.baseUrl}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'ok', database: 'ok', backends: { memory: { ok: true } } });
    e2e.backend.failNext('health', 'firewall unreachable');
    const down = await fetch(`${e2e.baseUrl}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'unavailable', backends: { memory: { ok: false, detail: 'firewall unreachable' } } });
  });

  it('readyz_saysWhichReplicaLeads_thenBackendDown_answers503', async () => {
    const ready = await fetch(`${e2e.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      replica: e2e.bot.replicaId,
      leads: true,
      leader: e2e.bot.replicaId,
      slack: 'ok',
      slack_destinations: [],
      database: 'ok',
      backends: { memory: { ok: true } },
    });
    e2e.backend.failNext('health', 'firewall unreachable');
    const down = await fetch(`${e2e.baseUrl}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'not_ready', leads: true, backends: { memory: { ok: false, detail: 'firewall unreachable' } } });
  });

  it('reload_badFile_keepsTheOldPolicy_goodFile_appliesIt', async () => {
    expect(e2e.backend.protectedPorts.map((p) => `${p.vmName}:${p.port}/${p.protocol}@${p.address}`)).toEqual([
      'web-1:22/TCP@10.0.0.4',
      'web-1:3389/TCP@10.0.0.4',
      'db-1:5432/TCP@10.0.0.5',
    ]);
    const file = join(e2e.dir, 'policy.yaml');
    writeFileSync(file, 'virtualMachines: [{id: broken, ports: []}]\n');
    expect(await e2e.bot.reloadPolicy()).toBe(false);
    expect(e2e.logs.join('\n')).toMatch(/policy reload failed, keeping the previous policy/);
    expect(await e2e.command('URELOAD', 'request web-1 22 198.51.100.7 1h')).toMatch(/waiting for one approval/);

    writeFileSync(
      file,
      'approvers: [UAPPROVER1]\nvirtualMachines:\n  - id: new-1\n    ports: [{number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT1H}]\n',
    );
    expect(await e2e.bot.reloadPolicy()).toBe(true);
    expect(e2e.backend.protectedPorts.map((p) => `${p.vmName}:${p.port}`)).toEqual(['new-1:22']);
    expect(await e2e.command('URELOAD', 'request web-1 22 198.51.100.7 1h')).toMatch(/web-1/);
    expect(await e2e.command('URELOAD', 'request new-1 22 198.51.100.7 1h')).toMatch(/waiting for one approval/);
  });
});
