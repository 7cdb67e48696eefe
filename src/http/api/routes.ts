// The REST API's routes (/api/v1), served as Bolt custom routes on the bot's
// PORT. Every route but the OpenAPI document wants a token; the call is
// recorded in the audit log as its owner before anything is done, and then
// acts through the same use cases as Slack (same rules, approvals, limits).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseInitiate } from '../../domain/api/initiate.js';
import { apiPolicy, apiProblems, requestResult } from '../../domain/api/views.js';
import type { ApiToken } from '../../domain/api-token-record.js';
import { normaliseRequestId } from '../../domain/ids.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { AccessWorkflow } from '../../workflow/access-workflow.js';
import { ApiRequests } from '../../workflow/api-requests.js';
import type { AuthResult } from '../../workflow/api-tokens.js';
import { errorAnswer, notRecorded, unauthorized } from './answers.js';
import { openApiDocument } from './openapi.js';
import { API_METHODS as METHODS, API_PREFIX } from './paths.js';
import { type Answer, apiError, readJson, send } from './wire.js';

export { API_PREFIX } from './paths.js';

export interface ApiDeps {
  tokens: { authenticate(authorization: string | undefined, call: { method: string; path: string }): Promise<AuthResult> };
  /** Bound late: the workflow is built after the app that serves these routes. */
  workflow: () => AccessWorkflow;
  clock: Clock;
  logger: Logger;
}

type Req = IncomingMessage & { params?: Record<string, string | string[] | undefined> };

/** One authenticated call: who (the token's owner) and the path's parameters. */
interface Call {
  req: Req;
  token: ApiToken;
  id?: string;
}

export interface ApiRoute {
  path: string;
  /** The methods it serves (the others get 405); none: the JSON 404 for paths the API does not have. */
  serves: string[];
  method: string[];
  handler: (req: Req, res: ServerResponse) => void;
}

export function apiRoutes(deps: ApiDeps): ApiRoute[] {
  const requests = () => new ApiRequests(deps.workflow());
  return [
    route(deps, `${API_PREFIX}/openapi.json`, 'GET', async () => ({ status: 200, body: openApiDocument() })),
    route(
      deps,
      `${API_PREFIX}/policy`,
      'GET',
      authed(deps, async () => ({ status: 200, body: apiPolicy(deps.workflow().ctx.policy()) })),
    ),
    route(
      deps,
      `${API_PREFIX}/requests`,
      'POST',
      authed(deps, (call) => createRequest(deps, call)),
    ),
    route(
      deps,
      `${API_PREFIX}/requests/:id`,
      'GET',
      authed(deps, async (call) => {
        const found = await visible(requests(), call);
        return found === undefined ? notFound(call) : { status: 200, body: requestResult(found) };
      }),
    ),
    route(
      deps,
      `${API_PREFIX}/requests/:id/revoke`,
      'POST',
      authed(deps, async (call) => {
        const api = requests();
        const found = await visible(api, call);
        if (found === undefined) return notFound(call);
        await api.end(found[0]!, call.token.owner);
        return { status: 200, body: requestResult((await api.visible(found[0]!.id, call.token.owner)) ?? found) };
      }),
    ),
    // Last (Bolt tries routes in order): any other path under the API answers in JSON too.
    {
      path: `${API_PREFIX}/*rest`,
      serves: [],
      method: METHODS,
      handler: (req, res) => {
        req.resume();
        send(res, apiError(404, 'not_found', `There is no ${req.method ?? ''} ${pathOf(req)} in this API: ${API_PREFIX}/openapi.json lists every call.`));
      },
    },
  ];
}

async function createRequest(deps: ApiDeps, call: Call): Promise<Answer> {
  const body = await readJson(call.req);
  if (!body.ok) return body.answer;
  const workflow = deps.workflow();
  const parsed = parseInitiate(body.value, workflow.ctx.policy(), deps.clock.now());
  if (!parsed.ok) {
    return apiError(parsed.status, 'invalid_request', parsed.problems.map((p) => p.message).join(' '), { problems: parsed.problems });
  }
  const result = await workflow.request({ requester: call.token.owner, ...parsed.input });
  if (!result.ok) {
    const problems = apiProblems(result.problems);
    return apiError(422, 'invalid_request', problems.map((p) => p.message).join(' '), { problems });
  }
  const members = result.batch ?? [result.request];
  const answer = requestResult(members);
  return {
    status: members.some((member) => member.state === 'pending') ? 202 : 201,
    body: answer,
    headers: { location: `${API_PREFIX}/requests/${answer.id}` },
  };
}

function visible(api: ApiRequests, call: Call) {
  const id = normaliseRequestId(call.id ?? '');
  return id === undefined ? Promise.resolve(undefined) : api.visible(id, call.token.owner);
}

/** Someone else's request is "not found" too: ids cannot be probed. */
function notFound(call: Call): Answer {
  return apiError(
    404,
    'not_found',
    `There is no request ${String(call.id ?? '').slice(0, 20)} of yours: ids are six characters, as POST /api/v1/requests returned.`,
  );
}

/** The route's handler for `serves`; any other method is a 405; a throw is answered, never left hanging. */
function route(deps: ApiDeps, path: string, serves: string, handle: (req: Req) => Promise<Answer>): ApiRoute {
  return {
    path,
    serves: [serves],
    method: METHODS,
    handler: (req, res) => {
      if ((req.method ?? '').toUpperCase() !== serves) {
        req.resume();
        return send(res, apiError(405, 'method_not_allowed', `${path.replace(':id', '{id}')} takes ${serves} only.`, { headers: { allow: serves } }));
      }
      handle(req).then(
        (answer) => send(res, answer),
        (error: unknown) => send(res, errorAnswer(error, deps.logger, `API ${req.method} ${pathOf(req)}`)),
      );
    },
  };
}

/** Authenticates, records the use (before acting; a use that cannot be recorded refuses the call), then acts as the token's owner. */
function authed(deps: ApiDeps, act: (call: Call) => Promise<Answer>): (req: Req) => Promise<Answer> {
  return async (req) => {
    const method = (req.method ?? '').toUpperCase();
    const header = req.headers.authorization;
    let auth: AuthResult;
    try {
      auth = await deps.tokens.authenticate(header, { method, path: pathOf(req) });
    } catch (error) {
      deps.logger.error(`API ${method} ${pathOf(req)}: the token's use could not be recorded, so the call was refused:`, error);
      req.resume();
      return notRecorded();
    }
    if (!auth.ok) {
      req.resume();
      return unauthorized(auth.reason, auth.tokenId);
    }
    const id = typeof req.params?.id === 'string' ? req.params.id : undefined;
    return act({ req, token: auth.token, ...(id === undefined ? {} : { id }) });
  };
}

/** The path without its query, at most 200 characters (it goes into the audit log). */
function pathOf(req: IncomingMessage): string {
  const path = (req.url ?? '').split('?')[0] ?? '';
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}
