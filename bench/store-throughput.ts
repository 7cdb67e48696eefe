// 6. Store throughput: whole request lifecycles through SqliteStore on a WAL
// file — created (pending), approved, active, closing, closed — each write one
// transaction with its hash-chained audit row and the outbox rows the workflow
// writes beside it (announce() decides which). The reference, in the same run
// and on the same disk, writes the same rows (same JSON, same schema, same
// pragmas, the same outbox lanes and the same audit chain: each row's link and
// hash) with bare prepared statements, as one writer that alone owns its file
// would: no compare-and-swap, the chain's head in two variables, no read-back.
// The two take turns every 100 lifecycles, both open for the whole run, and the
// ratio is each round's, paired; at the end both files must hold the same
// rows. Rows 7a/7b run the same lifecycles on PostgreSQL (bench/store-postgres.ts).

import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { AccessRequest, AuditEvent, RequestState } from '../src/domain/types.js';
import { migrate } from '../src/store/migrate.js';
import { migrations } from '../src/store/migrations/index.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { announce, auditEvent } from '../src/domain/change.js';
import { GENESIS, rowHash } from '../src/domain/audit-chain.js';
import { laneOf } from '../src/domain/notification.js';
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
    async write(step: Step): Promise<void> {
      if (step.from === undefined) return void (await store.insertRequest(step.request, step.events, step.notifications));
      const expected = { id: step.request.id, state: step.from, version: step.request.version - 1 };
      if (!(await store.transition(expected, step.request, step.events, step.notifications)))
        throw new Error(`transition of ${step.request.id} from ${step.from} lost`);
    },
    close: () => store.close(),
  };
}

/**
 * The floor: the same rows and the same JSON, with bare statements on the same
 * schema and pragmas. Every audit row carries its link and hash, as the
 * store's do; the head is read once when the file is opened, then kept in two
 * variables (this writer alone owns the file, and the bench never rolls back).
 */
