// GET /metrics: the bot's Prometheus metrics (metrics/metrics.ts). With
// JIT_METRICS_TOKEN set, only a scrape that sends `Authorization: Bearer
// <token>` gets them; the comparison takes the same time however much of a
// wrong token matches.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface MetricsRouteDeps {
  render(): Promise<{ contentType: string; body: string }>;
  /** JIT_METRICS_TOKEN; unset: /metrics is open. */
  token?: string | undefined;
  logger: { warn(...parts: unknown[]): void };
}

export const METRICS_PATH = '/metrics';

export function metricsRoute(deps: MetricsRouteDeps) {
  const expected = deps.token === undefined ? undefined : digest(deps.token);
  return {
    path: METRICS_PATH,
    method: ['GET'],
    handler: async (req: IncomingMessage, res: ServerResponse) => {
      if (expected !== undefined && !authorized(req.headers.authorization, expected)) {
        res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="jit metrics"', 'cache-control': 'no-store' });
        res.end('401: send Authorization: Bearer <JIT_METRICS_TOKEN>\n');
        return;
      }
      try {
        const { contentType, body } = await deps.render();
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(body);
      } catch (error) {
        deps.logger.warn('metrics: could not render /metrics:', error);
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('500: the metrics could not be read; see the bot log\n');
      }
    },
  };
}

function authorized(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  // Hashing first gives both sides one length, so timingSafeEqual never throws and never tells the length.
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
