// Driving the admin surfaces over signed HTTP: `/jit edit` (whose success is a
// modal, not a reply), the edit modal's submission, the Home's Edit button,
// and the audit channel's top-level lines.

import type { RecordedCall } from '../support/fake-slack.js';
import { blockActionOnView, slashCommand, textValue, viewSubmission, type PostResult } from '../support/slack-requests.js';
import { AUDIT, SECRET, type E2E } from './harness.js';

export const ADMIN = 'UADMIN';

let counter = 0;

/** Sends `/jit edit <vm>` and resolves with the modal it opened (checked by the fake). */
export async function openEditByCommand(e2e: E2E, user: string, vm: string): Promise<RecordedCall> {
  const from = e2e.fake.calls.length;
  const result = await slashCommand(e2e.baseUrl, SECRET, { text: `edit ${vm}`, userId: user, responseUrl: e2e.fake.responseUrl(`edit${++counter}`) });
  if (result.status !== 200) throw new Error(`/jit edit answered HTTP ${result.status}`);
  return e2e.fake.waitFor('views.open', { from });
}

/** Clicks the Home's Edit beside `vm`; resolves with the modal it opened. */
export async function openEditFromHome(e2e: E2E, user: string, home: RecordedCall, vm: string): Promise<RecordedCall> {
  const from = e2e.fake.calls.length;
  const view: Record<string, unknown> = { ...(home.response.view as Record<string, unknown>), type: 'home' };
  const result = await blockActionOnView(e2e.baseUrl, SECRET, {
    userId: user,
    actionId: 'jit_edit_vm_open',
    value: vm,
    view: { id: String(view.id), type: 'home', view },
  });
  if (result.status !== 200) throw new Error(`Edit on the Home answered HTTP ${result.status}`);
  return e2e.fake.waitFor('views.open', { from });
}

/** Submits the edit modal `opened` with `text` in its ports box (or any raw state values). */
export function submitEdit(
  e2e: E2E,
  user: string,
  opened: RecordedCall,
  text: string | null,
  values?: Record<string, Record<string, { type: string; [key: string]: unknown }>>,
): Promise<PostResult> {
  const view = opened.response.view as Record<string, unknown>;
  return viewSubmission(e2e.baseUrl, SECRET, {
    userId: user,
    callbackId: 'jit_edit_vm',
    values: values ?? { ports: { ports_input: textValue(text) } },
    view,
  });
}

/** The modal's error under the ports input, or undefined when the submission was accepted. */
export function portsError(result: PostResult): string | undefined {
  const body = result.json as { response_action?: string; errors?: Record<string, string> } | undefined;
  return body?.response_action === 'errors' ? body.errors?.ports : undefined;
}

/** Top-level audit-channel messages delivered so far. */
export async function auditLines(e2e: E2E): Promise<string[]> {
  await e2e.bot.flushOutbox();
  return e2e.fake
    .callsTo('chat.postMessage')
    .filter((c) => c.response.ok && c.args.channel === AUDIT && !c.args.thread_ts)
    .map((c) => String(c.args.text));
}

/** The next DM to `user` after call index `from`. */
export function nextDm(e2e: E2E, user: string, from: number): Promise<RecordedCall> {
  return e2e.fake.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === user, { from, timeoutMs: 10_000 });
}

/** `vm:port/protocol` of every port the firewall keeps closed. */
export function protectedPorts(e2e: E2E): string[] {
  return e2e.backend.protectedPorts.map((p) => `${p.vmName}:${p.port}/${p.protocol}`);
}
