// Proves the fake Slack behaves like Slack for the parts the bot relies on,
// driven through the real @slack/web-api client so the wire format is real.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySlackRequest } from '@slack/bolt';
import { ErrorCode, LogLevel, WebClient, type Logger } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { validateBlocks, validateView, type Surface } from './block-kit.js';
import { startFakeSlack, type FakeSlack } from './fake-slack.js';
import {
  blockAction,
  blockActionOnView,
  newTriggerId,
  selectValue,
  signedPost,
  slackSignature,
  slashCommand,
  textValue,
  viewSubmission,
} from './slack-requests.js';

const silent: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};
const x = (n: number) => 'x'.repeat(n);
const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const section = (text: string) => ({ type: 'section', text: mrkdwn(text) });
const button = (extra: Record<string, unknown> = {}) => ({ type: 'button', action_id: 'approve', text: plain('Approve'), value: 'r1', ...extra });
const actions = (...elements: unknown[]) => ({ type: 'actions', elements });
const option = (value: string, text = value) => ({ text: plain(text), value });
const select = (extra: Record<string, unknown>) => ({ type: 'static_select', action_id: 'vm', options: [option('vm1')], ...extra });
const modal = (extra: Record<string, unknown> = {}) => ({
  type: 'modal',
  callback_id: 'req',
  title: plain('Request access'),
  submit: plain('Request'),
  blocks: [section('hi')],
  ...extra,
});
const input = (extra: Record<string, unknown> = {}) => ({
  type: 'input',
  block_id: 'why',
  label: plain('Why'),
  element: { type: 'plain_text_input', action_id: 'v' },
  ...extra,
});

let fake: FakeSlack;
let client: WebClient;
const clientFor = (token: string, extra: Record<string, unknown> = {}) =>
  new WebClient(token, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, logger: silent, ...extra });

/** Slack's answer whether ok or not: the client throws platform errors, we want to look at them. */
async function call(method: string, args: Record<string, unknown>, c = client): Promise<Record<string, unknown>> {
  try {
    return (await c.apiCall(method, args)) as unknown as Record<string, unknown>;
  } catch (err) {
    const e = err as { code?: string; data?: Record<string, unknown> };
    if (e.code === ErrorCode.PlatformError && e.data) return e.data;
    throw err;
  }
}

