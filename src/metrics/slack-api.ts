// Counts the Slack Web API calls that fail, by method, for /metrics. Bolt
// hands listeners a client of its own (one per workspace token) besides
// `app.client`, so every client is instrumented: `app.client` at once, the
// others as a global middleware first sees them. A WebClient binds each method
// (`client.chat.postMessage`) when it is built, so the methods themselves are
// wrapped, not `apiCall`.

import type { App } from '@slack/bolt';

type Failed = (method: string, error: string) => void;

export function countSlackApiErrors(app: App, failed: Failed): void {
  const instrumented = new WeakSet<object>();
  // An error is counted once, by the innermost method (files.uploadV2 fails when files.completeUploadExternal does).
  const counted = new WeakSet<object>();
  const instrument = (client: object): void => {
    if (instrumented.has(client)) return;
    instrumented.add(client);
    wrapNamespaces(client as Record<string, unknown>, '', (method, error) => {
      if (typeof error === 'object' && error !== null) {
        if (counted.has(error)) return;
        counted.add(error);
      }
      failed(method, errorLabel(error));
    });
  };
  instrument(app.client);
  app.use(async ({ client, next }) => {
    instrument(client);
    await next();
  });
}

/** Wraps every method of the plain-object namespaces (`chat`, `admin.apps`, …); the client's own options and helpers are left alone. */
function wrapNamespaces(target: Record<string, unknown>, prefix: string, failed: (method: string, error: unknown) => void): void {
  for (const [key, value] of Object.entries(target)) {
    if (typeof value === 'function' && prefix !== '') {
      const method = `${prefix}${key}`;
      const call = value as (...args: unknown[]) => unknown;
      target[key] = async (...args: unknown[]) => {
        try {
          return await call(...args);
        } catch (error) {
          failed(method, error);
          throw error;
        }
      };
    } else if (isPlainObject(value)) {
      wrapNamespaces(value, `${prefix}${key}.`, failed);
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** Slack's own error (`channel_not_found`, `ratelimited`), `http_500`, or the client's code for a request that got no answer. */
function errorLabel(error: unknown): string {
  const { code, data, statusCode } = (error ?? {}) as { code?: unknown; data?: { error?: unknown }; statusCode?: unknown };
  if (code === 'slack_webapi_platform_error' && typeof data?.error === 'string') return data.error.replace(/[^\w.-]/g, '_').slice(0, 64);
  if (code === 'slack_webapi_http_error' && typeof statusCode === 'number') return `http_${statusCode}`;
  if (code === 'slack_webapi_rate_limited_error') return 'ratelimited';
  if (code === 'slack_webapi_request_error') return 'request_error';
  return typeof code === 'string' ? code.replace(/[^\w.-]/g, '_').slice(0, 64) : 'unknown';
}
