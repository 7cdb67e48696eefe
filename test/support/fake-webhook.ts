// A fake HTTPS event webhook on 127.0.0.1 with a throw-away self-signed
// certificate (fake-arm-cert.ts): it checks every POST's X-Jit-Signature
// against the shared secret exactly as a receiver would, records what it got,
// and answers 500, 429 (with Retry-After) or anything else on demand.

import { createHmac, timingSafeEqual } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { StreamEvent } from '../../src/domain/event-stream.js';
import { makeSelfSignedCertificate } from './fake-arm-cert.js';

export interface ReceivedPost {
  event: StreamEvent;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  /** Whether X-Jit-Signature is the HMAC of "<X-Jit-Timestamp>.<body>" under the secret. */
  signatureValid: boolean;
  /** What the fake answered. */
  status: number;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
}

export interface FakeWebhook {
  url: string;
  /** The certificate to trust (write it to the file JIT_EVENT_WEBHOOK_CA names). */
  ca: string;
  posts: ReceivedPost[];
  /** The events it answered 2xx to, in arrival order. */
  accepted(): StreamEvent[];
  /** Answers the next `count` posts with `answer` (then 200 again). */
  failNext(count: number, answer?: Answer): void;
  /** Answers every post with `answer` until `recover()`. */
  failAll(answer?: Answer): void;
  recover(): void;
  close(): Promise<void>;
}

export async function startFakeWebhook(secret: string, path = '/jit-events'): Promise<FakeWebhook> {
  const { cert, key } = makeSelfSignedCertificate('fake-webhook');
  const posts: ReceivedPost[] = [];
  let failures: { remaining: number; answer: Answer } | undefined;
  const server = https.createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const timestamp = String(req.headers['x-jit-timestamp'] ?? '');
      const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
      const given = String(req.headers['x-jit-signature'] ?? '');
      const signatureValid = given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
      let answer: Answer = { status: req.method === 'POST' && req.url === path && signatureValid ? 200 : 400 };
      if (failures && failures.remaining > 0) {
        answer = failures.answer;
        failures.remaining--;
      }
      posts.push({ event: JSON.parse(body) as StreamEvent, body, headers: req.headers, signatureValid, status: answer.status });
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.status < 300 ? 'ok' : `refused (${answer.status})`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}${path}`,
    ca: cert,
    posts,
    accepted: () => posts.filter((post) => post.status >= 200 && post.status < 300).map((post) => post.event),
    failNext(count, answer = { status: 500 }) {
      failures = { remaining: count, answer };
    },
    failAll(answer = { status: 500 }) {
      failures = { remaining: Number.POSITIVE_INFINITY, answer };
    },
    recover() {
      failures = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
