// Driving the App Home over signed HTTP: the `app_home_opened` event Slack
// sends when a user opens the tab, and clicks on the published Home (a
// block_actions payload from a view, which carries no response_url).

import type { RecordedCall } from '../support/fake-slack.js';
import { blockActionOnView, signedPost } from '../support/slack-requests.js';
import { SECRET, type E2E } from './harness.js';

let eventCounter = 0;

/** Opens the Home tab as `user`; resolves with the views.publish call it caused (checked by the fake). */
export async function openHome(e2e: E2E, user: string): Promise<RecordedCall> {
  const from = e2e.fake.calls.length;
  const event = {
    token: 'legacy-verification-token',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: `EvHome${++eventCounter}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_home_opened', user, channel: `D${user.slice(1)}`, tab: 'home', event_ts: `${Date.now() / 1000}` },
  };
  const result = await signedPost(`${e2e.baseUrl}/slack/events`, JSON.stringify(event), SECRET, { contentType: 'application/json' });
  if (result.status !== 200) throw new Error(`app_home_opened answered HTTP ${result.status}`);
  return published(e2e, user, from);
}

/**
 * Clicks the button `actionId` (the one carrying `value`, when given) on a
 * published Home, and resolves with what the click caused for `wait`: the
 * Home published again, or the next DM to the clicking user.
 */
export async function clickHome(
  e2e: E2E,
  user: string,
  home: RecordedCall,
  actionId: string,
  options: { value?: string; wait?: 'publish' | 'dm' } = {},
): Promise<RecordedCall> {
  const from = e2e.fake.calls.length;
  const view: Record<string, unknown> = { ...(home.response.view as Record<string, unknown>), type: 'home' };
  const click = {
    userId: user,
    actionId,
    view: { id: String(view.id), type: 'home' as const, view },
    ...(options.value === undefined ? {} : { value: options.value }),
  };
  const result = await blockActionOnView(e2e.baseUrl, SECRET, click);
  if (result.status !== 200) throw new Error(`click ${actionId} on the Home answered HTTP ${result.status}`);
  if (options.wait === 'dm') return e2e.fake.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === user, { from });
  return published(e2e, user, from);
}

/** The DMs the bot sent `user` since call index `from`. */
export function dmsSince(e2e: E2E, user: string, from: number): string[] {
  return e2e.fake.calls
    .slice(from)
    .filter((c) => c.method === 'chat.postMessage' && c.args.channel === user)
    .map((c) => String(c.args.text));
}

function published(e2e: E2E, user: string, from: number): Promise<RecordedCall> {
  return e2e.fake.waitFor((c) => c.method === 'views.publish' && c.args.user_id === user, { from });
}

type Block = { type: string; text?: { text: string }; accessory?: Element; elements?: Element[] };
type Element = { type: string; action_id?: string; value?: string; text?: { text: string } };

export function homeBlocks(call: RecordedCall): Block[] {
  return (call.args.view as { blocks: Block[] }).blocks;
}

export function homeHeaders(call: RecordedCall): string[] {
  return homeBlocks(call)
    .filter((b) => b.type === 'header')
    .map((b) => b.text!.text);
}

/** `[text, action_id, value]` of every button on the Home, in order. */
export function homeButtons(call: RecordedCall): [string, string, string][] {
  return homeBlocks(call)
    .flatMap((b) => [...(b.accessory ? [b.accessory] : []), ...(b.type === 'actions' ? (b.elements ?? []) : [])])
    .filter((e) => e.type === 'button')
    .map((e) => [e.text?.text ?? '', e.action_id ?? '', e.value ?? '']);
}

export function homeText(call: RecordedCall): string {
  return JSON.stringify(homeBlocks(call));
}

/** A policy with `count` VMs `vm-000`, `vm-001`, … each with SSH. */
export function policyWithVms(count: number, approvers = '[UAPPROVER1, UAPPROVER2]'): string {
  const vms = Array.from(
    { length: count },
    (_, i) =>
      `  - id: vm-${String(i).padStart(3, '0')}\n    address: 10.${Math.floor(i / 250)}.0.${(i % 250) + 1}\n    ports: [{ number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H }]`,
  );
  return `approvers: ${approvers}\nvirtualMachines:${count === 0 ? ' []' : `\n${vms.join('\n')}`}\n`;
}
