// The API routes on a real HTTP server on loopback, routed as Bolt routes
// them (path-to-regexp): a call whose token use cannot be recorded fails
// closed (503, nothing done), a call whose token does not authenticate does
// nothing, and the OpenAPI checker itself refuses what the document does not
// describe (so the end-to-end check can fail).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { match } from 'path-to-regexp';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApiDeps, apiRoutes } from '../../../src/http/api/routes.js';
import { openApiDocument } from '../../../src/http/api/openapi.js';
import { API_PATHS } from '../../../src/http/api/paths.js';
import { MemoryLogger } from '../../../src/ports/logger.js';
import type { AccessWorkflow } from '../../../src/workflow/access-workflow.js';
import { OpenApiCheck, type OpenApiDocument } from '../../support/api-openapi.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function serve(deps: ApiDeps): Promise<string> {
  const routes = apiRoutes(deps);
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    for (const route of routes) {
      const found = match(route.path)(path);
      if (found) return route.handler(Object.assign(req, { params: found.params as Record<string, string> }), res);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

/** A workflow that fails the test if anything reaches it. */
const untouchable = (): AccessWorkflow => {
  throw new Error('the workflow must not be reached');
};

describe('API routes', () => {
  it('aUseThatCannotBeRecorded_is503_andNothingIsDone', async () => {
    const logger = new MemoryLogger();
    const base = await serve({
      tokens: {
        authenticate: async () => {
          throw new Error('database is locked');
        },
      },
      workflow: untouchable,
      clock: { now: () => 0 },
      logger,
    });
    const answer = await fetch(`${base}/api/v1/requests`, {
      method: 'POST',
      headers: { authorization: 'Bearer x', 'content-type': 'application/json' },
      body: JSON.stringify({ virtualMachines: [] }),
    });
    expect(answer.status).toBe(503);
    expect(await answer.json()).toEqual({
      error: { code: 'unavailable', message: expect.stringContaining('could not record this call in its audit log, so it did nothing') },
    });
    expect(logger.lines.some((line) => line.level === 'error' && line.text.includes('could not be recorded'))).toBe(true);
  });

  it('aFailureOfTheBotItself_isA500AsDocumented_andIsLogged', async () => {
    const logger = new MemoryLogger();
    const token = { id: 'k7m2qpab', owner: 'UREQ', name: '', secretHash: '0'.repeat(64), createdAt: 0, expiresAt: 1 };
    const base = await serve({
      tokens: { authenticate: async () => ({ ok: true, token }) },
      workflow: () => {
        throw new TypeError('policy is not readable');
      },
      clock: { now: () => 0 },
      logger,
    });
    const answer = await fetch(`${base}/api/v1/policy`, { headers: { authorization: 'Bearer x' } });
    const body: unknown = await answer.json();
    expect(answer.status).toBe(500);
    expect(body).toEqual({ error: { code: 'internal', message: expect.stringContaining('try again in a minute') } });
    expect(new OpenApiCheck(JSON.parse(JSON.stringify(openApiDocument())) as OpenApiDocument).check('GET', '/api/v1/policy', 500, body)).toEqual([]);
    expect(logger.lines.some((line) => line.level === 'error' && line.text.includes('GET /api/v1/policy'))).toBe(true);
  });

  it('thePathsRegisteredAtStart_areTheRoutesThatAnswer_inTheSameOrder', () => {
    const real = apiRoutes({
      tokens: { authenticate: async () => ({ ok: false, reason: 'missing' }) },
      workflow: untouchable,
      clock: { now: () => 0 },
      logger: new MemoryLogger(),
    });
    expect(API_PATHS.map(({ path, serves }) => [path, serves ?? null])).toEqual(real.map((route) => [route.path, route.serves[0] ?? null]));
  });

  it('aTokenThatDoesNotAuthenticate_reachesNothing', async () => {
    const base = await serve({
      tokens: { authenticate: async () => ({ ok: false, reason: 'revoked', tokenId: 'k7m2qpab' }) },
      workflow: untouchable,
      clock: { now: () => 0 },
      logger: new MemoryLogger(),
    });
    const answer = await fetch(`${base}/api/v1/requests/abcdef/revoke`, { method: 'POST', headers: { authorization: 'Bearer x' } });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('theDocument_isServedWithoutAToken_andIsWhatTheModuleBuilds', async () => {
    const base = await serve({
      tokens: { authenticate: async () => ({ ok: false, reason: 'missing' }) },
      workflow: untouchable,
      clock: { now: () => 0 },
      logger: new MemoryLogger(),
    });
    const answer = await fetch(`${base}/api/v1/openapi.json`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });
});

describe('the OpenAPI checker', () => {
  const check = new OpenApiCheck(JSON.parse(JSON.stringify(openApiDocument())) as OpenApiDocument);

  it('refusesABodyTheSchemaDoesNotAllow_anUndocumentedStatus_andAnUnknownPath', () => {
    expect(check.check('GET', '/api/v1/policy', 200, { name: 'default', kind: 'Basic' })).not.toEqual([]);
    expect(check.check('GET', '/api/v1/requests/abcdef', 200, { id: 'abcdef', state: 'sleeping', outcome: 'approved', requests: [] })).not.toEqual([]);
    expect(check.check('GET', '/api/v1/policy', 418, {})).toEqual(['GET /api/v1/policy: status 418 is not documented']);
    expect(check.check('GET', '/api/v2/policy', 200, {})).toEqual(['GET /api/v2/policy: no such path in the document']);
    expect(check.check('GET', '/api/v1/requests/abcdef', 404, { error: { code: 'not_found', message: 'x' } })).toEqual([]);
  });

  it('tracksWhichOperationsWereExercised', () => {
    expect(check.unexercised()).toEqual(['GET /api/v1/openapi.json', 'POST /api/v1/requests', 'POST /api/v1/requests/{id}/revoke']);
  });
});