beforeAll(async () => {
  fake = await startFakeSlack({ groups: { S0ONCALL: ['U1', 'U2'] } });
  client = clientFor('xoxb-test');
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

describe('fake Slack Web API', () => {
  it('recordsCalls_madeThroughRealWebClient_inOrderWithParsedArgs', async () => {
    const auth = await client.auth.test();
    expect(auth).toMatchObject({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' });
    const blocks = [section('*VM* `web-1`'), actions(button())];
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'Access request', blocks: blocks as never });
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    const next = await client.chat.postMessage({ channel: 'C1', text: 'next' });
    expect(Number(next.ts)).toBeGreaterThan(Number(posted.ts));

    expect(fake.calls.map((c) => c.method)).toEqual(['auth.test', 'chat.postMessage', 'chat.postMessage']);
    const [, post] = fake.calls;
    expect(post).toMatchObject({ token: 'xoxb-test', args: { channel: 'C1', text: 'Access request', blocks } });
    expect(post?.args.token).toBeUndefined();
    expect(fake.callsTo('chat.postMessage')).toHaveLength(2);
    expect(fake.rejected()).toEqual([]);
  });

  it('postMessage_givesIncreasingTs_andDmChannelForUserId', async () => {
    const a = await client.chat.postMessage({ channel: 'U123ABC', text: 'hi' });
    const b = await client.chat.postMessage({ channel: 'C1', text: 'hi' });
    expect(a.channel).toBe('D123ABC');
    expect(Number(b.ts)).toBeGreaterThan(Number(a.ts));
    const open = await client.conversations.open({ users: 'U123ABC' });
    expect(open.channel?.id).toBe('D123ABC');
  });

  it('chatUpdate_ofUnknownTs_failsAndOfPostedTs_updatesTheMessage', async () => {
    expect(await call('chat.update', { channel: 'C1', ts: '1.000001', text: 'x' })).toMatchObject({ ok: false, error: 'message_not_found' });
    const { channel, ts } = await client.chat.postMessage({ channel: 'U9', text: 'pending' });
    expect(await call('chat.update', { channel: 'U9', ts, text: 'x' })).toMatchObject({ error: 'message_not_found' });
    await client.chat.update({ channel: channel!, ts: ts!, text: 'approved' });
    expect(fake.message(channel!, ts!)).toMatchObject({ text: 'approved', updates: 1 });
  });

  it('answers_authUsersAndGroups_likeSlack', async () => {
    expect(await call('auth.test', {}, clientFor('xoxb-wrong'))).toMatchObject({ ok: false, error: 'invalid_auth' });
    expect(await call('users.info', { user: 'U1' })).toMatchObject({ ok: true, user: { id: 'U1', deleted: false } });
    expect(await call('usergroups.users.list', { usergroup: 'S0ONCALL' })).toMatchObject({ users: ['U1', 'U2'] });
    expect(await call('usergroups.users.list', { usergroup: 'S0NOPE' })).toMatchObject({ error: 'no_such_subteam' });
    expect(await call('chat.postEphemeral', { channel: 'C1', user: 'U1', text: 'only you' })).toMatchObject({ ok: true, message_ts: expect.any(String) });
    expect(await call('nope.method', {})).toMatchObject({ ok: false, error: 'unknown_method' });
  });

  it('conversationsInfo_answersLikeSlack_andFollowsTheChannelsATestSets', async () => {
    expect(await call('conversations.info', { channel: 'CAUDIT' })).toMatchObject({ ok: true, channel: { id: 'CAUDIT', name: 'caudit', is_member: true } });
    fake.channels.CGONE = null;
    fake.channels.COUTSIDE = { name: 'outside', is_member: false };
    fake.channels.GSECRET = { is_private: true, is_member: false };
    try {
      expect(await call('conversations.info', { channel: 'CGONE' })).toMatchObject({ ok: false, error: 'channel_not_found' });
      expect(await call('conversations.info', { channel: 'COUTSIDE' })).toMatchObject({ ok: true, channel: { name: 'outside', is_member: false } });
      // A private channel the bot is not in is invisible to it, as on Slack.
      expect(await call('conversations.info', { channel: 'GSECRET' })).toMatchObject({ ok: false, error: 'channel_not_found' });
      fake.channels.COUTSIDE = { name: 'outside', is_member: true };
      expect(await call('conversations.info', { channel: 'COUTSIDE' })).toMatchObject({ channel: { is_member: true } });
    } finally {
      for (const id of ['CGONE', 'COUTSIDE', 'GSECRET']) delete fake.channels[id];
    }
  });

  it('views_openUpdatePublish_keepIdsHashesAndTriggers', async () => {
    const trigger = newTriggerId();
    const opened = await call('views.open', { trigger_id: trigger, view: modal() });
    const view = opened.view as { id: string; hash: string };
    expect(view.id).toMatch(/^V/);
    expect(await call('views.open', { trigger_id: trigger, view: modal() })).toMatchObject({ error: 'exchanged_trigger_id' });
    expect(await call('views.update', { view: modal() })).toMatchObject({ error: 'invalid_arguments' });
    expect(await call('views.update', { view_id: view.id, hash: 'stale', view: modal() })).toMatchObject({ error: 'hash_conflict' });
    const updated = await call('views.update', { view_id: view.id, hash: view.hash, view: modal({ private_metadata: 'r1' }) });
    expect(updated.view).toMatchObject({ id: view.id, private_metadata: 'r1' });
    expect(await call('views.publish', { user_id: 'U1', view: { type: 'home', blocks: [section('home')] } })).toMatchObject({ ok: true });
  });

  it('messageBody_withoutTextOrOverLong_isRefused', async () => {
    expect(await call('chat.postMessage', { channel: 'C1' })).toMatchObject({ error: 'no_text' });
    expect(await call('chat.postMessage', { channel: 'C1', text: x(40001) })).toMatchObject({ error: 'msg_too_long' });
    expect(await call('chat.postMessage', { channel: 'C1', text: x(40000) })).toMatchObject({ ok: true });
  });
});

// One row per limit in reference/slack.md: `build(n)` makes the payload with the
// limited thing at size n; size `max` must pass and `max + 1` must fail at `path`.
const limitRows: { limit: string; surface: Surface; max: number; path: string; build: (n: number) => unknown }[] = [
  { limit: 'blocks per message', surface: 'message', max: 50, path: '/blocks', build: (n) => Array.from({ length: n }, () => ({ type: 'divider' })) },
  {
    limit: 'blocks per modal',
    surface: 'modal',
    max: 100,
    path: '/view/blocks',
    build: (n) => modal({ blocks: Array.from({ length: n }, () => ({ type: 'divider' })) }),
  },
  {
    limit: 'blocks per home tab',
    surface: 'home',
    max: 100,
    path: '/view/blocks',
    build: (n) => ({ type: 'home', blocks: Array.from({ length: n }, () => ({ type: 'divider' })) }),
  },
  { limit: 'section text', surface: 'message', max: 3000, path: '/blocks/0/text/text', build: (n) => [section(x(n))] },
  {
    limit: 'section fields count',
    surface: 'message',
    max: 10,
    path: '/blocks/0/fields',
    build: (n) => [{ type: 'section', fields: Array.from({ length: n }, () => mrkdwn('f')) }],
  },
  { limit: 'section field text', surface: 'message', max: 2000, path: '/blocks/0/fields/0/text', build: (n) => [{ type: 'section', fields: [mrkdwn(x(n))] }] },
  { limit: 'header text', surface: 'message', max: 150, path: '/blocks/0/text/text', build: (n) => [{ type: 'header', text: plain(x(n)) }] },
  { limit: 'button text', surface: 'message', max: 75, path: '/blocks/0/elements/0/text/text', build: (n) => [actions(button({ text: plain(x(n)) }))] },
  { limit: 'button value', surface: 'message', max: 2000, path: '/blocks/0/elements/0/value', build: (n) => [actions(button({ value: x(n) }))] },
  { limit: 'action_id', surface: 'message', max: 255, path: '/blocks/0/elements/0/action_id', build: (n) => [actions(button({ action_id: x(n) }))] },
  { limit: 'block_id', surface: 'message', max: 255, path: '/blocks/0/block_id', build: (n) => [{ ...section('a'), block_id: x(n) }] },
  { limit: 'callback_id', surface: 'modal', max: 255, path: '/view/callback_id', build: (n) => modal({ callback_id: x(n) }) },
  { limit: 'modal title', surface: 'modal', max: 24, path: '/view/title/text', build: (n) => modal({ title: plain(x(n)) }) },
  { limit: 'modal submit', surface: 'modal', max: 24, path: '/view/submit/text', build: (n) => modal({ submit: plain(x(n)) }) },
  { limit: 'modal close', surface: 'modal', max: 24, path: '/view/close/text', build: (n) => modal({ close: plain(x(n)) }) },
  { limit: 'private_metadata', surface: 'modal', max: 3000, path: '/view/private_metadata', build: (n) => modal({ private_metadata: x(n) }) },
  {
    limit: 'static select options',
    surface: 'message',
    max: 100,
    path: '/blocks/0/elements/0/options',
    build: (n) => [actions(select({ options: Array.from({ length: n }, (_, i) => option(`o${i}`)) }))],
  },
  {
    limit: 'option text',
    surface: 'message',
    max: 75,
    path: '/blocks/0/elements/0/options/0/text/text',
    build: (n) => [actions(select({ options: [option('v', x(n))] }))],
  },
  {
    limit: 'actions elements',
    surface: 'message',
    max: 25,
    path: '/blocks/0/elements',
    build: (n) => [actions(...Array.from({ length: n }, (_, i) => button({ action_id: `a${i}` })))],
  },
  {
    limit: 'context elements',
    surface: 'message',
    max: 10,
    path: '/blocks/0/elements',
    build: (n) => [{ type: 'context', elements: Array.from({ length: n }, () => mrkdwn('c')) }],
  },
  {
    limit: 'placeholder',
    surface: 'message',
    max: 150,
    path: '/blocks/0/elements/0/placeholder/text',
    build: (n) => [actions(select({ placeholder: plain(x(n)) }))],
  },
  { limit: 'input label', surface: 'modal', max: 2000, path: '/view/blocks/0/label/text', build: (n) => modal({ blocks: [input({ label: plain(x(n)) })] }) },
  { limit: 'input hint', surface: 'modal', max: 2000, path: '/view/blocks/0/hint/text', build: (n) => modal({ blocks: [input({ hint: plain(x(n)) })] }) },
];

// Shapes Slack refuses regardless of size.
const shapeRows: { rule: string; surface: Surface; path: string; payload: unknown }[] = [
  { rule: 'section text empty', surface: 'message', path: '/blocks/0/text/text', payload: [section('')] },
  { rule: 'section without text or fields', surface: 'message', path: '/blocks/0', payload: [{ type: 'section' }] },
  {
    rule: 'block_id unique in a message',
    surface: 'message',
    path: '/blocks/1/block_id',
    payload: [
      { ...section('a'), block_id: 'b' },
      { ...section('b'), block_id: 'b' },
    ],
  },
  { rule: 'block_id unique in a view', surface: 'modal', path: '/view/blocks/1/block_id', payload: modal({ blocks: [input(), input()] }) },
  { rule: 'text object type', surface: 'message', path: '/blocks/0/text/type', payload: [{ type: 'section', text: { type: 'markdown', text: 'a' } }] },
  { rule: 'text object text is a string', surface: 'message', path: '/blocks/0/text/text', payload: [{ type: 'section', text: { type: 'mrkdwn', text: 5 } }] },
  { rule: 'header is plain_text', surface: 'message', path: '/blocks/0/text/type', payload: [{ type: 'header', text: mrkdwn('h') }] },
  { rule: 'modal title is plain_text', surface: 'modal', path: '/view/title/type', payload: modal({ title: mrkdwn('t') }) },
  { rule: 'modal title present', surface: 'modal', path: '/view/title', payload: modal({ title: undefined }) },
  { rule: 'input blocks need submit', surface: 'modal', path: '/view/submit', payload: modal({ submit: undefined, blocks: [input()] }) },
  { rule: 'unknown block type', surface: 'message', path: '/blocks/0/type', payload: [{ type: 'sectoin', text: mrkdwn('a') }] },
  {
    rule: 'initial_option among options',
    surface: 'message',
    path: '/blocks/0/elements/0/initial_option',
    payload: [actions(select({ initial_option: option('vm9') }))],
  },
];

async function send(surface: Surface, payload: unknown): Promise<Record<string, unknown>> {
  if (surface === 'message') return call('chat.postMessage', { channel: 'C1', text: 'fallback', blocks: payload });
  if (surface === 'home') return call('views.publish', { user_id: 'U1', view: payload });
  return call('views.open', { trigger_id: newTriggerId(), view: payload });
}
const validate = (surface: Surface, payload: unknown) => (surface === 'message' ? validateBlocks(payload, surface) : validateView(payload));
const errorCode = (surface: Surface) => (surface === 'message' ? 'invalid_blocks' : 'invalid_arguments');

describe('Block Kit limits', () => {
  it.each(limitRows)('$limit: $max passes, one more is refused at $path', async ({ surface, max, path, build }) => {
    expect(validate(surface, build(max))).toEqual([]);
    expect(await send(surface, build(max))).toMatchObject({ ok: true });

    const refused = await send(surface, build(max + 1));
    expect(refused).toMatchObject({ ok: false, error: errorCode(surface) });
    expect(refused.errors).toEqual([expect.stringMatching(new RegExp(`^${path}: `))]);
    expect(validate(surface, build(max + 1))).toEqual(refused.errors);
  });

  it.each(shapeRows)('$rule is refused at $path', async ({ surface, path, payload }) => {
    const refused = await send(surface, payload);
    expect(refused).toMatchObject({ ok: false, error: errorCode(surface) });
    expect(refused.errors).toContainEqual(expect.stringMatching(new RegExp(`^${path}: `)));
  });

  it('acceptsRealisticApprovalMessageAndRequestModal', async () => {
    const message = [
      { type: 'header', text: plain('Access request r1') },
      { type: 'section', block_id: 'summary', text: mrkdwn('<@U1> wants *web-1* port 22'), fields: [mrkdwn('*Source*\n10.0.0.1/32'), mrkdwn('*For*\n3h')] },
      { type: 'context', elements: [mrkdwn('Rule `prod-needs-2`')] },
      actions(
        button({ style: 'primary' }),
        button({
          action_id: 'deny',
          text: plain('Deny'),
          style: 'danger',
          confirm: { title: plain('Deny?'), text: mrkdwn('Sure?'), confirm: plain('Deny'), deny: plain('Back') },
        }),
      ),
    ];
    expect(await send('message', message)).toMatchObject({ ok: true });
    const view = modal({
      private_metadata: JSON.stringify({ channel: 'C1' }),
      blocks: [
        { type: 'input', block_id: 'vm', label: plain('VM'), element: select({ initial_option: option('vm1'), placeholder: plain('Pick a VM') }) },
        input({ hint: plain('Shown to approvers'), optional: true }),
      ],
    });
    expect(await send('modal', view)).toMatchObject({ ok: true });
    expect(fake.rejected()).toEqual([]);
  });
});

describe('scripted failures', () => {
  it('scripted429_reachesClientAsRateLimitError_thenCallsSucceed', async () => {
    fake.failNext('chat.postMessage', 1, { status: 429, retryAfter: 1 });
    const rejecting = clientFor('xoxb-test', { rejectRateLimitedCalls: true });
    await expect(rejecting.chat.postMessage({ channel: 'C1', text: 'a' })).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 1 });
    await expect(rejecting.chat.postMessage({ channel: 'C1', text: 'a' })).resolves.toMatchObject({ ok: true });
    expect(fake.calls.map((c) => [c.status, c.scripted])).toEqual([
      [429, true],
      [200, false],
    ]);
  });

  it('scripted429_isRetriedByClientThatRetries', async () => {
    fake.failNext('chat.postMessage', 1, { status: 429, retryAfter: 0 });
    const retrying = clientFor('xoxb-test', { retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 } });
    await expect(retrying.chat.postMessage({ channel: 'C1', text: 'a' })).resolves.toMatchObject({ ok: true });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(2);
  });

  it('scripted500AndPlatformErrors_reachClient_forCountCallsOnly', async () => {
    fake.failNext('chat.postMessage', 1, { status: 500 });
    fake.failNext('*', 2, { ok: false, error: 'channel_not_found' });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'a' })).rejects.toMatchObject({ code: ErrorCode.HTTPError, statusCode: 500 });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'a' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    await expect(client.auth.test()).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
    expect(fake.rejected()).toEqual([]);
  });
});

