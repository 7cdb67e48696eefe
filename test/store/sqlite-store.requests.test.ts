// What only SQLite has: a second connection to one file. The request store's
// behaviour itself is the store contract's (contract/requests.ts).

import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { makeRequest, makeTempDir, removeDir } from './fixtures.js';
import { approvalOf as approve, seedRequest as seed } from './fixtures.js';

let dir: string;
let file: string;
let stores: SqliteStore[];

function openStore(): SqliteStore {
  const store = SqliteStore.open(file);
  stores.push(store);
  return store;
}

beforeEach(() => {
  dir = makeTempDir();
  file = path.join(dir, 'jit.db');
  stores = [];
});

afterEach(() => {
  for (const store of stores) store.close();
  removeDir(dir);
});

describe('insertRequest / getRequest', () => {
  it('insertRequest_thenGetRequest_fromAFreshConnection_returnsEveryFieldUnchanged', async () => {
    const request = makeRequest();
    await openStore().insertRequest(request, [], []);

    // From a fresh connection, so nothing is served from a cache.
    expect(await openStore().getRequest(request.id)).toEqual(request);
  });
});

describe('transition', () => {
  it('transition_racedByTwoConnectionsOnOneFile_hasExactlyOneWinner', async () => {
    const a = openStore();
    const b = openStore();
    const request = await seed(a);
    const { next, events, notes } = approve(request);

    // Both connections read the same version; fifty attempts alternate between them.
    const winners: string[] = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      const [store, name] = attempt % 2 === 0 ? [b, 'b'] : [a, 'a'];
      if ((await store.transition(request, next, events, notes)) !== undefined) winners.push(name);
    }

    expect(winners).toEqual(['b']);
    expect((await a.getRequest(request.id))?.version).toBe(request.version + 1);
    expect(await a.auditEvents(request.id)).toHaveLength(2);
    expect(await b.pendingOutbox(100)).toHaveLength(3);
  });
});
