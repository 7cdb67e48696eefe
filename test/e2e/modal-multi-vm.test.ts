// The request form with several VMs: one multi-VM request, like the typed form.

import { afterEach, describe, expect, it } from 'vitest';
import { blockActionOnView, slashCommand, textValue } from '../support/slack-requests.js';
import { SECRET, startE2E, stopChecked, type E2E } from './harness.js';
import { asGrant } from '../support/request-overrides.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

const multi = (...values: string[]) => ({
  type: 'multi_static_select',
  selected_options: values.map((value) => ({ text: { type: 'plain_text', text: value }, value })),
});

describe('the request form with several VMs', () => {
  it('twoVms_showTheirPorts_andSubmitOneBatch', async () => {
    e2e = await startE2E();
    expect((await slashCommand(e2e.baseUrl, SECRET, { text: 'request', userId: 'UREQ', responseUrl: e2e.fake.responseUrl() })).status).toBe(200);
    const opened = await e2e.fake.waitFor('views.open');
    const viewId = String((opened.response.view as { id: string }).id);
    const from = e2e.fake.calls.length;
    await blockActionOnView(e2e.baseUrl, SECRET, {
      userId: 'UREQ',
      actionId: 'vm_select',
      view: { id: viewId, callbackId: 'jit_request_modal', view: e2e.fake.view(viewId) ?? {}, values: { vm: { vm_select: multi('web-1', 'db-1') } } },
      action: multi('web-1', 'db-1'),
    });
    const update = await e2e.fake.waitFor('views.update', { from });
    const shown = JSON.stringify((update.args.view as { blocks: unknown[] }).blocks);
    for (const port of ['22/TCP', '3389/TCP', '5432/TCP']) expect(shown).toContain(port);

    const submitted = await e2e.submitModal('UREQ', {
      vm: { vm_select: multi('web-1', 'db-1') },
      ports: { ports_select: multi('22', '5432') },
      source: { source_input: textValue('198.51.100.7') },
      duration: { duration_input: textValue('30m') },
      justification: { justification_input: textValue('migrate') },
    });
    expect(submitted.json ?? {}, JSON.stringify(submitted.json)).not.toHaveProperty('response_action');
    await e2e.fake.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === 'UAPPROVER1' && JSON.stringify(c.args.blocks ?? '').includes('db-1'));
    const members = await e2e.bot.workflow.openRequestsOf('UREQ');
    expect(members.map((m) => [m.vm, m.ports.map((p) => p.number)]).sort()).toEqual([
      ['db-1', [5432]],
      ['web-1', [22]],
    ]);
    expect(new Set(members.map((m) => asGrant(m).batchId)).size).toBe(1);
  });
});
