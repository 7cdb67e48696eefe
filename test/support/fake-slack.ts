// A fake Slack Web API on loopback, in the spirit of Teleport's fake Slack
// server: it records every call in order, answers the way Slack does, and
// refuses Block Kit that Slack would refuse, so the e2e suite catches an
// over-long field here rather than in a real workspace. It also plays the
// `response_url` endpoint that Bolt's respond() posts to.
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateBlocks, validateView } from './block-kit.js';

export type Args = Record<string, unknown>;
export type Reply = { ok: boolean; [key: string]: unknown };

export interface RecordedCall {
  method: string;
  /** Arguments with JSON-valued fields (blocks, view, …) parsed; `token` moved to `token`. */
  args: Args;
  token: string | undefined;
  at: number;
  status: number;
  response: Reply;
  /** True when the answer came from failNext(), not from the fake's own rules. */
  scripted: boolean;
}

export interface RecordedResponse {
  id: string;
  body: Args;
  at: number;
  status: number;
  errors: string[];
}

/**
 * `{status}` answers with that HTTP status (429 adds Retry-After); `{ok:false,…}` is an HTTP 200 platform error.
 * `applied: true` does the call first and then answers with the status: Slack did it, the answer was lost.
 */
export type ScriptedFailure = { status: number; retryAfter?: number; applied?: boolean } | { ok: false; error: string; [key: string]: unknown };

export interface FakeSlackOptions {
  /** Bot token the fake accepts; default `xoxb-test`. */
  token?: string;
  /** usergroups.users.list answers from here; mutable later through `fake.groups`. */
  groups?: Record<string, string[]>;
  /** users.info overrides per user id, merged over a generated user. */
  users?: Record<string, Args>;
  /** Extra or replacement Web API methods for one test. */
  methods?: Record<string, (args: Args) => Reply>;
  /**
   * conversations.info answers from here, merged over a public channel named
   * after its ID with the bot in it (any ID not listed exists so). `null`: the
   * channel does not exist. A private channel without the bot is, as on Slack,
   * `channel_not_found`. Mutable later through `fake.channels`.
   */
  channels?: Record<string, Args | null>;
  /** Listen on this port (a test that starts Slack after the bot); default any free one. */
  port?: number;
}

export interface WaitOptions {
  timeoutMs?: number;
  /** Ignore items before this index (e.g. `fake.calls.length` taken before acting). */
  from?: number;
}

/** A file shared with files.uploadV2: getUploadURLExternal, the bytes posted to the upload URL, completeUploadExternal. */
export interface UploadedFile {
  id: string;
  filename: string;
  title?: string;
  /** Where completeUploadExternal shared it (a user ID becomes that user's DM); absent: private. */
  channel?: string;
  initialComment?: string;
  /** The bytes exactly as uploaded. */
  content: Buffer;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  text?: unknown;
  blocks?: unknown;
  thread_ts?: unknown;
  metadata?: unknown;
  updates: number;
  /** Posted by another app (its bot id), not by this bot. */
  botId?: string;
}

export interface FakeSlack {
  url: string;
  /** What to give WebClient/Bolt as `slackApiUrl` / SLACK_API_URL. */
  apiUrl: string;
  calls: readonly RecordedCall[];
  responses: readonly RecordedResponse[];
  /** Mutate in place to change group membership mid-test (the handlers hold this object). */
  readonly groups: Record<string, string[]>;
  /** Mutate in place to create channels or invite the bot mid-test (see FakeSlackOptions.channels). */
  readonly channels: Record<string, Args | null>;
  callsTo(method: string): RecordedCall[];
  /** Calls the fake refused on its own (bad blocks, bad token, …), not scripted failures. */
  rejected(): RecordedCall[];
  waitFor(match: string | ((call: RecordedCall) => boolean), opts?: WaitOptions): Promise<RecordedCall>;
  /** The next `count` calls of `method` (`*`: any) that `when` accepts (default: all) get `response`. */
  failNext(method: string, count: number, response: ScriptedFailure, when?: (args: Args) => boolean): void;
  responseUrl(id?: string): string;
  waitForResponse(match?: (r: RecordedResponse) => boolean, opts?: WaitOptions): Promise<RecordedResponse>;
  /** A posted message as it stands after any chat.update. */
  message(channel: string, ts: string): PostedMessage | undefined;
  /** A view as it stands after any views.update. */
  view(id: string): Args | undefined;
  /** A message another app (bot id `botId`, default BOTHER) posted in `channel`, metadata and all, as Slack would store it. */
  postAsAnotherApp(channel: string, message: { text: string; metadata?: unknown; thread_ts?: string; botId?: string }): string;
  /** Files whose upload was completed, in order. */
  files: readonly UploadedFile[];
  reset(): void;
  close(): Promise<void>;
}

