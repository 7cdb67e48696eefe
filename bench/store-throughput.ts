// 6. Store throughput: whole request lifecycles through SqliteStore on a WAL
// file — created (pending), approved, active, closing, closed — each write one
// transaction with its hash-chained audit row and the outbox rows the workflow
// writes beside it (announce() decides which). The reference, in the same run
// and on the same disk, writes the same rows (same JSON, same schema, same
// pragmas) with bare prepared statements: no compare-and-swap, no hash chain,
// no read-back. Rounds alternate between the two. Rows 7a/7b run the same
// lifecycles on PostgreSQL (bench/store-postgres.ts).

import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { AccessRequest, AuditEvent, RequestState } from '../src/domain/types.js';
import { migrate } from '../src/store/migrate.js';
import { migrations } from '../src/store/migrations/index.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { announce, auditEvent } from '../src/domain/change.js';
import type { Notification } from '../src/ports/notifier.js';
import { rowOf, type Benchmark } from './support/context.js';
import { count, median, ratio, requireSane } from './support/stats.js';

const ROW = {
  id: '6',
  benchmark: 'Store: lifecycle transitions per second (create → approve → open → closing → closed), each with its audit and outbox rows, SQLite WAL',
  target: '— (no target)',
};

/** One write of a lifecycle: the request as it becomes, why, and what it announces. */
export interface Step {
  request: AccessRequest;
  from?: RequestState;
  events: AuditEvent[];
  notifications: Notification[];
}

/** The five writes of one request's life, with the events and messages the workflow writes for each. */
export function lifecycle(id: string, now: number): Step[] {
  const pending: AccessRequest = {
    kind: 'grant',
    id,
    state: 'pending',
    version: 1,
    createdAt: now,
    requester: `U${id.toUpperCase()}`,
    vm: 'web-1',
    ports: [{ number: 22, protocol: 'TCP' }],
    source: '203.0.113.7/32',
    durationSeconds: 7200,
    justification: 'deploy hotfix INC-4711',
    decision: {
      effect: 'require_approval',
      approvalsNeeded: 1,
      approvers: ['UAPPROVER1', 'UAPPROVER2'],
      matchedRule: null,
      reasons: ['no rule matched: one approval from the default approvers'],
      pendingTimeoutSeconds: 1800,
      denyEndsRequest: true,
    },
    approvals: [],
    target: { vmId: 'web-1', address: '10.0.0.4', backend: 'memory' },
  };
  const created = auditEvent('request.created', pending, pending.requester, now);
  const steps: Step[] = [
    {
      request: pending,
      events: [created],
      notifications: [
        { kind: 'audit', event: created, request: pending },
        { kind: 'requester_dm', event: 'request.created', request: pending },
        { kind: 'approval_request', target: 'CAPPROVALS', request: pending },
      ],
    },
  ];
  const change = (
    from: AccessRequest,
    next: AccessRequest,
    name: AuditEvent['name'],
    options: { dm?: boolean; updateApproval?: boolean },
    detail?: string,
  ): AccessRequest => {
    const event = auditEvent(name, next, 'system', now, detail);
    steps.push({ request: { ...next, version: from.version + 1 }, from: from.state, events: [event], notifications: announce(event, next, options) });
    return { ...next, version: from.version + 1 };
  };
  const approved = change(
    pending,
    { ...pending, state: 'approved', approvals: ['UAPPROVER1'], decidedBy: 'UAPPROVER1' },
    'request.approved',
    { dm: true, updateApproval: true },
    '1 of 1',
  );
  const active = change(approved, { ...approved, state: 'active', startAt: now, endAt: now + 7_200_000 }, 'grant.opened', { dm: true });
  const closing = change(active, { ...active, state: 'closing', reason: 'expired' }, 'grant.closing', {}, 'expired');
  change(closing, { ...closing, state: 'closed' }, 'grant.closed', { dm: true }, 'expired');
  return steps;
}

export function idOf(n: number): string {
  return `r${n.toString(36).padStart(8, '0')}`;
}

