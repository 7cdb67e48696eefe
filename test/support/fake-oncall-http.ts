// What the fake PagerDuty and Opsgenie servers share: a loopback HTTP server
// that records each request, can be told to fail the next calls (429 with
// Retry-After, 500) or to hold its answers past a client's deadline, and closes
// cleanly even with a held request open.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: IncomingMessage['headers'];
}

export interface FakeService {
  /** Base URL, e.g. http://127.0.0.1:43121 (what JIT_PAGERDUTY_URL or JIT_OPSGENIE_URL is set to). */
  url: string;
  requests: RecordedRequest[];
  /** The next `times` requests answer `status` (default once). */
  failNext(status: number, times?: number): void;
  /** While set, requests get no answer until the server closes (a client's timeout fires first). */
  hang: boolean;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, url: URL) => { status: number; body: unknown; headers?: Record<string, string> };

export async function startFakeService(handle: Handler, errorBody: (status: number) => unknown): Promise<FakeService> {
  const failures: number[] = [];
  const held = new Set<ServerResponse>();
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers });
    if (fake.hang) {
      held.add(res);
      return;
    }
    const failure = failures.shift();
    const answer =
      failure !== undefined
        ? { status: failure, body: errorBody(failure), headers: failure === 429 ? { 'retry-after': '1' } : undefined }
        : handle(req, new URL(req.url ?? '/', 'http://fake'));
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake: FakeService = {
    url: `http://127.0.0.1:${port}`,
    requests,
    hang: false,
    failNext(status, times = 1) {
      for (let i = 0; i < times; i++) failures.push(status);
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
