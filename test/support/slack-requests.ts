// Requests as Slack sends them to the bot: signed with the signing secret
// (reference/slack.md), form-encoded with the exact Content-Type Bolt demands,
// carrying the fields real payloads carry. The payload builders are exported
// on their own so a test can tamper with a payload before signing it.
import { createHmac, randomBytes } from 'node:crypto';

export type Payload = Record<string, unknown>;

export interface SignOptions {
  /** Unix seconds; default now. A value over 5 minutes old is what Bolt refuses as stale. */
  timestamp?: number;
  /** Replaces the computed `v0=…` signature, to test forgeries. */
  signature?: string;
  /** Replaces the Content-Type; Slack always sends exactly application/x-www-form-urlencoded. */
  contentType?: string;
}

export interface PostResult {
  status: number;
  text: string;
  json?: unknown;
}

export const TEAM = { id: 'T1', domain: 'test' } as const;
const APP_ID = 'A1';
const VERIFICATION_TOKEN = 'legacy-verification-token';

let triggerCounter = 0;
/** Shaped like Slack's trigger ids and unique, since each one opens one view only. */
export function newTriggerId(): string {
  return `${Date.now()}.${++triggerCounter}.${randomBytes(10).toString('hex')}`;
}

/** `v0=` + HMAC-SHA256(secret, `v0:<timestamp>:<raw body>`), as Slack computes it. */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export async function signedPost(url: string, body: string, secret: string, opts: SignOptions = {}): Promise<PostResult> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': opts.contentType ?? 'application/x-www-form-urlencoded',
      'X-Slack-Request-Timestamp': String(timestamp),
      'X-Slack-Signature': opts.signature ?? slackSignature(secret, timestamp, body),
    },
    body,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

const eventsUrl = (baseUrl: string) => `${baseUrl.replace(/\/$/, '')}/slack/events`;

/** Interactivity arrives as one form field: `payload=<url-encoded JSON>`. */
export function postPayload(baseUrl: string, secret: string, payload: Payload, opts?: SignOptions): Promise<PostResult> {
  return signedPost(eventsUrl(baseUrl), new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), secret, opts);
}

const userOf = (userId: string) => ({ id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: TEAM.id });

// ---- slash commands ----

export interface SlashCommandInput {
  text: string;
  userId: string;
  responseUrl: string;
  channelId?: string;
  triggerId?: string;
  command?: string;
}

export function slashCommandFields(input: SlashCommandInput): Record<string, string> {
  return {
    token: VERIFICATION_TOKEN,
    team_id: TEAM.id,
    team_domain: TEAM.domain,
    channel_id: input.channelId ?? 'C0GENERAL',
    channel_name: 'general',
    user_id: input.userId,
    user_name: input.userId.toLowerCase(),
    command: input.command ?? '/jit',
    text: input.text,
    api_app_id: APP_ID,
    is_enterprise_install: 'false',
    response_url: input.responseUrl,
    trigger_id: input.triggerId ?? newTriggerId(),
  };
}

export function slashCommand(baseUrl: string, secret: string, input: SlashCommandInput, opts?: SignOptions): Promise<PostResult> {
  return signedPost(eventsUrl(baseUrl), new URLSearchParams(slashCommandFields(input)).toString(), secret, opts);
}

// ---- block_actions ----

/** One entry of `view.state.values[block_id][action_id]`. */
export type StateValue = { type: string; [key: string]: unknown };
export type StateValues = Record<string, Record<string, StateValue>>;

export const textValue = (value: string | null, type = 'plain_text_input'): StateValue => ({ type, value });
export const selectValue = (value: string, text = value): StateValue => ({
  type: 'static_select',
  selected_option: { text: { type: 'plain_text', text, emoji: true }, value },
});

/** What the bot's view looked like when the user acted on it (e.g. `fake.view(id)` or a views.open call's `view`). */
export interface ViewContext {
  id: string;
  type?: 'modal' | 'home';
  callbackId?: string;
  privateMetadata?: string;
  values?: StateValues;
  /** Base view object (blocks, title, hash…) that the fields above override. */
  view?: Payload;
}

export interface BlockActionInput {
  userId: string;
  actionId: string;
  value?: string;
  blockId?: string;
  responseUrl?: string;
  triggerId?: string;
  channelId?: string;
  /** The message the button sits on; with messageBlocks the action's text and block_id are read from it. */
  messageTs?: string;
  messageBlocks?: unknown[];
  messageText?: string;
  /** Set when the action comes from a modal or the Home tab instead of a message. */
  view?: ViewContext;
  /** Merged into actions[0], e.g. `{type: 'static_select', selected_option: …}`. */
  action?: Payload;
}