// Form-encoded clients send these as JSON strings; Slack parses them, so do we.
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata', 'files', 'unfurls']);

const isHttpFailure = (s: ScriptedFailure): s is { status: number; retryAfter?: number; applied?: boolean } => !('ok' in s);
const fail = (error: string, extra: Args = {}): Reply => ({ ok: false, error, ...extra });
const blockError = (error: string, errors: string[]): Reply => fail(error, { errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } });
// Slack answers a message to a user id in the DM channel with that user.
const dmFor = (channel: string): string => (/^[UW][A-Z0-9]+$/.test(channel) ? `D${channel.slice(1)}` : channel);

function parseBody(raw: string, contentType: string | undefined): Args {
  if (contentType?.startsWith('application/json')) {
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    return typeof parsed === 'object' && parsed !== null ? (parsed as Args) : {};
  }
  const args: Args = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    args[key] = JSON_FIELDS.has(key) ? tryJson(value) : value;
  }
  return args;
}

function tryJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value; // left as a string so validation reports it as malformed
  }
}

/** The checks Slack makes on any message body (chat.* and response_url). */
function messageProblems(a: Args): Reply | undefined {
  if (a.text === undefined && a.blocks === undefined && a.attachments === undefined) return fail('no_text');
  if (typeof a.text === 'string' && a.text.length > 40000) return fail('msg_too_long');
  if (a.blocks === undefined) return undefined;
  if (typeof a.blocks === 'string') return fail('invalid_blocks_format');
  const errors = validateBlocks(a.blocks, 'message');
  return errors.length > 0 ? blockError('invalid_blocks', errors) : undefined;
}

function describeCall(c: RecordedCall, i: number): string {
  const outcome = c.response.ok ? 'ok' : `${String(c.response.error)}${c.scripted ? ' (scripted)' : ''}`;
  const errors = Array.isArray(c.response.errors) ? ` ${c.response.errors.join('; ')}` : '';
  const text = typeof c.args.text === 'string' ? ` text=${JSON.stringify(c.args.text.slice(0, 80))}` : '';
  return `  #${i} ${c.method}${c.args.channel ? ` channel=${String(c.args.channel)}` : ''}${text} → ${outcome}${errors}`;
}

class State {
  private lastMicros = 0;
  private viewCounter = 0;
  private hashCounter = 0;
  readonly messages = new Map<string, PostedMessage>();
  readonly views = new Map<string, Args>();
  readonly usedTriggers = new Set<string>();
  /** files.getUploadURLExternal reservations, by file id; `content` once the bytes arrived. */
  readonly uploads = new Map<string, { filename: string; length: number; content?: Buffer }>();
  readonly files: UploadedFile[] = [];
  private fileCounter = 0;
  /** The fake's own base URL, known once it listens (upload URLs point back at it). */
  baseUrl = '';

  nextFileId(): string {
    return `F${String(++this.fileCounter).padStart(10, '0')}`;
  }

  // Increasing, unique, and shaped like Slack's (seconds.micros of the wall
  // clock), so `oldest` / `latest` filters compare as they do on Slack.
  nextTs(): string {
    this.lastMicros = Math.max(Date.now() * 1000, this.lastMicros + 100);
    return `${Math.floor(this.lastMicros / 1e6)}.${String(this.lastMicros % 1e6).padStart(6, '0')}`;
  }

  storeView(view: Args, previous?: Args): Args {
    const id = previous ? String(previous.id) : `V${String(++this.viewCounter).padStart(10, '0')}`;
    const stored: Args = {
      private_metadata: '',
      callback_id: '',
      external_id: '',
      ...view,
      id,
      team_id: 'T1',
      app_id: 'A1',
      bot_id: 'BBOT',
      state: { values: {} },
      hash: `h${Date.now()}.${++this.hashCounter}`, // changes on every update, as Slack's does
      root_view_id: previous?.root_view_id ?? id,
      previous_view_id: null,
    };
    this.views.set(id, stored);
    return stored;
  }

  clear(): void {
    this.messages.clear();
    this.views.clear();
    this.usedTriggers.clear();
    this.uploads.clear();
    this.files.length = 0;
  }
}

