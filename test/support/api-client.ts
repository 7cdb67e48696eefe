// A script's view of the REST API: fetch against the bot's port on loopback,
// every answer checked against the served OpenAPI document (api-openapi.ts)
// before the test sees it.

import { expect } from 'vitest';
import type { OpenApiCheck } from './api-openapi.js';

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: unknown;
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers freely
  json: any;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** A raw body (sent as it is), instead of `body` as JSON. */
  raw?: string;
  contentType?: string;
}

export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly check: OpenApiCheck | undefined,
  ) {}

  async call(method: string, path: string, options: CallOptions = {}): Promise<ApiAnswer> {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
    const text = await response.text();
    const body: unknown = text === '' ? undefined : JSON.parse(text);
    if (response.status !== 405) expect(this.check?.check(method, path, response.status, body) ?? []).toEqual([]);
    return { status: response.status, headers: response.headers, body, json: body };
  }

  get(path: string, token?: string): Promise<ApiAnswer> {
    return this.call('GET', path, token === undefined ? {} : { token });
  }

  post(path: string, token: string | undefined, body?: unknown): Promise<ApiAnswer> {
    return this.call('POST', path, { ...(token === undefined ? {} : { token }), ...(body === undefined ? {} : { body }) });
  }
}
