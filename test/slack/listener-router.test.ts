// The router behind the bot's Bolt listeners (slack/listeners/router.ts),
// driven through a real Bolt app with app.processEvent: each kind reaches the
// handler its id names, with the arguments Bolt would have given a listener of
// its own; a request no handler names is not acked, as with Bolt alone; two
// handlers for one id are refused; and the bot adds a bounded number of Bolt
// listeners whatever the number of its buttons.

import type { App } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createSlackApp, registerListeners } from '../../src/slack/app.js';
import type { ListenerDeps } from '../../src/slack/listeners/deps.js';
import { ListenerRouter, type Listeners } from '../../src/slack/listeners/router.js';
import type { AccessWorkflow } from '../../src/workflow/access-workflow.js';
import { FakeClock } from '../support/fake-clock.js';
import { blockActionPayload, type Payload, slashCommandFields, TEAM, viewSubmissionPayload } from '../support/slack-requests.js';

const logger = createLogger({ write: () => undefined });

function newApp(): App {
  return createSlackApp({
    config: { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'router-test-signing-secret-0123', PORT: 0, SLACK_API_URL: 'http://127.0.0.1:9/api/' },
    logger,
    routes: [],
  });
}

/** Delivers one request; resolves with how many times it was acked. */
async function deliver(app: App, body: Payload | Record<string, string>): Promise<number> {
  let acks = 0;
  await app.processEvent({
    body,
    ack: async () => {
      acks++;
    },
  });
  return acks;
}

const command = (text: string) => slashCommandFields({ text, userId: 'U1', responseUrl: 'http://127.0.0.1:9/response' });
const click = (actionId: string) => blockActionPayload({ userId: 'U1', actionId, value: '42', responseUrl: 'http://127.0.0.1:9/response' });
const submit = (callbackId: string) => viewSubmissionPayload({ userId: 'U1', callbackId, values: {} });
const suggestion = (actionId: string): Payload => ({
  type: 'block_suggestion',
  user: { id: 'U1', team_id: TEAM.id },
  team: { ...TEAM },
  api_app_id: 'A1',
  action_id: actionId,
  block_id: 'blk',
  value: 'web',
});
const homeOpened = (): Payload => ({
  type: 'event_callback',
  team_id: TEAM.id,
  api_app_id: 'A1',
  event_id: 'Ev1',
  event_time: 1,
  event: { type: 'app_home_opened', user: 'U1', channel: 'D1', tab: 'home', event_ts: '1.0' },
});

/** Every kind the bot handles, each handler acking and recording what it was given under `name`. */
function registerAll(on: Listeners, seen: Map<string, Record<string, unknown>>): void {
  const record = (name: string) => async (args: object & { ack?: () => Promise<void> }) => {
    seen.set(name, args as Record<string, unknown>);
    await args.ack?.();
  };
  on.command('/jit', record('command'));
  on.action('approve', record('approve'));
  on.action('deny', record('deny'));
  on.action({ action_id: 'choose', type: 'block_actions' }, record('choose'));
  on.options('choose', record('options'));
  on.view('edit', record('edit'));
  on.view('request', record('request'));
  on.event('app_home_opened', record('home'));
}

function routedApp(seen: Map<string, Record<string, unknown>>): App {
  const app = newApp();
  const router = new ListenerRouter();
  registerAll(router, seen);
  router.install(app);
  return app;
}

const REQUESTS: [name: string, body: () => Payload | Record<string, string>][] = [
  ['command', () => command('help')],
  ['approve', () => click('approve')],
  ['deny', () => click('deny')],
  ['choose', () => click('choose')],
  ['options', () => suggestion('choose')],
  ['edit', () => submit('edit')],
  ['request', () => submit('request')],
  ['home', homeOpened],
];

