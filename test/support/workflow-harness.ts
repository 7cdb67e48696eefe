// A real workflow over a real SQLite file (or a store the caller opened), the
// memory firewall, fixed user groups and a fake clock: the use cases without Slack.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isJitError } from '../../src/domain/errors.js';
import { createLogger } from '../../src/log.js';
import type { Policy, PortPolicy, VmPolicy } from '../../src/domain/types.js';
import { MemoryBackend } from '../../src/ports/memory-firewall.js';
import { BackendRegistry } from '../../src/workflow/backends.js';
import { StaticDirectory } from '../../src/ports/directory.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { AccessWorkflow } from '../../src/workflow/access-workflow.js';
import { KeyedLock } from '../../src/ports/lock.js';
import type { WorkflowContext } from '../../src/workflow/context.js';
import type { RequestInput } from '../../src/workflow/create-request.js';
import type { Notification } from '../../src/ports/notifier.js';
import type { Store } from '../../src/ports/store.js';
import { FakeClock } from './fake-clock.js';
import { mrkdwn } from '../../src/slack/render.js';

export function port(number: number, overrides: Partial<PortPolicy> = {}): PortPolicy {
  return { number, protocol: 'TCP', anySource: true, allowedSourcePrefixes: [], maxDurationSeconds: 3 * 3600, minDurationSeconds: 1, ...overrides };
}

export function vm(name: string, overrides: Partial<VmPolicy> = {}): VmPolicy {
  return {
    id: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/${name}`,
    name,
    address: '10.0.0.4',
    tags: {},
    ports: [port(22)],
    ...overrides,
  };
}

export function policyOf(overrides: Partial<Policy> = {}): Policy {
  return { vms: [vm('web-1')], approvers: ['UAPPROVER1', 'UAPPROVER2'], rules: [], ...overrides };
}

export interface Harness {
  workflow: AccessWorkflow;
  ctx: WorkflowContext;
  store: Store;
  /** The SQLite file behind `store`; never created when the caller gave the store. */
  dbFile: string;
  backend: MemoryBackend;
  clock: FakeClock;
  policy: Policy;
  setPolicy(policy: Policy): void;
  /** Notifications written so far, oldest first. */
  notifications(): Promise<Notification[]>;
  input(overrides?: Partial<RequestInput>): RequestInput;
  cleanup(): void;
}

export interface HarnessOptions {
  policy?: Policy;
  groups?: Record<string, string[]>;
  approvalChannel?: string;
  /** The store to run over (the store contract's engines); a SQLite file at the harness's clock by default. */
  store?: Store;
}

export function createHarness(options: HarnessOptions = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'jit-workflow-'));
  const clock = new FakeClock();
  const dbFile = join(dir, 'jit.db');
  const store = options.store ?? SqliteStore.open(dbFile, { clock });
  const backend = new MemoryBackend();
  let policy = options.policy ?? policyOf();
  let seed = 0;
  const ctx: WorkflowContext = {
    store,
    backends: new BackendRegistry([backend], 'memory'),
    clock,
    policy: () => policy,
    directory: new StaticDirectory(options.groups ?? {}),
    // Deterministic but distinct IDs per harness.
    randomBytes: (size) => Uint8Array.from({ length: size }, () => (seed = (seed * 131 + 17) % 241)),
    logger: createLogger({ write: () => undefined }),
    settings: { pendingTimeoutMs: 30 * 60_000, ...(options.approvalChannel ? { approvalChannel: options.approvalChannel } : {}) },
    listener: {},
    lock: new KeyedLock(),
  };
  return {
    workflow: new AccessWorkflow(ctx),
    ctx,
    store,
    dbFile,
    backend,
    clock,
    get policy() {
      return policy;
    },
    setPolicy(next) {
      policy = next;
    },
    notifications: async () => (await store.pendingOutbox(10_000)).map((row) => row.notification),
    input: (overrides = {}) => ({ requester: 'UREQ', vm: 'web-1', ports: '22', source: '203.0.113.7', duration: '2h', justification: 'deploy', ...overrides }),
    cleanup() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The JitError a refused use case throws, as `code: sentence in Slack`; fails the test when nothing was refused. */
export async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    // What the user reads in Slack: the refusal as the Slack renderer writes it.
    if (isJitError(error)) return `${error.code}: ${mrkdwn(error.reason)}`;
    throw error;
  }
  throw new Error('expected a refusal');
}

/** Takes a few requests through their whole life (requested, approved, opened, expired, closed), so the audit log has rows of every kind. */
export async function liveThroughAFewGrants(h: Harness): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const result = await h.workflow.request(h.input({ requester: `UREQ${i}` }));
    if (!result.ok) throw new Error('request refused');
    await h.workflow.approve(result.request.id, 'UAPPROVER1');
    h.clock.advance(1000);
  }
  h.clock.advance(3 * 3600_000);
  await h.workflow.sweep();
}
