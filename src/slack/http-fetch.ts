// The `fetch` the Slack clients use (the Web API client and Bolt's `respond`):
// node:http(s) over keep-alive agents instead of the global fetch. Both clients
// send a string or form body and read the status, headers and a small JSON
// answer; the global fetch (undici) wraps each call in a Request, web streams,
// abort signals and its WebAssembly parser, which a profile of the ack benchmark
// put at about a third of the CPU each command cost (4 Slack calls a command).
// The answer is still a standard Response. Anything else (a multipart upload, an
// abort signal, another scheme) goes to the global fetch, and so does a redirect
// unless the caller refused redirects (the Web API client does: an error, as
// the global fetch gives it).

import http from 'node:http';
import https from 'node:https';

/** A connection that says nothing for this long is dropped (the global fetch waits 300 s for headers). */
const IDLE_TIMEOUT_MS = 60_000;

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

const NULL_BODY = new Set([101, 204, 205, 304]);

export async function slackFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const body = init?.body;
  const plainBody = body === undefined || body === null || typeof body === 'string' || body instanceof URLSearchParams;
  if (input instanceof Request || init?.signal || !plainBody) return globalThis.fetch(input, init);
  const url = typeof input === 'string' ? new URL(input) : input;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return globalThis.fetch(input, init);
  const headers = headersOf(init?.headers);
  const payload = body === undefined || body === null ? undefined : Buffer.from(typeof body === 'string' ? body : body.toString());
  if (payload !== undefined) {
    if (!hasHeader(headers, 'content-type')) {
      headers['content-type'] = typeof body === 'string' ? 'text/plain;charset=UTF-8' : 'application/x-www-form-urlencoded;charset=UTF-8';
    }
    headers['content-length'] = String(payload.length);
  }
  const response = await send(url, init?.method ?? 'GET', headers, payload);
  if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
    if (init?.redirect === 'error') throw new TypeError(`fetch failed: ${url.origin} answered a redirect (HTTP ${response.status})`);
    if (init?.redirect !== 'manual') return globalThis.fetch(input, init);
  }
  return response;
}

function send(url: URL, method: string, headers: Record<string, string>, payload: Buffer | undefined): Promise<Response> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(url, { method, headers, agent: agents[url.protocol as 'http:' | 'https:'] }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('error', reject);
      answer.on('end', () => {
        try {
          const status = answer.statusCode ?? 0;
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(answer.headers)) {
            if (Array.isArray(value)) for (const one of value) responseHeaders.append(name, one);
            else if (value !== undefined) responseHeaders.set(name, value);
          }
          resolve(
            new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), { status, statusText: answer.statusMessage ?? '', headers: responseHeaders }),
          );
        } catch (error) {
          reject(error);
        }
      });
    });
    request.setTimeout(IDLE_TIMEOUT_MS, () => request.destroy(new Error(`fetch failed: no answer from ${url.origin} for ${IDLE_TIMEOUT_MS / 1000} s`)));
    request.on('error', reject);
    request.end(payload);
  });
}

function headersOf(init: HeadersInit | undefined): Record<string, string> {
  if (init === undefined) return {};
  if (init instanceof Headers || Array.isArray(init)) return Object.fromEntries(new Headers(init));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(init)) if (value !== undefined) headers[name] = String(value);
  return headers;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}