export function viewObject(ctx: ViewContext): Payload {
  const base = ctx.view ?? {};
  return {
    team_id: TEAM.id,
    type: 'modal',
    blocks: [],
    title: { type: 'plain_text', text: 'JIT access' },
    close: null,
    submit: null,
    clear_on_close: false,
    notify_on_close: false,
    external_id: '',
    previous_view_id: null,
    app_id: APP_ID,
    bot_id: 'BBOT',
    app_installed_team_id: TEAM.id,
    hash: `h${Date.now()}`,
    private_metadata: '',
    callback_id: '',
    ...base,
    id: ctx.id,
    root_view_id: base.root_view_id ?? ctx.id,
    ...(ctx.type && { type: ctx.type }),
    ...(ctx.callbackId !== undefined && { callback_id: ctx.callbackId }),
    ...(ctx.privateMetadata !== undefined && { private_metadata: ctx.privateMetadata }),
    state: { values: ctx.values ?? {} },
  };
}

type Block = { block_id?: string; elements?: unknown[]; accessory?: unknown };

// Reads the clicked button out of the message, so the payload carries the
// same text and block_id Slack would report for it.
function findButton(blocks: unknown[] | undefined, actionId: string): { blockId?: string; text?: unknown; value?: unknown } {
  for (const block of (blocks ?? []) as Block[]) {
    const elements = [...(block.elements ?? []), ...(block.accessory ? [block.accessory] : [])] as Payload[];
    const hit = elements.find((e) => e.action_id === actionId);
    if (hit) return { blockId: block.block_id, text: hit.text, value: hit.value };
  }
  return {};
}

export function blockActionPayload(input: BlockActionInput): Payload {
  const channelId = input.channelId ?? 'C0GENERAL';
  const found = findButton(input.messageBlocks ?? (input.view?.view?.blocks as unknown[] | undefined), input.actionId);
  const actionTs = (Date.now() / 1000).toFixed(6);
  const action = {
    type: 'button',
    action_id: input.actionId,
    block_id: input.blockId ?? found.blockId ?? 'blk',
    text: found.text ?? { type: 'plain_text', text: input.actionId, emoji: true },
    value: input.value ?? found.value,
    action_ts: actionTs,
    ...input.action,
  };
  const onView = input.view !== undefined;
  const payload: Payload = {
    type: 'block_actions',
    user: userOf(input.userId),
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    container: onView
      ? { type: 'view', view_id: input.view?.id }
      : { type: 'message', message_ts: input.messageTs ?? actionTs, channel_id: channelId, is_ephemeral: false },
    trigger_id: input.triggerId ?? newTriggerId(),
    team: { ...TEAM },
    enterprise: null,
    is_enterprise_install: false,
    state: { values: input.view?.values ?? {} },
    actions: [action],
  };
  if (input.view) payload.view = viewObject(input.view);
  else payload.channel = { id: channelId, name: 'general' };
  if (!onView && input.messageTs !== undefined) {
    payload.message = {
      type: 'message',
      user: 'UBOT',
      bot_id: 'BBOT',
      app_id: APP_ID,
      team: TEAM.id,
      ts: input.messageTs,
      text: input.messageText ?? '',
      blocks: input.messageBlocks ?? [],
    };
  }
  if (input.responseUrl !== undefined) payload.response_url = input.responseUrl;
  return payload;
}

export function blockAction(baseUrl: string, secret: string, input: BlockActionInput, opts?: SignOptions): Promise<PostResult> {
  return postPayload(baseUrl, secret, blockActionPayload(input), opts);
}

/** block_actions from inside a modal: container type view, no channel or response_url. */
export function blockActionOnView(
  baseUrl: string,
  secret: string,
  input: Omit<BlockActionInput, 'view' | 'messageTs' | 'messageBlocks' | 'messageText' | 'channelId'> & { view: ViewContext },
  opts?: SignOptions,
): Promise<PostResult> {
  return postPayload(baseUrl, secret, blockActionPayload(input), opts);
}

// ---- view_submission ----

export interface ViewSubmissionInput {
  userId: string;
  callbackId?: string;
  privateMetadata?: string;
  values: StateValues;
  viewId?: string;
  triggerId?: string;
  /** The view as the bot opened it (blocks, title, hash…); explicit fields above win. */
  view?: Payload;
}

export function viewSubmissionPayload(input: ViewSubmissionInput): Payload {
  const id = input.viewId ?? (typeof input.view?.id === 'string' ? input.view.id : 'V0000000001');
  return {
    type: 'view_submission',
    team: { ...TEAM },
    user: userOf(input.userId),
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    trigger_id: input.triggerId ?? newTriggerId(),
    view: viewObject({ id, callbackId: input.callbackId, privateMetadata: input.privateMetadata, values: input.values, view: input.view }),
    response_urls: [],
    enterprise: null,
    is_enterprise_install: false,
  };
}

export function viewSubmission(baseUrl: string, secret: string, input: ViewSubmissionInput, opts?: SignOptions): Promise<PostResult> {
  return postPayload(baseUrl, secret, viewSubmissionPayload(input), opts);
}