function throughBareSqlite(file: string) {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db, migrations);
  const insert = db.prepare('INSERT INTO requests (id, state, version, requester, vm, created_at, end_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const update = db.prepare('UPDATE requests SET state = ?, version = ?, end_at = ?, data = ? WHERE id = ?');
  const event = db.prepare('INSERT INTO audit_events (seq, request_id, name, actor, at, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const outbox = db.prepare('INSERT INTO outbox (request_id, lane, notification, created_at) VALUES (?, ?, ?, ?)');
  const last = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get();
  let seq = last?.seq ?? 0;
  let hash = last?.hash ?? GENESIS;
  const write = db.transaction((step: Step) => {
    const r = step.request;
    const data = JSON.stringify(r);
    if (step.from === undefined) insert.run(r.id, r.state, r.version, r.requester, r.vm, r.createdAt, r.endAt ?? null, data);
    else update.run(r.state, r.version, r.endAt ?? null, data, r.id);
    for (const e of step.events) {
      const row = { seq: seq + 1, requestId: e.requestId, name: e.name, actor: e.actor, at: e.at, detail: e.detail ?? null };
      const next = rowHash(row, hash);
      event.run(row.seq, row.requestId, row.name, row.actor, row.at, row.detail, hash, next);
      seq = row.seq;
      hash = next;
    }
    for (const n of step.notifications) outbox.run(r.id, laneOf(n), JSON.stringify(n), Date.now());
  }).immediate;
  return { write: (step: Step) => void write(step), close: () => db.close() };
}

/** Both sides wrote the same requests, the same audit chain (link and hash of every row) and the same outbox rows. */
function requireSameRows(storeFile: string, bareFile: string): void {
  const db = new BetterSqlite3(storeFile, { readonly: true });
  try {
    db.prepare('ATTACH DATABASE ? AS bare').run(bareFile);
    const tables = {
      requests: 'id, state, version, requester, vm, created_at, end_at, data',
      audit_events: 'seq, request_id, name, actor, at, detail, prev_hash, hash',
      // created_at is the clock's reading, different on each side.
      outbox: 'id, request_id, lane, notification, attempts, next_attempt_at, delivered_at, last_error',
    };
    for (const [table, columns] of Object.entries(tables)) {
      const differ = db
        .prepare<[], { n: number }>(
          `SELECT (SELECT count(*) FROM (SELECT ${columns} FROM main.${table} EXCEPT SELECT ${columns} FROM bare.${table}))
                + (SELECT count(*) FROM (SELECT ${columns} FROM bare.${table} EXCEPT SELECT ${columns} FROM main.${table})) AS n`,
        )
        .get()!.n;
      if (differ !== 0) throw new Error(`store and bare wrote different ${table} rows (${differ} differ): the reference no longer writes the same rows`);
    }
  } finally {
    db.close();
  }
}

/** Milliseconds as whole microseconds: 142 µs. */
function micros(milliseconds: number): string {
  return `${count(milliseconds * 1000)} µs`;
}

export const storeThroughput: Benchmark = {
  name: 'store',
  rows: [ROW],
  async run(ctx) {
    const perRound = ctx.smoke ? 40 : 2000;
    const rounds = ctx.smoke ? 2 : 6;
    // Both sides stay open for the whole run and take turns every CHUNK
    // lifecycles, so a burst of load on the (shared) machine falls on both.
    const CHUNK = ctx.smoke ? 10 : 100;
    const sides = {
      store: { target: throughStore(join(ctx.dir, 'store-bench.db')), file: join(ctx.dir, 'store-bench.db'), took: 0, cpu: 0, rates: [] as number[] },
      bare: { target: throughBareSqlite(join(ctx.dir, 'store-bare.db')), file: join(ctx.dir, 'store-bare.db'), took: 0, cpu: 0, rates: [] as number[] },
    };
    const ratios: number[] = [];
    // The same by CPU time (user + system) of this process: less swayed by what else runs on the machine.
    const cpuRatios: number[] = [];
    const cpuPerWrite = { store: [] as number[], bare: [] as number[] };
    let next = 0;
    let rows = 0;
    try {
      for (let round = -1; round < rounds; round++) {
        // The same requests for both sides, built before the clock starts.
        const chunks = Array.from({ length: perRound / CHUNK }, () => {
          const first = next;
          next += CHUNK;
          return Array.from({ length: CHUNK }, (_, i) => lifecycle(idOf(first + i), Date.now())).flat();
        });
        const writes = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
        if (round === 0) rows = chunks.flat().reduce((sum, s) => sum + 1 + s.events.length + s.notifications.length, 0) / writes;
        for (const side of [sides.store, sides.bare]) {
          side.took = 0;
          side.cpu = 0;
        }
        for (const [i, steps] of chunks.entries()) {
          for (const side of i % 2 === 0 ? [sides.store, sides.bare] : [sides.bare, sides.store]) {
            const cpu = process.cpuUsage();
            const started = performance.now();
            for (const step of steps) await side.target.write(step);
            side.took += performance.now() - started;
            const used = process.cpuUsage(cpu);
            side.cpu += (used.user + used.system) / 1000;
          }
        }
        // Round -1 warms both up (JIT, page cache) and is not counted.
        if (round < 0) continue;
        for (const side of [sides.store, sides.bare]) side.rates.push((writes / side.took) * 1000);
        ratios.push(sides.store.took / sides.bare.took);
        cpuRatios.push(sides.store.cpu / sides.bare.cpu);
        cpuPerWrite.store.push(sides.store.cpu / writes);
        cpuPerWrite.bare.push(sides.bare.cpu / writes);
        ctx.log(
          `store: round ${round + 1}/${rounds}: store ${count(sides.store.rates.at(-1)!)}/s, bare ${count(sides.bare.rates.at(-1)!)}/s, ratio ${ratio(ratios.at(-1)!)}; CPU ratio ${ratio(cpuRatios.at(-1)!)}`,
        );
      }
    } finally {
      await sides.store.target.close();
      sides.bare.target.close();
    }
    requireSameRows(sides.store.file, sides.bare.file);
    const store = median(sides.store.rates);
    const bare = median(sides.bare.rates);
    requireSane('store transitions per second', store, { min: 10 });
    return [
      rowOf(ROW, {
        measured: `${count(store)} transitions/s (median of ${rounds} rounds of ${count(perRound * 5)}; ${rows.toFixed(1)} rows each)`,
        reference: `bare better-sqlite3, same rows, JSON and audit chain (checked): ${count(bare)}/s; store costs ${ratio(median(ratios))} the bare writes (median of the rounds' ratios; turns of ${CHUNK} lifecycles); CPU per transition: store ${micros(median(cpuPerWrite.store))}, bare ${micros(median(cpuPerWrite.bare))}, ${ratio(median(cpuRatios))}`,
        verdict: 'info',
      }),
    ];
  },
};
