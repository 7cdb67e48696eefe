// The REST API's routes as the HTTP receiver registers them at start: each
// path and the one method it serves (any other gets a 405), and last the JSON
// 404 for every other path under the prefix. The handlers (routes.ts) load on
// the first call, so a bot nobody scripts against never loads them.

export const API_PREFIX = '/api/v1';

/** Every method is routed, so that one a path does not serve gets a 405 naming those it does. */
export const API_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

export const API_PATHS: ReadonlyArray<{ path: string; serves?: string }> = [
  { path: `${API_PREFIX}/openapi.json`, serves: 'GET' },
  { path: `${API_PREFIX}/policy`, serves: 'GET' },
  { path: `${API_PREFIX}/requests`, serves: 'POST' },
  { path: `${API_PREFIX}/requests/:id`, serves: 'GET' },
  { path: `${API_PREFIX}/requests/:id/revoke`, serves: 'POST' },
  // Last (Bolt tries routes in order): any other path under the API answers in JSON too.
  { path: `${API_PREFIX}/*rest` },
];
