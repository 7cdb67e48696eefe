// The ack front (src/slack/ack-front/), through the real Bolt app over signed
// HTTP: a /jit command is acked on the front's own thread, even while the main
// thread is blocked; whatever the front does not ack itself (a forged or stale
// command, another command, a form submission, a custom route, a body too
// large) gets exactly Bolt's answer through it; the caller's address reaches
// the routes; nothing acked is lost on close; a front that dies comes back.

import { request } from 'node:http';
import { createServer } from 'node:net';
import { Worker } from 'node:worker_threads';
import { App, type CustomRoute } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { FRONT_KEY, KEY_HEADER, PEER_HEADER, peerAddress } from '../../src/slack/ack-front/peer.js';
import { MemoryLogger } from '../../src/ports/logger.js';
import { AckFront, FrontListenError } from '../../src/slack/ack-front/ack-front.js';
import { serveSlackApp, startSlackApp, type SlackServer } from '../../src/slack/app.js';
import { createHttpReceiver } from '../../src/slack/receiver.js';
import { slackSignature, slashCommand, slashCommandFields, viewSubmission } from '../support/slack-requests.js';

const SECRET = 'ack-front-signing-secret-0123456789';
const quiet = createLogger({ write: () => undefined });
const WHOAMI: CustomRoute = { path: '/whoami', method: ['GET'], handler: (req, res) => res.end(peerAddress(req) ?? '') };

let app: App;
let server: SlackServer | undefined;
let base: string;
let ran: string[];

function newApp(routes: CustomRoute[] = [WHOAMI]): App {
  const receiver = createHttpReceiver({ signingSecret: SECRET, port: 0, routes, logger: quiet });
  return new App({ receiver, logger: quiet, authorize: async () => ({ botToken: 'xoxb-test' }) });
}

async function serve(target: App, logger = new MemoryLogger()): Promise<SlackServer> {
  const config = { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SECRET, PORT: 0 };
  return serveSlackApp(target, { config, host: '127.0.0.1', logger });
}