/** `oldest` / `latest` as Slack reads them: exclusive unless `inclusive`. */
function inWindow(ts: string, a: Args): boolean {
  const inclusive = a.inclusive === true || a.inclusive === 'true';
  const after = (bound: unknown) => bound === undefined || (inclusive ? Number(ts) >= Number(bound) : Number(ts) > Number(bound));
  const before = (bound: unknown) => bound === undefined || (inclusive ? Number(ts) <= Number(bound) : Number(ts) < Number(bound));
  return after(a.oldest) && before(a.latest);
}

/**
 * Message objects as Slack returns them: metadata only when asked for, one page of `limit` (default 100) with a cursor;
 * a thread's parent with its `reply_count` (history), as Slack marks the messages whose replies conversations.replies reads.
 */
function pageOf(found: PostedMessage[], a: Args, repliesTo: (m: PostedMessage) => number = () => 0): Reply {
  const withMetadata = a.include_all_metadata === true || a.include_all_metadata === 'true';
  const limit = Math.max(1, Math.min(999, Number(a.limit ?? 100) || 100));
  const start = typeof a.cursor === 'string' && a.cursor !== '' ? Number(a.cursor) : 0;
  const page = found.slice(start, start + limit).map((m) => ({
    type: 'message',
    user: m.botId === undefined ? 'UBOT' : 'UOTHERAPP',
    bot_id: m.botId ?? 'BBOT',
    ts: m.ts,
    text: m.text ?? '',
    blocks: m.blocks,
    ...(m.thread_ts === undefined ? {} : { thread_ts: m.thread_ts }),
    ...(repliesTo(m) > 0 ? { thread_ts: m.ts, reply_count: repliesTo(m) } : {}),
    ...(withMetadata && m.metadata !== undefined ? { metadata: m.metadata } : {}),
  }));
  const more = start + limit < found.length;
  return { ok: true, messages: page, has_more: more, response_metadata: { next_cursor: more ? String(start + limit) : '' } };
}