describe('waiting and response_url', () => {
  it('waitFor_resolvesWhenCallArrives_andTimesOutListingCallsSeen', async () => {
    const waiting = fake.waitFor((c) => c.method === 'chat.postMessage' && c.args.text === 'second');
    await client.chat.postMessage({ channel: 'C1', text: 'first' });
    await client.chat.postMessage({ channel: 'C1', text: 'second' });
    await expect(waiting).resolves.toMatchObject({ args: { text: 'second' } });
    await expect(fake.waitFor('chat.postMessage', { from: fake.calls.length, timeoutMs: 50 })).rejects.toThrow(
      /chat\.postMessage did not arrive[\s\S]*#0 chat\.postMessage channel=C1 text="first" → ok/,
    );
  });

  it('responseUrl_recordsJsonBodies_andRefusesBadBlocks', async () => {
    const url = fake.responseUrl('abc');
    const waiting = fake.waitForResponse((r) => r.id === 'abc');
    const ok = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'done', replace_original: true }),
    });
    expect(ok.status).toBe(200);
    await expect(waiting).resolves.toMatchObject({ status: 200, body: { text: 'done', replace_original: true } });

    const bad = await fetch(fake.responseUrl(), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 't', blocks: [section(x(3001))] }),
    });
    expect(bad.status).toBe(400);
    expect(fake.responses[1]?.errors).toEqual([expect.stringContaining('/blocks/0/text/text')]);
  });
});