describe('ListenerRouter', () => {
  it.each(REQUESTS)('%s_reachesItsOwnHandlerOnly_withTheArgumentsBoltGivesAListener', async (name, body) => {
    const routed = new Map<string, Record<string, unknown>>();
    const delivered = body();
    expect(await deliver(routedApp(routed), delivered)).toBe(1);
    expect([...routed.keys()]).toEqual([name]);
    expect(routed.get(name)?.body).toBe(delivered);

    // The same handlers as Bolt listeners of their own: the same arguments, by name and kind.
    const direct = new Map<string, Record<string, unknown>>();
    const plain = newApp();
    registerAll(plain, direct);
    await deliver(plain, body());
    const shape = (args: Record<string, unknown> | undefined) => Object.entries(args ?? {}).map(([key, value]) => `${key}:${typeof value}`);
    expect(shape(routed.get(name)).sort()).toEqual(shape(direct.get(name)).sort());
  });

  it('unknownActionId_isNotHandled_andNotAcked', async () => {
    const seen = new Map<string, Record<string, unknown>>();
    expect(await deliver(routedApp(seen), click('approve-typo'))).toBe(0);
    expect(seen.size).toBe(0);
  });

  it('unknownCallbackId_isNotHandled_andNotAcked', async () => {
    const seen = new Map<string, Record<string, unknown>>();
    expect(await deliver(routedApp(seen), submit('unknown'))).toBe(0);
    expect(seen.size).toBe(0);
  });

  it('unknownCommandOrSuggestion_isNotHandled_andNotAcked', async () => {
    const seen = new Map<string, Record<string, unknown>>();
    const app = routedApp(seen);
    expect(await deliver(app, { ...command('help'), command: '/other' })).toBe(0);
    expect(await deliver(app, suggestion('approve'))).toBe(0);
    expect(seen.size).toBe(0);
  });

  it('viewClosed_ofAKnownCallbackId_isNotHandled_likeBoltsViewByCallbackId', async () => {
    const seen = new Map<string, Record<string, unknown>>();
    expect(await deliver(routedApp(seen), { ...submit('edit'), type: 'view_closed', is_cleared: false })).toBe(0);
    expect(seen.size).toBe(0);
  });

  it('actionRegisteredWithAType_ignoresABodyOfAnotherType_whileAPlainIdMatchesAny', async () => {
    // A legacy interactive message whose action carries an action_id: Bolt reads it as the action.
    const legacy = (actionId: string) => ({ ...click(actionId), type: 'interactive_message', callback_id: 'legacy' });
    const seen = new Map<string, Record<string, unknown>>();
    const app = routedApp(seen);
    expect(await deliver(app, legacy('choose'))).toBe(0);
    expect(await deliver(app, legacy('approve'))).toBe(1);
    expect([...seen.keys()]).toEqual(['approve']);
  });

  it('handlerFailure_reachesTheAppsErrorHandler', async () => {
    const app = newApp();
    const router = new ListenerRouter();
    router.action('approve', async () => {
      throw new Error('boom');
    });
    router.install(app);
    const errors: unknown[] = [];
    app.error(async (error) => {
      errors.push(error);
    });
    await deliver(app, click('approve'));
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as { original?: unknown }).original ?? errors[0])).toContain('boom');
  });

  it('twoHandlersForOneId_areRefusedAtRegistration', () => {
    const router = new ListenerRouter();
    const noop = async () => undefined;
    router.action('approve', noop);
    expect(() => router.action({ action_id: 'approve', type: 'block_actions' }, noop)).toThrow(/two Slack action handlers for "approve"/);
    router.view('edit', noop);
    expect(() => router.view('edit', noop)).toThrow(/view/);
    router.command('/jit', noop);
    expect(() => router.command('/jit', noop)).toThrow(/command/);
    router.options('choose', noop);
    expect(() => router.options('choose', noop)).toThrow(/options/);
    router.event('app_home_opened', noop);
    expect(() => router.event('app_home_opened', noop)).toThrow(/event/);
    // The same id under another kind is another route.
    expect(() => router.options('approve', noop)).not.toThrow();
  });

  it('handlerAddedAfterInstall_orASecondInstall_isRefused', () => {
    const router = new ListenerRouter();
    router.action('approve', async () => undefined);
    const app = newApp();
    router.install(app);
    expect(() => router.event('app_home_opened', async () => undefined)).toThrow(/after the router was installed/);
    expect(() => router.install(app)).toThrow(/installed already/);
  });
});

describe('registerListeners', () => {
  it('addsABoundedNumberOfBoltListeners_whateverTheNumberOfButtons', () => {
    const app = newApp();
    const deps: ListenerDeps = {
      workflow: {} as AccessWorkflow,
      policy: () => ({ vms: [], rules: [], approvers: [] }) as never,
      clock: new FakeClock(),
      logger,
    };
    registerListeners(app, deps);
    // Bolt runs every request through every listener's middleware: one listener
    // per kind (command, action, options, view, and app_home_opened) is what
    // keeps that routing cost flat as buttons are added (it was 15 listeners).
    const listeners = (app as unknown as { listeners: unknown[] }).listeners;
    expect(listeners.length).toBeLessThanOrEqual(5);
  });
});
