// slackFetch answers as the global fetch would for what the Slack clients send:
// a form or JSON body, headers both ways, Slack's 429 with Retry-After, an
// empty answer, a redirect refused; anything else goes to the global fetch.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebClient } from '@slack/web-api';
import { BufferedResponse, slackFetch } from '../../src/slack/http-fetch.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      if (request.url === '/limited') {
        response.writeHead(429, { 'retry-after': '7' }).end();
      } else if (request.url === '/empty') {
        response.writeHead(204).end();
      } else if (request.url === '/moved') {
        response.writeHead(302, { location: '/api/auth.test' }).end();
      } else {
        response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'set-cookie': ['a=1', 'b=2'] });
        response.end(JSON.stringify({ ok: true, echo: body, path: request.url }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('slackFetch', () => {
  it('post_jsonBody_sendsItWithItsHeaders_andReadsTheAnswer', async () => {
    const response = await slackFetch(`${base}/respond`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"text":"hé"}' });
    expect(response.ok).toBe(true);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('set-cookie')).toContain('a=1');
    expect(await response.json()).toEqual({ ok: true, echo: '{"text":"hé"}', path: '/respond' });
    const request = seen.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['content-length']).toBe(String(Buffer.byteLength('{"text":"hé"}')));
  });

  it('post_urlSearchParams_isSentAsAForm', async () => {
    await slackFetch(`${base}/form`, { method: 'POST', body: new URLSearchParams({ channel: 'C1', text: 'a b&c' }) });
    expect(seen.at(-1)!.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    expect(seen.at(-1)!.body).toBe('channel=C1&text=a+b%26c');
  });

  it('rateLimited_readsStatusAndRetryAfter', async () => {
    const response = await slackFetch(`${base}/limited`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(429);
    expect(response.ok).toBe(false);
    expect(response.headers.get('retry-after')).toBe('7');
  });

  it('noContent_answersWithAnEmptyBody', async () => {
    const response = await slackFetch(`${base}/empty`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });

  it('redirect_refusedByTheCaller_failsAsTheGlobalFetchDoes', async () => {
    await expect(slackFetch(`${base}/moved`, { method: 'POST', body: 'x', redirect: 'error' })).rejects.toThrow(TypeError);
  });

  it('unreachableServer_rejects', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(slackFetch(`http://127.0.0.1:${port}/x`, { method: 'POST', body: 'x' })).rejects.toThrow();
  });

  it('formData_goesToTheGlobalFetch_aSignalDoesNot', async () => {
    const global = vi.spyOn(globalThis, 'fetch');
    try {
      const form = new FormData();
      form.set('file', 'content');
      await slackFetch(`${base}/upload`, { method: 'POST', body: form });
      expect(global).toHaveBeenCalledTimes(1);
      // The Web API client's per-call timeout (the preflight's): node:http aborts on it, no undici parser compiled for it.
      const answer = await slackFetch(`${base}/signal`, { method: 'POST', body: 'x', signal: AbortSignal.timeout(5000) });
      expect(answer.status).toBe(200);
      await slackFetch(`${base}/plain`, { method: 'POST', body: 'x' });
      expect(global).toHaveBeenCalledTimes(1);
    } finally {
      global.mockRestore();
    }
  });

  it('signal_abortsAnUnansweredRequest_andClosesItsConnection', async () => {
    let closed!: () => void;
    const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
    const silent = createServer((request) => request.socket.once('close', () => closed()));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const started = Date.now();
      await expect(slackFetch(`http://127.0.0.1:${port}/x`, { method: 'POST', body: 'x', signal: AbortSignal.timeout(100) })).rejects.toMatchObject({
        name: 'AbortError',
      });
      expect(Date.now() - started).toBeLessThan(5000);
      await connectionClosed;
      // Aborted before it is sent: rejected at once.
      await expect(slackFetch(`http://127.0.0.1:${port}/x`, { method: 'POST', body: 'x', signal: AbortSignal.abort() })).rejects.toMatchObject({
        name: 'AbortError',
      });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('webClient_callsTheApiThroughIt', async () => {
    const client = new WebClient('xoxb-test', { slackApiUrl: `${base}/api/`, fetch: slackFetch, retryConfig: { retries: 0 } });
    const result = await client.chat.postMessage({ channel: 'C1', text: 'hello' });
    expect(result.ok).toBe(true);
    expect((result as { path?: unknown }).path).toBe('/api/chat.postMessage');
    expect(seen.at(-1)!.headers.authorization).toBe('Bearer xoxb-test');
  });
});

// The answer's body is kept in memory and read without a web stream, and still
// behaves as a standard Response's: once, whichever way it is read.
describe('BufferedResponse', () => {
  const answer = () =>
    new BufferedResponse(Buffer.from('{"ok":true,"text":"hé"}'), { status: 200, statusText: 'OK', headers: { 'content-type': 'application/json' } });

  it('isAStandardResponse_withItsStatusAndHeaders', () => {
    const response = answer();
    expect(response).toBeInstanceOf(Response);
    expect([response.ok, response.status, response.statusText, response.headers.get('content-type')]).toEqual([true, 200, 'OK', 'application/json']);
    expect(response.bodyUsed).toBe(false);
  });

  it('text_readsTheBytes_once', async () => {
    const response = answer();
    expect(await response.text()).toBe('{"ok":true,"text":"hé"}');
    expect(response.bodyUsed).toBe(true);
    await expect(response.text()).rejects.toThrow(TypeError);
    await expect(response.json()).rejects.toThrow(TypeError);
    await expect(response.arrayBuffer()).rejects.toThrow(TypeError);
    expect(() => response.clone()).toThrow(TypeError);
  });

  it('jsonAndArrayBuffer_readTheSameBytes', async () => {
    expect(await answer().json()).toEqual({ ok: true, text: 'hé' });
    expect(Buffer.from(await answer().arrayBuffer()).toString()).toBe('{"ok":true,"text":"hé"}');
  });

  it('theBodyStream_blobAndClone_areAStandardResponsesOverTheSameBytes', async () => {
    const streamed = answer();
    const chunks: Uint8Array[] = [];
    for await (const chunk of streamed.body!) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('{"ok":true,"text":"hé"}');
    expect(streamed.bodyUsed).toBe(true);
    await expect(streamed.text()).rejects.toThrow(TypeError);

    expect(await (await answer().blob()).text()).toBe('{"ok":true,"text":"hé"}');
    const original = answer();
    const copy = original.clone();
    expect(await copy.json()).toEqual({ ok: true, text: 'hé' });
    expect(await original.text()).toBe('{"ok":true,"text":"hé"}');
  });

  it('slackFetch_answersWithIt_andWithAPlainResponseWhenThereIsNoBody', async () => {
    expect(await slackFetch(`${base}/respond`, { method: 'POST', body: 'x' })).toBeInstanceOf(BufferedResponse);
    expect(await slackFetch(`${base}/empty`, { method: 'POST', body: 'x' })).not.toBeInstanceOf(BufferedResponse);
  });
});