describe('file uploads (files.uploadV2)', () => {
  it('uploadV2_toADm_recordsTheBytesWithNameTitleAndComment', async () => {
    const content = 'time,vm\r\n2026-01-01T00:00:00.000Z,wéb-1 ✓\r\n';
    await client.files.uploadV2({ channel_id: 'DU1', filename: 'audit.csv', title: 'Audit', content, initial_comment: 'here it is' });
    expect(fake.callsTo('files.getUploadURLExternal')[0]?.args).toMatchObject({ filename: 'audit.csv', length: String(Buffer.byteLength(content)) });
    expect(fake.files).toEqual([
      { id: expect.stringMatching(/^F/), filename: 'audit.csv', title: 'Audit', channel: 'DU1', initialComment: 'here it is', content: Buffer.from(content) },
    ]);
    expect(fake.rejected()).toEqual([]);
  });

  it('completeWithoutTheBytes_isFileNotFound', async () => {
    const reserved = await call('files.getUploadURLExternal', { filename: 'a.csv', length: 3 });
    expect(reserved).toMatchObject({ ok: true, upload_url: expect.stringContaining('/upload/'), file_id: expect.any(String) });
    expect(await call('files.completeUploadExternal', { files: [{ id: reserved.file_id }], channel_id: 'C1' })).toMatchObject({
      ok: false,
      error: 'file_not_found',
    });
    expect(fake.files).toEqual([]);
  });

  it('uploadUrl_refusesBytesOfAnotherLength_andUnknownIds', async () => {
    const reserved = await call('files.getUploadURLExternal', { filename: 'a.csv', length: 3 });
    const wrong = await fetch(String(reserved.upload_url), { method: 'POST', body: 'four' });
    expect(wrong.status).toBe(400);
    const right = await fetch(String(reserved.upload_url), { method: 'POST', body: 'abc' });
    expect(right.status).toBe(200);
    expect((await fetch(`${fake.url}/upload/F404`, { method: 'POST', body: 'abc' })).status).toBe(404);
    expect(await call('files.getUploadURLExternal', { filename: '', length: 3 })).toMatchObject({ ok: false, error: 'invalid_arguments' });
  });
});

