// "Use my IP" links and /jit explain, through signed Slack requests and a browser's HTTP calls.

import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { slashCommand, textValue, selectValue } from '../support/slack-requests.js';
import { requestIdIn, SECRET, startE2E, type E2E, stopChecked } from './harness.js';

const PUBLIC = 'https://jit.example.test';
let e2e: E2E | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

/** The bot's own URL for a link it handed out under JIT_PUBLIC_URL. */
const local = (e: E2E, url: string) => url.replace(PUBLIC, e.baseUrl);
const linkIn = (text: string): string => {
  const match = /<(https:\/\/jit\.example\.test\/jit\/my-ip\/[^|>]+)\|Use my IP>/.exec(text);
  if (!match) throw new Error(`no link in: ${text}`);
  return match[1]!;
};

/** A browser's GET or POST from `localAddress` (any 127/8 address reaches loopback). */
function browse(url: string, localAddress: string, method = 'GET'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, localAddress }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Use my IP', () => {
  it('inlineRequestWithMe_linkShowsTheAddress_confirmCreatesTheRequest_onceOnly', async () => {
    e2e = await startE2E({ env: { JIT_PUBLIC_URL: PUBLIC } });
    const reply = await e2e.command('UREQ', 'request web-1 22 me 1h deploy');
    const url = local(e2e, linkIn(reply));
    expect(await e2e.bot.workflow.openRequestsOf('UREQ')).toEqual([]);

    // From 127.0.0.2: the page sees the browser's own address through the ack front, not the front's 127.0.0.1.
    const page = await browse(url, '127.0.0.2');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Use 127.0.0.2');
    expect(await e2e.bot.workflow.openRequestsOf('UREQ')).toEqual([]); // looking is not confirming

    const confirmed = await browse(url, '127.0.0.2', 'POST');
    expect(confirmed.status).toBe(200);
    const id = requestIdIn(confirmed.text);
    expect(await e2e.bot.workflow.get(id)).toMatchObject({ source: '127.0.0.2/32', vm: 'web-1', justification: 'deploy', state: 'pending' });

    const again = await fetch(url, { method: 'POST' });
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('already used');
    expect(await e2e.bot.workflow.openRequestsOf('UREQ')).toHaveLength(1);
  });

  it('forwardedFor_isHonouredOnlyFromTrustedProxies', async () => {
    e2e = await startE2E({ env: { JIT_PUBLIC_URL: PUBLIC, JIT_TRUSTED_PROXIES: '127.0.0.0/8' } });
    const trusted = local(e2e, linkIn(await e2e.command('UREQ', 'request web-1 22 me 1h')));
    const created = await fetch(trusted, { method: 'POST', headers: { 'x-forwarded-for': '198.51.100.23' } });
    expect((await e2e.bot.workflow.get(requestIdIn(await created.text()))).source).toBe('198.51.100.23/32');
    await e2e.stop();

    e2e = await startE2E({ env: { JIT_PUBLIC_URL: PUBLIC } });
    const untrusted = local(e2e, linkIn(await e2e.command('UREQ', 'request web-1 22 me 1h')));
    const spoofed = await fetch(untrusted, { method: 'POST', headers: { 'x-forwarded-for': '198.51.100.23' } });
    expect((await e2e.bot.workflow.get(requestIdIn(await spoofed.text()))).source).toBe('127.0.0.1/32');
  });

  it('forgedLink_isRefused', async () => {
    e2e = await startE2E({ env: { JIT_PUBLIC_URL: PUBLIC } });
    const url = local(e2e, linkIn(await e2e.command('UREQ', 'request web-1 22 me 1h')));
    const forged = await fetch(`${url.slice(0, -3)}abc`, { method: 'POST' });
    expect(forged.status).toBe(400);
    expect(await e2e.bot.workflow.openRequestsOf('UREQ')).toEqual([]);
  });

  it('modal_linkRecordsTheAddress_thenAnEmptySourceUsesIt', async () => {
    e2e = await startE2E({ env: { JIT_PUBLIC_URL: PUBLIC } });
    expect((await slashCommand(e2e.baseUrl, SECRET, { text: 'request', userId: 'UMODAL', responseUrl: e2e.fake.responseUrl() })).status).toBe(200);
    const opened = await e2e.fake.waitFor('views.open');
    const blocks = (opened.args.view as { blocks: { block_id?: string; elements?: { url?: string }[] }[] }).blocks;
    const url = blocks.find((b) => b.block_id === 'my_ip')?.elements?.[0]?.url;
    expect(url).toMatch(/^https:\/\/jit\.example\.test\/jit\/my-ip\//);
    const recorded = await fetch(local(e2e, url!), { method: 'POST' });
    expect(await recorded.text()).toContain('Recorded 127.0.0.1');

    const submitted = await e2e.submitModal('UMODAL', {
      vm: { vm_select: selectValue('web-1') },
      ports: { ports_select: { type: 'multi_static_select', selected_options: [{ value: '22' }] } },
      source: { source_input: textValue(null) },
      duration: { duration_input: textValue('30m') },
      justification: { justification_input: textValue(null) },
    });
    expect(submitted.json ?? {}).not.toHaveProperty('response_action');
    await e2e.fake.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === 'UAPPROVER1');
    expect((await e2e.bot.workflow.openRequestsOf('UMODAL'))[0]).toMatchObject({ source: '127.0.0.1/32' });
  });

  it('withoutPublicUrl_meExplainsWhatToDo', async () => {
    e2e = await startE2E();
    // No link can be given without JIT_PUBLIC_URL: the reply says so instead of promising one.
    expect(await e2e.command('UREQ', 'request web-1 22 me 1h')).toMatch(/"Use my IP" links need JIT_PUBLIC_URL.*Type your address instead/);
  });
});

describe('/jit explain', () => {
  it('explain_showsTheDecisionAndWhyEarlierRulesDidNotMatch_storesNothing', async () => {
    e2e = await startE2E({
      policy: `approvers: [UAPPROVER1]
virtualMachines:
  - id: web-1
    tags: {env: prod}
    ports: [{number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H}]
rules:
  - name: office-only
    match: {sources: [10.0.0.0/8]}
    effect: approve
  - name: prod-two
    match: {tags: {env: prod}}
    effect: require_approval
    approvals: 2
    approvers: [UAPPROVER1, UAPPROVER2]
`,
    });
    const reply = await e2e.command('UREQ', 'explain web-1 22 198.51.100.7 1h');
    expect(reply).toMatch(/Decision: .*2 approvals.*prod-two/);
    expect(reply).toMatch(/rule office-only did not match: source 198\.51\.100\.7\/32 is not inside 10\.0\.0\.0\/8/);
    expect(reply).toContain('Nothing was requested');
    expect(await e2e.bot.workflow.openRequestsOf('UREQ')).toEqual([]);
    expect(await e2e.command('UREQ', 'explain web-1 22')).toMatch(/Usage: `\/jit explain/);
  });
});
