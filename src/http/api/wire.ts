// The REST API's wire: JSON bodies read with a size limit and a Content-Type
// check, and JSON answers, errors always `{"error": {"code", "message"}}`
// with a sentence that says what to do.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiProblem } from '../../domain/api/initiate.js';

/** The largest body a call may send. */
export const BODY_LIMIT = 64 * 1024;

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface ApiErrorBody {
  error: { code: string; message: string; problems?: ApiProblem[] };
}

export function apiError(status: number, code: string, message: string, extra: { problems?: ApiProblem[]; headers?: Record<string, string> } = {}): Answer {
  const error: ApiErrorBody['error'] = { code, message, ...(extra.problems ? { problems: extra.problems } : {}) };
  return { status, body: { error }, ...(extra.headers ? { headers: extra.headers } : {}) };
}

export function send(res: ServerResponse, answer: Answer): void {
  if (res.headersSent) return;
  res.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...answer.headers,
  });
  res.end(JSON.stringify(answer.body));
}

export type BodyResult = { ok: true; value: unknown } | { ok: false; answer: Answer };

/** The request's JSON body: 415 unless application/json, 413 past BODY_LIMIT (read no further), 400 when it does not parse. */
export async function readJson(req: IncomingMessage, limit = BODY_LIMIT): Promise<BodyResult> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    return { ok: false, answer: apiError(415, 'unsupported_media_type', 'Send the body as JSON with `Content-Type: application/json`.') };
  }
  const tooLarge = () => ({
    ok: false as const,
    answer: apiError(413, 'body_too_large', `The body is larger than ${limit / 1024} KB: send less.`, { headers: { connection: 'close' } }),
  });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return tooLarge();
  }
  const body = await collect(req, limit);
  if (body === undefined) return tooLarge();
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { ok: false, answer: apiError(400, 'invalid_json', 'The body is not valid JSON: check it with a JSON linter (jq . < body.json).') };
  }
}

/**
 * The body, or undefined as soon as it passes `limit`: the rest is drained,
 * not kept, and the 413 closes the connection.
 */
function collect(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume();
      resolve(undefined);
    };
    req.on('data', onData);
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
