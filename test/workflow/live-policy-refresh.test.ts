// LivePolicy with an asynchronous source (Defender for Cloud): a read that
// fails keeps the last good policy, the next good read applies; a scheduled
// read (refresh) that finds nothing changed does nothing at all.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePolicyDocument } from '../../src/domain/policy/parse.js';
import { createLogger } from '../../src/log.js';
import { KeyedLock } from '../../src/ports/lock.js';
import { MemoryBackend } from '../../src/ports/memory-firewall.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { BackendRegistry } from '../../src/workflow/backends.js';
import { LivePolicy, type PolicyFile } from '../../src/workflow/live-policy.js';
import { FakeClock } from '../support/fake-clock.js';

const port = (number: number) => ({ number, protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H' });
const documentWith = (...ports: number[]) => ({
  approvers: ['UAPPROVER1'],
  value: [{ id: '/p/default', properties: { virtualMachines: [{ id: 'web-1', address: '10.0.0.4', ports: ports.map(port) }] } }],
});

function fileOf(document: unknown): PolicyFile {
  const parsed = parsePolicyDocument(document);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return { document, policy: parsed.policy };
}

let dir: string;
let store: SqliteStore;
let backend: MemoryBackend;
let live: LivePolicy;
/** What the next read returns: a document, or the reason it fails. */
let next: { document: unknown } | { fails: string };
let reads: number;
let protects: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jit-live-refresh-'));
  store = SqliteStore.open(join(dir, 'jit.db'));
  backend = new MemoryBackend();
  const registry = new BackendRegistry([backend], 'memory');
  protects = 0;
  const protectAll = registry.protectAll.bind(registry);
  registry.protectAll = async (policy) => {
    protects += 1;
    return protectAll(policy);
  };
  reads = 0;
  next = { document: documentWith(22) };
  live = await LivePolicy.load(
    {
      store,
      backends: registry,
      clock: new FakeClock(),
      logger: createLogger({ write: () => undefined }),
      lock: new KeyedLock(),
      // Asynchronous, as a read from Azure is.
      readFile: async () => {
        reads += 1;
        await new Promise((resolve) => setImmediate(resolve));
        if ('fails' in next) throw new Error(next.fails);
        return fileOf(next.document);
      },
    },
    fileOf(documentWith(22)),
  );
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const ports = () => live.policy().vms[0]?.ports.map((p) => p.number);

describe('LivePolicy with an asynchronous source', () => {
  it('reload_whenTheReadFails_keepsTheLastGoodPolicy_thenAppliesTheNextGoodRead', async () => {
    next = { fails: 'Defender for Cloud: HTTP 503' };
    await expect(live.reload()).rejects.toThrow('HTTP 503');
    expect(ports()).toEqual([22]);
    expect(protects).toBe(0);

    next = { document: documentWith(22, 3389) };
    await live.reload();
    expect(ports()).toEqual([22, 3389]);
    // The new port is protected before it can be asked for.
    expect(protects).toBe(1);
  });

  it('refresh_unchanged_readsButAppliesNothing', async () => {
    expect(await live.refresh()).toBeUndefined();
    expect(reads).toBe(1);
    expect(protects).toBe(0);
  });

  it('refresh_changed_appliesTheNewPolicy_andAFailureKeepsIt', async () => {
    next = { document: documentWith(2222) };
    const composed = await live.refresh();
    expect(composed?.policy.vms[0]?.ports.map((p) => p.number)).toEqual([2222]);
    expect(ports()).toEqual([2222]);

    next = { fails: 'no network' };
    await expect(live.refresh()).rejects.toThrow('no network');
    expect(ports()).toEqual([2222]);

    // Back to the same document as the last applied one: nothing to do.
    next = { document: documentWith(2222) };
    expect(await live.refresh()).toBeUndefined();
    expect(protects).toBe(1);
  });

  it('reload_unchanged_appliesAgain_asSighupAlwaysHas', async () => {
    await live.reload();
    expect(protects).toBe(1);
  });
});