beforeEach(async () => {
  ran = [];
  app = newApp();
  app.command('/jit', async ({ command, ack }) => {
    await ack();
    ran.push(command.text);
  });
  server = await serve(app);
  base = `http://127.0.0.1:${server.port}`;
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const command = (text: string, opts?: Parameters<typeof slashCommand>[3], name?: string) =>
  slashCommand(base, SECRET, { text, userId: 'U1', responseUrl: 'http://127.0.0.1:9/unused', ...(name ? { command: name } : {}) }, opts);

// A client on a thread of its own: it waits until the main thread is blocked, sends a signed /jit, and wakes the main thread once the ack came back.
const CLIENT = `
const { workerData } = require('node:worker_threads');
const http = require('node:http');
const crypto = require('node:crypto');
const flags = new Int32Array(workerData.flags);
Atomics.wait(flags, 1, 0, 5000);
const ts = Math.floor(Date.now() / 1000);
const sig = 'v0=' + crypto.createHmac('sha256', workerData.secret).update('v0:' + ts + ':' + workerData.body).digest('hex');
const req = http.request(workerData.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig } }, (res) => {
  res.resume();
  res.on('end', () => { Atomics.store(flags, 0, res.statusCode); Atomics.notify(flags, 0); });
});
req.end(workerData.body);
`;

describe('the ack front', () => {
  it('command_whileTheMainThreadIsBlocked_isAckedByTheFront_andRunsOnceTheThreadIsFree', async () => {
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const waits: string[] = [];
    app.command('/block', async ({ ack }) => {
      await ack();
      Atomics.store(flags, 1, 1);
      Atomics.notify(flags, 1);
      // Blocks this thread until the other thread has its ack: only a front on a thread of its own can answer meanwhile.
      waits.push(Atomics.wait(flags, 0, 0, 5000));
    });
    const body = new URLSearchParams(slashCommandFields({ text: 'second', userId: 'U2', responseUrl: 'http://127.0.0.1:9/unused' })).toString();
    const client = new Worker(CLIENT, { eval: true, workerData: { flags: flags.buffer, secret: SECRET, url: `${base}/slack/events`, body } });
    const exited = new Promise((resolve) => client.once('exit', resolve));
    // /block goes to Bolt (not a command the front acks), which runs its listener on this thread.
    await command('first', undefined, '/block');
    await exited;
    expect(waits).toEqual(['ok']);
    expect(Atomics.load(flags, 0)).toBe(200);
    await server!.idle();
    expect(ran).toEqual(['second']);
  });

  it('command_withAForgedOrStaleSignature_getsBoltsRefusal_andNothingRuns', async () => {
    expect((await command('forged', { signature: slackSignature('not-the-secret', Math.floor(Date.now() / 1000), 'x') })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await command('stale', { timestamp: stale })).status).toBe(401);
    await server!.idle();
    expect(ran).toEqual([]);
  });

  it('command_signedWithTheFutureTimestampBoltAccepts_isAcked', async () => {
    // Bolt refuses only the stale: the front must not refuse more than Bolt would.
    const ack = await command('ahead', { timestamp: Math.floor(Date.now() / 1000) + 60 });
    expect(ack).toMatchObject({ status: 200, text: '' });
    await server!.idle();
    expect(ran).toEqual(['ahead']);
  });

  it('otherCommand_isAnsweredByBolt_withTheBodyItsListenerAcks', async () => {
    app.command('/other', async ({ ack }) => ack('from bolt'));
    expect(await command('x', undefined, '/other')).toMatchObject({ status: 200, text: 'from bolt' });
  });

  it('viewSubmission_getsTheJsonBoltAnswers_throughTheFront', async () => {
    app.view('form', async ({ ack }) => ack({ response_action: 'errors', errors: { vm: 'pick a VM' } }));
    const answer = await viewSubmission(base, SECRET, { userId: 'U1', callbackId: 'form', values: {} });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ response_action: 'errors', errors: { vm: 'pick a VM' } });
  });

  it('customRoute_seesTheCallersOwnAddress_notTheFronts_andNotAClaimedOne', async () => {
    const whoami = (headers: Record<string, string> = {}) =>
      new Promise<string>((resolve, reject) => {
        // From 127.0.0.2: the front hears that address, Bolt's receiver hears the front on 127.0.0.1.
        const req = request(`${base}/whoami`, { localAddress: '127.0.0.2', headers }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
    expect(await whoami()).toBe('127.0.0.2');
    expect(await whoami({ [PEER_HEADER]: '203.0.113.9', [KEY_HEADER]: 'guessed' })).toBe('127.0.0.2');
  });

  it('receiver_reachedWithoutTheFront_ignoresAPeerHeaderWithoutThisProcesssKey', async () => {
    const direct = newApp();
    const port = await startSlackApp(direct, 0, '127.0.0.1');
    try {
      const whoami = (key: string) =>
        fetch(`http://127.0.0.1:${port}/whoami`, { headers: { [PEER_HEADER]: '203.0.113.9', [KEY_HEADER]: key } }).then((r) => r.text());
      expect(await whoami('guessed')).toBe('127.0.0.1');
      expect(await whoami(FRONT_KEY)).toBe('203.0.113.9');
    } finally {
      await direct.stop();
    }
  });

  it('bodyOverBoltsLimit_isRefusedWith413', async () => {
    const answer = await fetch(`${base}/slack/events`, { method: 'POST', body: 'x'.repeat(4 * 1024 * 1024 + 1) });
    expect(answer.status).toBe(413);
  });

  it('close_runsEveryCommandAlreadyAcked_thenStopsListening', async () => {
    let finished = 0;
    const slow = newApp();
    slow.command('/jit', async ({ ack }) => {
      await ack();
      await new Promise((resolve) => setTimeout(resolve, 150));
      finished++;
    });
    const slowServer = await serve(slow);
    const url = `http://127.0.0.1:${slowServer.port}`;
    const acks = await Promise.all([1, 2, 3].map((n) => slashCommand(url, SECRET, { text: `${n}`, userId: 'U1', responseUrl: 'http://127.0.0.1:9/unused' })));
    expect(acks.map((a) => a.status)).toEqual([200, 200, 200]);
    await slowServer.close();
    expect(finished).toBe(3);
    await expect(fetch(`${url}/whoami`)).rejects.toThrow();
  });
});

describe('AckFront', () => {
  it('portInUse_rejectsWithTheSocketErrorsCode', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const start = AckFront.start({
        port,
        host: '127.0.0.1',
        target: { host: '127.0.0.1', port: 9 },
        signingSecret: SECRET,
        commands: ['/jit'],
        logger: new MemoryLogger(),
        dispatch: async () => undefined,
      });
      await expect(start).rejects.toThrow(FrontListenError);
      await expect(start).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('frontThatDies_isLogged_andListensAgainOnTheSamePort', async () => {
    const logger = new MemoryLogger();
    const bodies: unknown[] = [];
    let restarts = 0;
    const front = await AckFront.start({
      port: 0,
      host: '127.0.0.1',
      target: { host: '127.0.0.1', port: 9 },
      signingSecret: SECRET,
      commands: ['/jit'],
      logger,
      restartDelayMs: 20,
      restarting: () => restarts++,
      dispatch: async (body) => void bodies.push(body.text),
    });
    try {
      const url = `http://127.0.0.1:${front.port}`;
      // The thread ends as an uncaught error or its memory limit would end it.
      await (front as unknown as { worker: Worker }).worker.terminate();
      await expect.poll(() => logger.lines.some((l) => l.text.includes('is back on port')), { timeout: 5000 }).toBe(true);
      expect(logger.lines.some((l) => l.level === 'error' && l.text.includes('thread stopped'))).toBe(true);
      expect(restarts).toBe(1);
      expect((await slashCommand(url, SECRET, { text: 'again', userId: 'U1', responseUrl: 'http://127.0.0.1:9/unused' })).status).toBe(200);
      await front.idle();
      expect(bodies).toEqual(['again']);
    } finally {
      await front.close();
    }
  });
});
