// One GET to an on-call service with Node's fetch: a deadline of a few seconds
// (a rule must not make a request wait for a service that hangs), and every way
// it can fail turned into one sentence a requester can read in `/jit explain`
// ("PagerDuty could not be reached (timeout after 3 s)").

/** Why a service could not answer; `message` is the sentence shown. */
export class ServiceProblem extends Error {}

export interface ServiceCall {
  /** The service's name as people know it: PagerDuty, Opsgenie. */
  service: string;
  /** The variable holding its token, named when the token is refused. */
  tokenVariable: string;
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** The default deadline of one call. */
export const DEFAULT_TIMEOUT_MS = 3_000;

/** The status and parsed JSON body of a 2xx, 400 or 404 answer (the caller knows what those mean); a ServiceProblem otherwise. */
export async function getJson(call: ServiceCall): Promise<{ status: number; body: unknown }> {
  const { service } = call;
  let response: Response;
  try {
    response = await (call.fetch ?? fetch)(call.url, { headers: call.headers, signal: AbortSignal.timeout(call.timeoutMs), redirect: 'error' });
  } catch (error) {
    throw new ServiceProblem(`${service} could not be reached (${unreachable(error, call.timeoutMs)})`, { cause: error });
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    if (isTimeout(error)) throw new ServiceProblem(`${service} could not be reached (timeout after ${seconds(call.timeoutMs)})`, { cause: error });
    body = undefined;
  }
  const status = response.status;
  if (status === 401 || status === 403)
    throw new ServiceProblem(`${service} refused the bot's token (HTTP ${status}${detail(body)}): check ${call.tokenVariable} and the key's access`);
  if (status === 429) throw new ServiceProblem(`${service} is limiting the bot's requests (HTTP 429): try again in a minute`);
  if ((status < 200 || status > 299) && status !== 400 && status !== 404) throw new ServiceProblem(`${service} answered HTTP ${status}${detail(body)}`);
  if (body === undefined && status >= 200 && status <= 299) throw new ServiceProblem(`${service} answered something that is not JSON (HTTP ${status})`);
  return { status, body };
}

/** The error text both services put in an error body: PagerDuty's `error.message`, Opsgenie's `message`. */
export function errorMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as { message?: unknown; error?: { message?: unknown; errors?: unknown } };
  const nested = record.error?.message;
  const extra = Array.isArray(record.error?.errors) ? record.error.errors.filter((e): e is string => typeof e === 'string') : [];
  const message = typeof nested === 'string' ? [nested, ...extra].join(': ') : typeof record.message === 'string' ? record.message : undefined;
  return message === undefined || message.trim() === '' ? undefined : message.trim().slice(0, 200);
}

function detail(body: unknown): string {
  const message = errorMessage(body);
  return message === undefined ? '' : `: ${message}`;
}

function unreachable(error: unknown, timeoutMs: number): string {
  if (isTimeout(error)) return `timeout after ${seconds(timeoutMs)}`;
  const code = causeCode(error);
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
  if (code === 'ECONNRESET') return 'the connection was reset';
  if (code !== undefined) return code;
  return error instanceof Error ? error.message : String(error);
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

function causeCode(error: unknown): string | undefined {
  for (let at: unknown = error; at instanceof Error; at = at.cause) {
    const code = (at as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('E')) return code;
  }
  return undefined;
}

/** 3000 → `3 s`, 250 → `0.25 s`. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(2))} s`;
}