function builtInMethods(
  state: State,
  options: FakeSlackOptions,
  groups: Record<string, string[]>,
  channels: Record<string, Args | null>,
): Record<string, (a: Args) => Reply> {
  const key = (channel: unknown, ts: unknown) => `${String(channel)}|${String(ts)}`;
  const openView = (a: Args): Reply => {
    if (typeof a.trigger_id !== 'string' || a.trigger_id === '') return fail('invalid_arguments', { errors: ['trigger_id is required'] });
    // A trigger_id opens one view only; reusing it is a bug Slack reports like this.
    if (state.usedTriggers.has(a.trigger_id)) return fail('exchanged_trigger_id');
    const errors = validateView(a.view);
    if (errors.length > 0) return blockError('invalid_arguments', errors);
    if ((a.view as Args).type !== 'modal') return fail('invalid_arguments', { errors: ['/view/type: must be modal'] });
    state.usedTriggers.add(a.trigger_id);
    return { ok: true, view: state.storeView(a.view as Args) };
  };
  return {
    'auth.test': () => ({
      ok: true,
      url: 'https://test.slack.com/',
      team: 'Test',
      user: 'jit',
      team_id: 'T1',
      user_id: 'UBOT',
      bot_id: 'BBOT',
      is_enterprise_install: false,
    }),
    'chat.postMessage': (a) => {
      if (!a.channel) return fail('channel_not_found');
      const problem = messageProblems(a);
      if (problem) return problem;
      const channel = dmFor(String(a.channel));
      const ts = state.nextTs();
      state.messages.set(key(channel, ts), { channel, ts, text: a.text, blocks: a.blocks, thread_ts: a.thread_ts, metadata: a.metadata, updates: 0 });
      return { ok: true, channel, ts, message: { type: 'message', user: 'UBOT', bot_id: 'BBOT', ts, text: a.text ?? '', blocks: a.blocks } };
    },
    'chat.update': (a) => {
      const posted = state.messages.get(key(a.channel, a.ts));
      if (!posted) return fail('message_not_found');
      const problem = messageProblems(a);
      if (problem) return problem;
      Object.assign(posted, { text: a.text ?? posted.text, blocks: a.blocks ?? posted.blocks, updates: posted.updates + 1 });
      return { ok: true, channel: posted.channel, ts: posted.ts, text: posted.text, message: { text: posted.text, blocks: posted.blocks } };
    },
    'chat.delete': (a) => (state.messages.delete(key(a.channel, a.ts)) ? { ok: true, channel: a.channel, ts: a.ts } : fail('message_not_found')),
    'chat.postEphemeral': (a) => {
      if (!a.channel) return fail('channel_not_found');
      if (!a.user) return fail('user_not_in_channel');
      return messageProblems(a) ?? { ok: true, message_ts: state.nextTs() };
    },
    'views.open': openView,
    'views.push': openView,
    'views.update': (a) => {
      if (a.view_id === undefined && a.external_id === undefined) return fail('invalid_arguments', { errors: ['view_id or external_id is required'] });
      const previous = typeof a.view_id === 'string' ? state.views.get(a.view_id) : [...state.views.values()].find((v) => v.external_id === a.external_id);
      if (!previous) return fail('not_found');
      if (a.hash !== undefined && a.hash !== previous.hash) return fail('hash_conflict');
      const errors = validateView(a.view);
      return errors.length > 0 ? blockError('invalid_arguments', errors) : { ok: true, view: state.storeView(a.view as Args, previous) };
    },
    'views.publish': (a) => {
      if (typeof a.user_id !== 'string') return fail('invalid_arguments', { errors: ['user_id is required'] });
      const errors = validateView(a.view);
      if (errors.length > 0) return blockError('invalid_arguments', errors);
      return { ok: true, view: state.storeView(a.view as Args) };
    },
    'conversations.info': (a) => {
      const id = String(a.channel ?? '');
      const override = channels[id];
      if (override === null || !/^[CGD][A-Z0-9]+$/.test(id)) return fail('channel_not_found');
      const dm = id.startsWith('D');
      const channel: Args = { id, name: id.toLowerCase(), is_channel: !dm, is_im: dm, is_private: false, is_archived: false, is_member: !dm, ...override };
      if (channel.is_private === true && channel.is_member === false) return fail('channel_not_found');
      return { ok: true, channel };
    },
    'conversations.open': (a) => {
      const users = typeof a.users === 'string' ? a.users.split(',') : [];
      const first = users[0];
      if (users.length === 1 && first) return { ok: true, channel: { id: dmFor(first) } };
      if (users.length > 1) return { ok: true, channel: { id: `G${users.map((u) => u.slice(1)).join('')}`.slice(0, 20) } };
      return typeof a.channel === 'string' ? { ok: true, channel: { id: a.channel } } : fail('users_list_not_supplied');
    },
    // Newest first, top-level messages only (thread replies live in conversations.replies).
    'conversations.history': (a) => {
      if (typeof a.channel !== 'string') return fail('channel_not_found');
      const found = [...state.messages.values()]
        .filter((m) => m.channel === a.channel && (m.thread_ts === undefined || m.thread_ts === m.ts) && inWindow(m.ts, a))
        .reverse();
      const replies = (m: PostedMessage) => [...state.messages.values()].filter((r) => r.channel === m.channel && r.thread_ts === m.ts && r.ts !== m.ts).length;
      return pageOf(found, a, replies);
    },
    // The parent first, then its replies oldest first, as Slack answers.
    'conversations.replies': (a) => {
      if (typeof a.channel !== 'string' || typeof a.ts !== 'string') return fail('invalid_arguments');
      const parent = state.messages.get(key(a.channel, a.ts));
      if (!parent) return fail('thread_not_found');
      const replies = [...state.messages.values()].filter((m) => m.channel === a.channel && m.thread_ts === a.ts && m.ts !== a.ts && inWindow(m.ts, a));
      return pageOf([parent, ...replies], a);
    },
    'users.info': (a) => {
      const id = String(a.user ?? '');
      const override = options.users?.[id];
      if (!override && !/^[UW][A-Z0-9]+$/.test(id)) return fail('user_not_found');
      const name = id.toLowerCase();
      const profile = { real_name: `User ${id}`, display_name: name, email: `${name}@example.com`, ...(override?.profile as Args | undefined) };
      return {
        ok: true,
        user: { id, team_id: 'T1', name, real_name: profile.real_name, tz: 'Etc/UTC', tz_offset: 0, is_bot: false, deleted: false, ...override, profile },
      };
    },
    'files.getUploadURLExternal': (a) => {
      const length = Number(a.length);
      if (typeof a.filename !== 'string' || a.filename === '') return fail('invalid_arguments', { errors: ['filename is required'] });
      if (!Number.isInteger(length) || length < 1) return fail('invalid_arguments', { errors: ['length must be a positive integer'] });
      const id = state.nextFileId();
      state.uploads.set(id, { filename: a.filename, length });
      return { ok: true, upload_url: `${state.baseUrl}/upload/${id}`, file_id: id };
    },
    'files.completeUploadExternal': (a) => {
      if (!Array.isArray(a.files) || a.files.length === 0) return fail('invalid_arguments', { errors: ['files must be a non-empty array'] });
      const entries = a.files as { id?: unknown; title?: unknown }[];
      // Slack finishes only uploads it reserved and received the bytes of.
      if (entries.some((f) => state.uploads.get(String(f.id))?.content === undefined)) return fail('file_not_found');
      const channel = typeof a.channel_id === 'string' ? dmFor(a.channel_id) : undefined;
      const done = entries.map((f): UploadedFile => {
        const upload = state.uploads.get(String(f.id))!;
        state.uploads.delete(String(f.id));
        return {
          id: String(f.id),
          filename: upload.filename,
          content: upload.content!,
          ...(typeof f.title === 'string' ? { title: f.title } : {}),
          ...(channel ? { channel } : {}),
          ...(typeof a.initial_comment === 'string' ? { initialComment: a.initial_comment } : {}),
        };
      });
      state.files.push(...done);
      return {
        ok: true,
        files: done.map((f) => ({ id: f.id, name: f.filename, title: f.title ?? f.filename, size: f.content.length, channels: f.channel ? [f.channel] : [] })),
      };
    },
    'usergroups.users.list': (a) => {
      const users = groups[String(a.usergroup)];
      return users ? { ok: true, users: [...users] } : fail('no_such_subteam');
    },
  };
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const expectedToken = options.token ?? 'xoxb-test';
  const groups: Record<string, string[]> = { ...options.groups };
  const channels: Record<string, Args | null> = { ...options.channels };
  const calls: RecordedCall[] = [];
  const responses: RecordedResponse[] = [];
  let scripted: { method: string; remaining: number; response: ScriptedFailure; when?: (args: Args) => boolean }[] = [];
  let responseCounter = 0;
  const events = new EventEmitter();
  const state = new State();
  const methods = { ...builtInMethods(state, options, groups, channels), ...options.methods };

  function takeScripted(method: string, args: Args): ScriptedFailure | undefined {
    const entry = scripted.find((s) => (s.method === method || s.method === '*') && s.remaining > 0 && (s.when?.(args) ?? true));
    if (!entry) return undefined;
    entry.remaining -= 1;
    return entry.response;
  }

  function answerApi(
    method: string,
    args: Args,
    token: string | undefined,
  ): { status: number; reply: Reply; headers: Record<string, string>; scripted: boolean } {
    const script = takeScripted(method, args);
    if (script && isHttpFailure(script)) {
      if (script.applied) methods[method]?.(args);
      const headers: Record<string, string> = script.status === 429 ? { 'retry-after': String(script.retryAfter ?? 1) } : {};
      return { status: script.status, reply: fail(script.status === 429 ? 'ratelimited' : 'fatal_error'), headers, scripted: true };
    }
    if (script) return { status: 200, reply: script, headers: {}, scripted: true };
    if (token !== expectedToken) return { status: 200, reply: fail('invalid_auth'), headers: {}, scripted: false };
    const handler = methods[method];
    return { status: 200, reply: handler ? handler(args) : fail('unknown_method'), headers: {}, scripted: false };
  }

  function handleResponseUrl(id: string, raw: string): { status: number; reply: Reply } {
    let body: Args = {};
    let reply: Reply = { ok: true };
    try {
      body = parseBody(raw, 'application/json');
      reply = body.delete_original === true ? reply : (messageProblems(body) ?? reply);
    } catch {
      reply = fail('invalid_payload');
    }
    const status = reply.ok ? 200 : 400;
    const errors = Array.isArray(reply.errors) ? (reply.errors as string[]) : reply.ok ? [] : [String(reply.error)];
    const recorded: RecordedResponse = { id, body, at: Date.now(), status, errors };
    responses.push(recorded);
    events.emit('response', recorded);
    return { status, reply };
  }

  /** The upload URL: the bytes as multipart (field `body`, as @slack/web-api sends them) or raw; 200 only when the length matches the reservation. */
  async function handleUpload(id: string, bytes: Buffer, contentType: string | undefined): Promise<{ status: number; text: string }> {
    const upload = state.uploads.get(id);
    if (!upload || upload.content !== undefined) return { status: 404, text: 'unknown or already used upload URL' };
    let content = bytes;
    if (contentType?.startsWith('multipart/form-data')) {
      const form = await new Response(new Uint8Array(bytes), { headers: { 'content-type': contentType } }).formData();
      const part = form.get('body') ?? form.get('file');
      if (part === null) return { status: 400, text: 'no `body` field in the multipart upload' };
      content = typeof part === 'string' ? Buffer.from(part) : Buffer.from(await part.arrayBuffer());
    }
    if (content.length !== upload.length) return { status: 400, text: `expected ${upload.length} bytes, got ${content.length}` };
    upload.content = content;
    return { status: 200, text: `OK - ${content.length}` };
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const raw = bytes.toString('utf8');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const api = /^\/api\/([\w.]+)$/.exec(path);
    const response = /^\/response\/([^/]+)$/.exec(path);
    if (req.method === 'POST' && api?.[1]) {
      const at = Date.now();
      let args: Args;
      try {
        args = parseBody(raw, req.headers['content-type']);
      } catch {
        return send(200, fail('invalid_json'));
      }
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
      delete args.token;
      const answer = answerApi(api[1], args, token);
      const call: RecordedCall = { method: api[1], args, token, at, status: answer.status, response: answer.reply, scripted: answer.scripted };
      calls.push(call);
      events.emit('call', call);
      return send(answer.status, answer.reply, answer.headers);
    }
    const upload = /^\/upload\/([^/]+)$/.exec(path);
    if (req.method === 'POST' && upload?.[1]) {
      const { status, text } = await handleUpload(upload[1], bytes, req.headers['content-type']);
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      return void res.end(text);
    }
    if (req.method === 'POST' && response?.[1]) {
      const { status, reply } = handleResponseUrl(decodeURIComponent(response[1]), raw);
      return send(status, reply);
    }
    send(404, fail('not_found'));
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.baseUrl = url;

  // Checks what already arrived (from `from`), then listens; on timeout the
  // error lists everything seen, which is what one needs to debug an e2e test.
  function waitIn<T>(list: T[], event: string, match: (item: T) => boolean, opts: WaitOptions, what: string, describe: () => string): Promise<T> {
    const found = list.slice(opts.from ?? 0).find(match);
    if (found) return Promise.resolve(found);
    const timeoutMs = opts.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const onItem = (item: T) => {
        if (!match(item)) return;
        cleanup();
        resolve(item);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake Slack: ${what} did not arrive within ${timeoutMs} ms; seen so far:\n${describe() || '  (nothing)'}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        events.off(event, onItem);
      };
      events.on(event, onItem);
    });
  }

  return {
    url,
    apiUrl: `${url}/api/`,
    calls,
    responses,
    groups,
    channels,
    callsTo: (method) => calls.filter((c) => c.method === method),
    rejected: () => calls.filter((c) => !c.response.ok && !c.scripted),
    waitFor(match, opts = {}) {
      const predicate = typeof match === 'string' ? (c: RecordedCall) => c.method === match : match;
      const what = typeof match === 'string' ? `a call to ${match}` : 'a matching call';
      return waitIn(calls, 'call', predicate, opts, what, () => calls.map(describeCall).join('\n'));
    },
    failNext(method, count, response, when) {
      scripted.push({ method, remaining: count, response, ...(when ? { when } : {}) });
    },
    responseUrl: (id) => `${url}/response/${encodeURIComponent(id ?? `r${++responseCounter}`)}`,
    waitForResponse(match = () => true, opts = {}) {
      const describe = () => responses.map((r, i) => `  #${i} ${r.id} ${r.status} ${JSON.stringify(r.body).slice(0, 120)}`).join('\n');
      return waitIn(responses, 'response', match, opts, 'a response_url post', describe);
    },
    message: (channel, ts) => state.messages.get(`${channel}|${ts}`),
    postAsAnotherApp(channel, message) {
      const ts = state.nextTs();
      state.messages.set(`${channel}|${ts}`, {
        channel,
        ts,
        text: message.text,
        thread_ts: message.thread_ts,
        metadata: message.metadata,
        updates: 0,
        botId: message.botId ?? 'BOTHER',
      });
      return ts;
    },
    view: (id) => state.views.get(id),
    files: state.files,
    reset() {
      calls.length = 0;
      responses.length = 0;
      scripted = [];
      state.clear();
    },
    async close() {
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // fetch keeps connections alive; without this, close() waits for them to idle out.
        server.closeAllConnections();
      });
    },
  };
}