/** The store under test: insertRequest for the first step, a compare-and-swap transition for the others. */
function throughStore(file: string) {
  const store = SqliteStore.open(file);
  return {
    async write(step: Step) {
      if (step.from === undefined) return void (await store.insertRequest(step.request, step.events, step.notifications));
      const expected = { id: step.request.id, state: step.from, version: step.request.version - 1 };
      if (!(await store.transition(expected, step.request, step.events, step.notifications)))
        throw new Error(`transition of ${step.request.id} from ${step.from} lost`);
    },
    close: () => store.close(),
  };
}

/** The floor: the same rows and the same JSON, with bare statements on the same schema and pragmas. */
function throughBareSqlite(file: string) {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db, migrations);
  const insert = db.prepare('INSERT INTO requests (id, state, version, requester, vm, created_at, end_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const update = db.prepare('UPDATE requests SET state = ?, version = ?, end_at = ?, data = ? WHERE id = ?');
  const event = db.prepare('INSERT INTO audit_events (request_id, name, actor, at, detail) VALUES (?, ?, ?, ?, ?)');
  const outbox = db.prepare('INSERT INTO outbox (request_id, notification) VALUES (?, ?)');
  const write = db.transaction((step: Step) => {
    const r = step.request;
    const data = JSON.stringify(r);
    if (step.from === undefined) insert.run(r.id, r.state, r.version, r.requester, r.vm, r.createdAt, r.endAt ?? null, data);
    else update.run(r.state, r.version, r.endAt ?? null, data, r.id);
    for (const e of step.events) event.run(e.requestId, e.name, e.actor, e.at, e.detail ?? null);
    for (const n of step.notifications) outbox.run(r.id, JSON.stringify(n));
  }).immediate;
  return { write: (step: Step) => void write(step), close: () => db.close() };
}

export const storeThroughput: Benchmark = {
  name: 'store',
  rows: [ROW],
  async run(ctx) {
    const perRound = ctx.smoke ? 40 : 2000;
    const rounds = ctx.smoke ? 2 : 6;
    const sides = {
      store: { open: throughStore, file: join(ctx.dir, 'store-bench.db'), rates: [] as number[] },
      bare: { open: throughBareSqlite, file: join(ctx.dir, 'store-bare.db'), rates: [] as number[] },
    };
    let next = 0;
    let rows = 0;
    for (let round = -1; round < rounds; round++) {
      // The same requests for both sides, built before the clock starts.
      const first = next;
      next += perRound;
      const steps = Array.from({ length: perRound }, (_, i) => lifecycle(idOf(first + i), Date.now())).flat();
      if (round === 0) rows = steps.reduce((sum, s) => sum + 1 + s.events.length + s.notifications.length, 0) / steps.length;
      const order = round % 2 === 0 ? [sides.store, sides.bare] : [sides.bare, sides.store];
      for (const side of order) {
        const target = side.open(side.file);
        try {
          const started = performance.now();
          for (const step of steps) target.write(step);
          const took = performance.now() - started;
          // Round -1 warms both up (JIT, page cache) and is not counted.
          if (round >= 0) side.rates.push((steps.length / took) * 1000);
        } finally {
          target.close();
        }
      }
      if (round >= 0) ctx.log(`store: round ${round + 1}/${rounds}: store ${count(sides.store.rates.at(-1)!)}/s, bare ${count(sides.bare.rates.at(-1)!)}/s`);
    }
    const store = median(sides.store.rates);
    const bare = median(sides.bare.rates);
    requireSane('store transitions per second', store, { min: 10 });
    return [
      rowOf(ROW, {
        measured: `${count(store)} transitions/s (median of ${rounds} rounds of ${count(perRound * 5)}; ${rows.toFixed(1)} rows each)`,
        reference: `bare better-sqlite3, same rows and JSON: ${count(bare)}/s; store costs ${ratio(bare / store)} the bare writes`,
        verdict: 'info',
      }),
    ];
  },
};
