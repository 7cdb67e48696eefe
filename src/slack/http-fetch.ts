// The `fetch` the Slack clients use (the Web API client and Bolt's `respond`):
// node:http(s) over keep-alive agents instead of the global fetch. Both clients
// send a string or form body and read the status, headers and a small JSON
// answer; the global fetch (undici) wraps each call in a Request, web streams,
// abort signals and its WebAssembly parser, which a profile of the ack benchmark
// put at about a third of the CPU each command cost (4 Slack calls a command).
// The answer is still a standard Response (a BufferedResponse: its body is read
// from memory, not through a web stream, below); an abort signal aborts the
// request (the Web API client's timeout). Anything else (a multipart upload,
// another scheme) goes to the global fetch, and so does a redirect
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
  if (input instanceof Request || !plainBody) return globalThis.fetch(input, init);
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
  // A signal (the Web API client's per-call timeout) aborts the request as the global fetch would: node:http takes it as is.
  const response = await send(url, init?.method ?? 'GET', headers, payload, init?.signal ?? undefined);
  if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
    if (init?.redirect === 'error') throw new TypeError(`fetch failed: ${url.origin} answered a redirect (HTTP ${response.status})`);
    if (init?.redirect !== 'manual') return globalThis.fetch(input, init);
  }
  return response;
}

function send(url: URL, method: string, headers: Record<string, string>, payload: Buffer | undefined, signal?: AbortSignal): Promise<Response> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(url, { method, headers, agent: agents[url.protocol as 'http:' | 'https:'], ...(signal ? { signal } : {}) }, (answer) => {
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
          const init = { status, statusText: answer.statusMessage ?? '', headers: responseHeaders };
          resolve(NULL_BODY.has(status) ? new Response(null, init) : new BufferedResponse(Buffer.concat(chunks), init));
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

/**
 * A Response whose body is already in memory. A standard Response over a
 * buffer wraps it in a web stream that text() then reads back (undici: about
 * 65 µs a call here, most of what an answer costs); the Slack clients only
 * call text() (the Web API client) or nothing (respond), so those read the
 * buffer directly. Anything else that touches the body (the body stream,
 * blob(), formData(), bytes(), clone()) gets a standard Response over the
 * same bytes, made then. Read once, as any Response: a second read throws.
 */
export class BufferedResponse extends Response {
  readonly #bytes: Buffer<ArrayBuffer>;
  readonly #init: ResponseInit;
  #read = false;
  #standard: Response | undefined;

  constructor(bytes: Buffer<ArrayBuffer>, init: ResponseInit) {
    super(null, init);
    this.#bytes = bytes;
    this.#init = init;
  }

  /** The standard Response over the same bytes, for every other use of the body. */
  #full(): Response {
    if (this.#read) throw new TypeError('Body is unusable: Body has already been read');
    this.#standard ??= new Response(this.#bytes, this.#init);
    return this.#standard;
  }

  /** The bytes, once (text() and arrayBuffer() come here only while no standard Response was made). */
  #take(): Buffer<ArrayBuffer> {
    if (this.#read) throw new TypeError('Body is unusable: Body has already been read');
    this.#read = true;
    return this.#bytes;
  }

  override get body(): Response['body'] {
    // Read already (text(), arrayBuffer()): no stream left to give.
    return this.#read ? null : this.#full().body;
  }

  override get bodyUsed(): boolean {
    return this.#read || (this.#standard?.bodyUsed ?? false);
  }

  override async text(): Promise<string> {
    if (this.#standard) return this.#standard.text();
    return this.#take().toString('utf8');
  }

  override async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  override async arrayBuffer(): Promise<ArrayBuffer> {
    if (this.#standard) return this.#standard.arrayBuffer();
    const bytes = this.#take();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  override blob(): Promise<Blob> {
    return this.#full().blob();
  }

  override formData(): Promise<FormData> {
    return this.#full().formData();
  }

  override clone(): Response {
    return this.#full().clone();
  }
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
