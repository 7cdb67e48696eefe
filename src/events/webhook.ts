// The HTTPS webhook sink: one POST per event, the envelope as the JSON body,
// signed with HMAC-SHA256 over "<timestamp>.<body>" (X-Jit-Signature) so a
// receiver checks both origin and freshness. Any 2xx is acceptance; anything
// else (another status, a timeout, a refused connection, a TLS failure) is a
// SinkError the delivery loop retries; a 429 or 503's Retry-After is passed on.
// Redirects are never followed (a 3xx is a failure): the signed body goes only
// where JIT_EVENT_WEBHOOK_URL says.

import http from 'node:http';
import https from 'node:https';
import { parseRetryAfter, SinkError, type StreamEvent, streamJson, webhookSignature } from '../domain/event-stream.js';
import type { Clock } from '../ports/clock.js';
import type { EventSink } from '../ports/event-stream.js';

export const WEBHOOK_TIMEOUT_MS = 10_000;
const BODY_EXCERPT = 200;

export interface WebhookOptions {
  url: string;
  secret: string;
  /** PEM of the CA(s) to trust instead of the system's (JIT_EVENT_WEBHOOK_CA's contents). */
  ca?: string;
  clock: Clock;
  timeoutMs?: number;
}

export class WebhookSink implements EventSink {
  readonly name = 'webhook' as const;
  readonly target: string;
  private readonly url: URL;
  private readonly agent: http.Agent;

  constructor(private readonly options: WebhookOptions) {
    this.url = new URL(options.url);
    this.target = `${this.url.origin}${this.url.pathname}`;
    // One kept-alive connection: events go one after another.
    this.agent =
      this.url.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, maxSockets: 1, ...(options.ca ? { ca: options.ca } : {}) })
        : new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  deliver(event: StreamEvent): Promise<void> {
    const body = streamJson(event);
    const now = this.options.clock.now();
    const timestamp = Math.floor(now / 1000);
    const request = this.url.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
            'User-Agent': 'jit-access-bot',
            'X-Jit-Event-Id': event.id,
            'X-Jit-Timestamp': String(timestamp),
            'X-Jit-Signature': webhookSignature(this.options.secret, timestamp, body),
          },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          let excerpt = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (excerpt.length < BODY_EXCERPT) excerpt += chunk;
          });
          res.on('error', (error) => reject(new SinkError(`the webhook's answer broke off: ${error.message}`)));
          res.on('end', () => {
            if (status >= 200 && status < 300) return resolve();
            const retryAfter = status === 429 || status === 503 ? parseRetryAfter(headerOf(res.headers['retry-after']), now) : undefined;
            const said = excerpt.trim().slice(0, BODY_EXCERPT).replace(/\s+/g, ' ');
            const where =
              status >= 300 && status < 400
                ? ` (a redirect to ${headerOf(res.headers.location) ?? '?'}: not followed; set JIT_EVENT_WEBHOOK_URL to the final URL)`
                : '';
            reject(new SinkError(`the webhook answered HTTP ${status}${where}${said ? `: ${said}` : ''}`, retryAfter));
          });
        },
      );
      req.setTimeout(this.options.timeoutMs ?? WEBHOOK_TIMEOUT_MS, () => {
        req.destroy(new Error(`no answer within ${(this.options.timeoutMs ?? WEBHOOK_TIMEOUT_MS) / 1000}s`));
      });
      req.on('error', (error) => reject(error instanceof SinkError ? error : new SinkError(`could not reach the webhook: ${error.message}`)));
      req.end(body);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}

function headerOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
