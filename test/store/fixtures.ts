// Shared setup for the store tests: a fresh directory per test (a real file,
// so WAL and a second connection behave as in production) and requests with
// every optional field filled, so a round trip that drops one is caught.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { OverlayVm } from '../../src/domain/policy/overlay.js';
import type { AccessRequest, AuditEvent, AuditEventName, SystemEvent } from '../../src/domain/types.js';
import type { Store } from '../../src/ports/store.js';
import type { Notification } from '../../src/ports/notifier.js';
import { type RequestFields, requestOf } from '../support/request-overrides.js';

export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'jit-store-'));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * A fresh database file per test (in its own directory), closed and removed
 * after it. `open()` opens the store on it at a fixed clock; `file` and `dir`
 * are there for raw connections and neighbouring files.
 */
export function freshStoreFile(nowMs = 1_800_000_000_000): { readonly dir: string; readonly file: string; open(): SqliteStore } {
  let dir = '';
  let store: SqliteStore | undefined;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => {
    store?.close();
    store = undefined;
    removeDir(dir);
  });
  return {
    get dir() {
      return dir;
    },
    get file() {
      return path.join(dir, 'jit.db');
    },
    open() {
      store = SqliteStore.open(path.join(dir, 'jit.db'), { clock: { now: () => nowMs } });
      return store;
    },
  };
}

export function makeRequest(overrides: RequestFields = {}): AccessRequest {
  return requestOf({
    id: 'abc234',
    state: 'pending',
    version: 1,
    requester: 'U0REQUEST',
    vm: 'web-01',
    ports: [
      { number: 22, protocol: 'TCP' },
      { number: 3389, protocol: '*' },
    ],
    source: '198.51.100.7/32',
    durationSeconds: 3600,
    justification: 'incident INC-42: disk full ✓',
    createdAt: 1_700_000_000_000,
    decision: {
      effect: 'require_approval',
      approvalsNeeded: 2,
      approvers: ['U0APPROVE1', 'S0GROUP'],
      matchedRule: 'prod-needs-two',
      reasons: ['vm matches web-*', 'port 22 requested'],
    },
    approvals: ['U0APPROVE1'],
    decidedBy: 'U0APPROVE2',
    startAt: 1_700_000_060_000,
    endAt: 1_700_003_660_000,
    reason: 'expired',
    ...overrides,
  });
}

export function makeEvent(request: AccessRequest, name: AuditEventName, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return { requestId: request.id, name, actor: 'U0ACTOR', at: request.createdAt, detail: `${name} detail`, ...overrides };
}

export function auditNote(request: AccessRequest, event: AuditEvent): Notification {
  return { kind: 'audit', event, request };
}

export function dmNote(request: AccessRequest, event: AuditEventName): Notification {
  return { kind: 'requester_dm', event, request };
}

/** The `next` a use case would hand to `transition`. */
export function moved(request: AccessRequest, changes: RequestFields): AccessRequest {
  return requestOf({ ...request, ...changes });
}

/** A request stored with its creation event and audit post, as the workflow stores a new one. */
export async function seedRequest(store: Pick<Store, 'insertRequest'>, overrides: RequestFields = {}): Promise<AccessRequest> {
  const request = makeRequest(overrides);
  const created = makeEvent(request, 'request.created');
  return await store.insertRequest(request, [created], [auditNote(request, created)]);
}

/** What completing the quorum of `request` writes: the next request, its event and its messages. */
export function approvalOf(request: AccessRequest): { next: AccessRequest; events: AuditEvent[]; notes: Notification[] } {
  const next = moved(request, { state: 'approved', approvals: ['U0APPROVE1', 'U0APPROVE2'] });
  const event = makeEvent(request, 'request.approved', { actor: 'U0APPROVE2' });
  return { next, events: [event], notes: [auditNote(next, event), dmNote(next, 'request.approved')] };
}

/** An SSH port as Azure's policy JSON writes one. */
export const SSH_PORT = { number: 22, protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H' };

/** An overlay entry as /jit enable saves one. */
export const overlayEntry = (name: string, ports: unknown[] = [SSH_PORT], by = 'UADMIN'): OverlayVm => ({
  name,
  vm: { id: name, ports },
  updatedBy: by,
  updatedAt: 1_800_000_000_000,
});

/** The audit event of enabling a VM from Slack. */
export const vmEnabled = (detail: string): SystemEvent => ({ name: 'policy.vm_enabled', actor: 'UADMIN', at: 1_800_000_000_000, detail });
