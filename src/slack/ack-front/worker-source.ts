// The ack front's thread (ack-front.ts runs it). It owns the bot's public HTTP
// port and does as little as it can:
//   - a `/jit` slash command (POST /slack/events, form-encoded, `command` one of
//     workerData.commands, no `payload`, no `ssl_check`) whose Slack signature
//     verifies by Bolt's own rules is answered 200 with an empty body at once,
//     and its parsed body (Bolt's parse: node:querystring) is posted to the
//     main thread, which runs it through the Bolt app;
//   - everything else (clicks, form submissions, a command whose signature does
//     not verify, /healthz, /readyz, /metrics, the my-ip pages) is passed as it
//     came to the main thread's Bolt receiver on loopback and its answer sent
//     back unchanged; the caller's address goes with it in a header only that
//     receiver trusts (the key in workerData; any copy a client sends is
//     replaced).
// CommonJS, run with `eval` (as the checkpoint worker): the same code from src/
// under tsx and from dist/, and no Bolt in this thread's heap.

export const FRONT_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const crypto = require('node:crypto');
const querystring = require('node:querystring');
const { port, host, target, signingSecret, commands, bodyLimit, peerHeader, keyHeader, key } = workerData;
const early = new Set(commands);
// Hop-by-hop headers describe one connection, not the message: each side sets its own.
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection']);
const endToEnd = (headers) => Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP.has(name)));
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
let inFlight = 0;
let closing = false;

// Bolt's verifySlackRequest: not older than five minutes, v0 HMAC-SHA256 of "v0:<ts>:<body>", the body
// decoded as UTF-8 as Bolt decodes it (so this thread never accepts a body Bolt would refuse).
function verified(headers, body) {
  const signature = headers['x-slack-signature'];
  const stamp = headers['x-slack-request-timestamp'];
  if (typeof signature !== 'string' || typeof stamp !== 'string') return false;
  const seconds = Number(stamp);
  if (Number.isNaN(seconds) || seconds < Math.floor(Date.now() / 1000) - 300) return false;
  const want = Buffer.from('v0=' + crypto.createHmac('sha256', signingSecret).update('v0:' + stamp + ':' + body).digest('hex'));
  const got = Buffer.from(signature);
  return want.length === got.length && crypto.timingSafeEqual(want, got);
}

// The parsed body of a command this thread acks itself, or undefined.
function earlyCommand(req, body) {
  if (req.method !== 'POST' || req.url.split('?')[0] !== '/slack/events') return undefined;
  if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') return undefined;
  const text = body.toString();
  const parsed = querystring.parse(text);
  if (typeof parsed.command !== 'string' || !early.has(parsed.command) || parsed.payload !== undefined || parsed.ssl_check !== undefined) return undefined;
  return verified(req.headers, text) ? parsed : undefined;
}

function answer(res, status, text) {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function forward(req, res, body, retried) {
  const headers = { ...endToEnd(req.headers), 'content-length': String(body.length), [peerHeader]: req.socket.remoteAddress || '', [keyHeader]: key };
  const inner = http.request({ host: target.host, port: target.port, method: req.method, path: req.url, headers, agent }, (reply) => {
    res.writeHead(reply.statusCode || 502, reply.statusMessage, endToEnd(reply.headers));
    reply.pipe(res);
    reply.on('error', () => res.destroy());
  });
  inner.on('error', (error) => {
    // A kept-alive socket the receiver closed as it was reused: the request never reached it, so it is sent again (once).
    if (inner.reusedSocket && error.code === 'ECONNRESET' && !retried && !res.headersSent) return forward(req, res, body, true);
    answer(res, 502, 'jit: the bot did not answer this request (it may be stopping); try again.\\n');
  });
  inner.end(body);
}

const server = http.createServer((req, res) => {
  inFlight++;
  res.once('close', () => {
    inFlight--;
    if (closing) finish();
  });
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size <= bodyLimit) chunks.push(chunk);
  });
  req.on('error', () => res.destroy());
  req.on('end', () => {
    if (size > bodyLimit) return answer(res, 413, 'jit: request body too large\\n');
    const body = Buffer.concat(chunks);
    const command = earlyCommand(req, body);
    if (command === undefined) return forward(req, res, body);
    // Handed over before the ack is written: whoever sees the ack can count on the command having reached the bot.
    parentPort.postMessage({ type: 'command', body: command });
    res.writeHead(200);
    res.end();
  });
});

function finish() {
  if (inFlight > 0) return;
  server.closeAllConnections();
  agent.destroy();
  parentPort.postMessage({ type: 'closed' });
  parentPort.close();
}

server.on('error', (error) => parentPort.postMessage({ type: 'failed', code: error.code, message: error.message }));
server.listen(port, host, () => parentPort.postMessage({ type: 'listening', port: server.address().port }));
parentPort.on('message', (message) => {
  // Messages between the threads keep their order: every command posted before this reply has been delivered.
  if (message && message.type === 'sync') return void parentPort.postMessage({ type: 'synced', seq: message.seq });
  if (message !== 'close' || closing) return;
  closing = true;
  server.close();
  server.closeIdleConnections();
  finish();
});
`;
