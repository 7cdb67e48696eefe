// GET /healthz: 200 when the database answers and every backend reports healthy,
// 503 otherwise, with a JSON body saying which part is unwell.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BackendRegistry } from '../workflow/backends.js';
import type { StoreLifecycle } from '../ports/store.js';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  database: 'ok' | 'unavailable';
  backends: Record<string, { ok: boolean; detail?: string }>;
}

const BACKEND_TIMEOUT_MS = 2000;

export async function healthReport(store: Pick<StoreLifecycle, 'ping'>, backends: BackendRegistry): Promise<HealthReport> {
  const database = (await store.ping()) ? 'ok' : 'unavailable';
  const entries = await Promise.all(
    backends.all().map(async (backend) => {
      try {
        return [backend.name, await withTimeout(backend.health(), BACKEND_TIMEOUT_MS)] as const;
      } catch (error) {
        return [backend.name, { ok: false, detail: error instanceof Error ? error.message : String(error) }] as const;
      }
    }),
  );
  const report = Object.fromEntries(entries);
  const healthy = database === 'ok' && entries.every(([, health]) => health.ok);
  return { status: healthy ? 'ok' : 'unavailable', database, backends: report };
}

export function healthRoute(store: Pick<StoreLifecycle, 'ping'>, backends: BackendRegistry) {
  return {
    path: '/healthz',
    method: ['GET'],
    handler: async (_req: IncomingMessage, res: ServerResponse) => {
      const report = await healthReport(store, backends);
      res.writeHead(report.status === 'ok' ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(report));
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