// A stand-in for the bot: captures what the request helpers send.
describe('signed Slack requests', () => {
  let server: Server;
  let base: string;
  let seen: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.end('');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    seen = [];
  });
  afterAll(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  const last = () => seen[seen.length - 1]!;
  // biome-ignore lint/suspicious/noExplicitAny: the tests walk Slack's payload shapes freely
  const payloadOf = () => JSON.parse(new URLSearchParams(last().body).get('payload')!) as Record<string, any>;

  it('signature_verifiesWithIndependentHmacAndWithBolt', async () => {
    const res = await signedPost(`${base}/slack/events`, 'a=1&b=two+words', 's3cret', { timestamp: 1700000000 });
    expect(res.status).toBe(200);
    const { headers, body } = last();
    const expected = `v0=${createHmac('sha256', 's3cret').update(`v0:1700000000:${body}`).digest('hex')}`;
    expect(headers['x-slack-signature']).toBe(expected);
    expect(slackSignature('s3cret', 1700000000, body)).toBe(expected);
    expect(headers['x-slack-request-timestamp']).toBe('1700000000');
    expect(headers['content-type']).toBe('application/x-www-form-urlencoded');

    const now = Math.floor(Date.now() / 1000);
    await signedPost(`${base}/x`, 'a=1', 's3cret');
    const fresh = {
      'x-slack-signature': String(last().headers['x-slack-signature']),
      'x-slack-request-timestamp': Number(last().headers['x-slack-request-timestamp']),
    };
    expect(Math.abs(fresh['x-slack-request-timestamp'] - now)).toBeLessThan(5);
    expect(() => verifySlackRequest({ signingSecret: 's3cret', body: 'a=1', headers: fresh })).not.toThrow();
    expect(() => verifySlackRequest({ signingSecret: 'other', body: 'a=1', headers: fresh })).toThrow();

    await signedPost(`${base}/x`, 'a=1', 's3cret', { signature: 'v0=forged' });
    expect(last().headers['x-slack-signature']).toBe('v0=forged');
  });

  it('slashCommand_postsEveryFieldSlackSends', async () => {
    await slashCommand(base, 'sec', { text: 'request web-1 22', userId: 'U1', responseUrl: 'http://r/1' });
    expect(last().url).toBe('/slack/events');
    const fields = Object.fromEntries(new URLSearchParams(last().body));
    for (const key of [
      'token',
      'command',
      'text',
      'response_url',
      'trigger_id',
      'user_id',
      'user_name',
      'team_id',
      'team_domain',
      'channel_id',
      'channel_name',
      'api_app_id',
    ]) {
      expect(fields[key], key).toBeTruthy();
    }
    expect(fields).toMatchObject({ command: '/jit', text: 'request web-1 22', user_id: 'U1', response_url: 'http://r/1' });
  });

  it('blockAction_carriesMessageAndTheClickedButton', async () => {
    const blocks = [{ ...actions(button(), button({ action_id: 'deny', text: plain('Deny') })), block_id: 'decide' }];
    await blockAction(base, 'sec', {
      userId: 'U2',
      actionId: 'deny',
      value: 'r1',
      messageTs: '1700000000.000100',
      channelId: 'C9',
      messageBlocks: blocks,
      responseUrl: 'http://r/2',
    });
    const p = payloadOf();
    expect(p).toMatchObject({
      type: 'block_actions',
      user: { id: 'U2' },
      team: { id: 'T1' },
      channel: { id: 'C9' },
      response_url: 'http://r/2',
      container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C9' },
      message: { ts: '1700000000.000100', blocks },
      actions: [{ type: 'button', action_id: 'deny', block_id: 'decide', value: 'r1', text: { text: 'Deny' } }],
    });
    expect(p.trigger_id).toEqual(expect.any(String));
  });

  it('viewPayloads_carryStateCallbackAndMetadata', async () => {
    await viewSubmission(base, 'sec', {
      userId: 'U1',
      callbackId: 'req',
      privateMetadata: '{"c":1}',
      viewId: 'V1',
      values: { why: { v: textValue('deploy') }, vm: { vm: selectValue('vm1') } },
    });
    expect(payloadOf()).toMatchObject({
      type: 'view_submission',
      user: { id: 'U1' },
      view: {
        id: 'V1',
        callback_id: 'req',
        private_metadata: '{"c":1}',
        state: { values: { why: { v: { value: 'deploy' } }, vm: { vm: { selected_option: { value: 'vm1' } } } } },
      },
    });
    await blockActionOnView(base, 'sec', {
      userId: 'U1',
      actionId: 'vm',
      view: { id: 'V1', callbackId: 'req' },
      action: { type: 'static_select', selected_option: { value: 'vm2' } },
    });
    const p = payloadOf();
    expect(p).toMatchObject({
      type: 'block_actions',
      container: { type: 'view', view_id: 'V1' },
      view: { id: 'V1', callback_id: 'req' },
      actions: [{ type: 'static_select', action_id: 'vm' }],
    });
    expect(p.channel).toBeUndefined();
  });
});
