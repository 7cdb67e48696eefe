// 4. Mass expiry: 10,000 grants on nftables ending within the same second. The
// bot runs as `npm start` runs it, compiled JavaScript under plain node
// (support/compiled-bot.ts), in a process of its own (its memory is its own),
// with nft inside a network namespace. The grants are laid down before it
// starts, as a restart finds them: the store rows through SqliteStore (with the
// audit thread each grant's later messages reply in), the kernel elements as
// the nftables backend renders them (ruleset.ts), 200 per `nft -f`, so both are
// exactly what the bot writes. (The backend's own open() plans a batch of 10,000
// in quadratic time: fine for the few grants that open together in practice,
// too slow to lay down this many at once.) The bot times every grant at startup;
// the figure runs from the last grant's end until the store says every grant is
// closed (the time of the last `grant.closed` audit event, which the bot writes
// only after nft confirmed the close, in the same commit as its outbox rows).
// Peak RSS is the bot process's VmHWM from /proc over its whole life, startup
// with 10,000 open grants included; the resting RSS (VmRSS) is read 3 s after
// start, of the same bot with no grant and of this one with every grant open.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { AccessRequest, AuditEvent } from '../src/domain/types.js';
import { parseCidr } from '../src/domain/cidr.js';
import { NftablesBackend } from '../src/firewall/nftables/backend.js';
import { protectedKeys } from '../src/firewall/nftables/plan.js';
import { addElementLine, DEFAULT_SLOTS, DEFAULT_TABLE, protectScript, timeoutMs, validateLayout } from '../src/firewall/nftables/ruleset.js';
import { run } from '../test/support/netns.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import type { NewRequest } from '../src/ports/store.js';
import { memoryOf } from './support/children.js';
import { removeBuild, startCompiledBot } from './support/compiled-bot.js';
import { rowOf, type Benchmark, type BenchContext, type RowSpec } from './support/context.js';
import { AUDIT, botEnv } from './support/inprocess-bot.js';
import { nftIn, nftUnavailable, withNamespace } from './support/netns.js';
import { benchSource, singleVmPolicy } from './support/policies.js';
import { count, mib, ms, requireSane, sleep, waitFor } from './support/stats.js';
import { sizeIn, sizeText, verdictOf, type Row, type Size } from './support/table.js';

const TARGET_AFTER_LAST_END_MS = 1000;
const TARGET_RSS = 200 * 1024 * 1024;
const TARGET_IDLE_RSS = 100 * 1024 * 1024;
const TARGET_OPEN_RSS = 150 * 1024 * 1024;
/** How long a bot runs before its resting RSS is read. */
const IDLE_SETTLE_MS = 3000;
export const VM_ADDRESS = '10.201.3.2';
const VM_ID = '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web-1';

const GRANTS: Size = { full: 10_000, smoke: 50, what: 'grants' };
const ROW: RowSpec = {
  id: '4',
  benchmark: `Mass expiry: ${sizeText(GRANTS)} on nftables ending in the same second: until the store says all closed, audited and queued; compiled bot's RSS`,
  target: '≤ 1 s after the last end, peak < 200 MB; idle < 100 MB, with the grants open < 150 MB',
  size: GRANTS,
};

/** Distinct six-character ids from the bot's alphabet, so nothing else tells them apart. */
export function requestId(i: number): string {
  const alphabet = '23456789abcdefghjkmnpqrstuvwxyz';
  let id = '';
  for (let n = i + 31 ** 5, k = 0; k < 6; k++, n = Math.floor(n / 31)) id = alphabet[n % 31] + id;
  return id;
}

/** An approved grant opened a moment ago, as the workflow would have stored it. */
export function openGrant(i: number, startAt: number, endAt: number): NewRequest {
  const request: AccessRequest = {
    kind: 'grant',
    id: requestId(i),
    state: 'active',
    version: 3,
    createdAt: startAt,
    requester: `UMASS${i}`,
    vm: 'web-1',
    ports: [{ number: 22, protocol: 'TCP' }],
    source: `${benchSource(i)}/32`,
    durationSeconds: Math.ceil((endAt - startAt) / 1000),
    justification: 'benchmark',
    decision: { effect: 'approve', approvalsNeeded: 0, approvers: [], matchedRule: 'auto', reasons: ['rule auto approves automatically'] },
    approvals: [],
    decidedBy: 'system',
    reason: 'rule auto approves automatically',
    startAt,
    endAt,
    target: { vmId: VM_ID, address: VM_ADDRESS, backend: 'nftables' },
  };
  const event = (name: AuditEvent['name'], actor: string): AuditEvent => ({ requestId: request.id, name, actor, at: startAt });
  const created = event('request.created', request.requester);
  return {
    request,
    events: [created, event('request.approved', 'system'), event('grant.opened', 'system')],
    notifications: [{ kind: 'audit', event: created, request }],
  };
}

/** The store as the bot leaves it once a grant is open: rows written, the audit thread's root posted. */
async function seedStore(file: string, grants: NewRequest[]): Promise<void> {
  const store = SqliteStore.open(file);
  try {
    for (let i = 0; i < grants.length; i += 1000) await store.insertRequests(grants.slice(i, i + 1000));
    (await store.pendingOutbox(grants.length)).forEach(async (row, i) => {
      await store.markDelivered(row.id, [{ requestId: row.requestId!, role: 'audit', channel: AUDIT, ts: `1700000000.${String(i).padStart(6, '0')}` }]);
    });
  } finally {
    store.close();
  }
}

/** Grants per `nft -f` when seeding: about what the bot opens in one transaction. */
const SEED_BATCH = 200;

/**
 * The kernel as the backend leaves it: protected port, one allow element per
 * grant, its timeout the time left plus the kernel's margin (timeoutMs). The
 * kernel starts a timeout when it applies the `add element`, after nft parsed
 * the whole script: one script of 10,000 elements (about 1 s) would leave each
 * timeout running that much past its grant, which the bot never does (it opens
 * a few grants per transaction), so the elements go in a few hundred at a time,
 * each batch timed just before it runs.
 */
export async function seedKernel(ns: string, grants: NewRequest[]): Promise<void> {
  const layout = validateLayout(DEFAULT_TABLE, DEFAULT_SLOTS);
  const [key] = protectedKeys([{ vmId: VM_ID, vmName: 'web-1', address: VM_ADDRESS, port: 22, protocol: 'TCP' }]);
  const elements = grants.map(({ request }) => {
    const source = parseCidr(request.source);
    if (!source.ok) throw new Error(source.error);
    const { text, family, start, end } = source.cidr;
    return { element: { ...key!, slot: 0, source: { text, family, start, end }, comment: request.id }, endAt: request.endAt! };
  });
  await run([...nftIn(ns), '-f', '-'], protectScript(layout, [key!]));
  for (let i = 0; i < elements.length; i += SEED_BATCH) {
    const now = Date.now();
    const lines = elements.slice(i, i + SEED_BATCH).map(({ element, endAt }) => addElementLine(layout, element, timeoutMs(endAt, now)));
    await run([...nftIn(ns), '-f', '-'], `${lines.join('\n')}\n`);
  }
}

/** The reference: the same bot with no grant at all (its own database and table), to show what 10,000 add. */
async function idleBotRss(ctx: BenchContext, dir: string, ns: string): Promise<{ peak: number; current: number } | undefined> {
  mkdirSync(dir, { recursive: true });
  const env = botEnv(dir, ctx.slack, { JIT_BACKEND: 'nftables', JIT_NFT_COMMAND: nftIn(ns).join(' '), JIT_NFT_TABLE: 'jitidle' });
  writeFileSync(env.JIT_POLICY!, singleVmPolicy({ address: VM_ADDRESS, backend: 'nftables' }));
  const idle = await startCompiledBot(env, join(dir, 'bot.log'), { profileDir: profileDir(ctx) });
  try {
    await sleep(IDLE_SETTLE_MS);
    return memoryOf(idle.pid);
  } finally {
    await idle.stop();
  }
}

function profileDir(ctx: BenchContext): string | undefined {
  return process.argv.includes('--profile') ? join(ctx.dir, 'profiles') : undefined;
}

async function measure(ctx: BenchContext, ns: string): Promise<Row> {
  const n = sizeIn(GRANTS, ctx.smoke);
  const dir = join(ctx.dir, 'mass');
  mkdirSync(dir, { recursive: true });
  const env = botEnv(dir, ctx.slack, { JIT_BACKEND: 'nftables', JIT_NFT_COMMAND: nftIn(ns).join(' ') });
  try {
    const idle = await idleBotRss(ctx, join(dir, 'idle'), ns);
    const seeding = Date.now();
    const second = Math.ceil((seeding + (ctx.smoke ? 15_000 : 40_000)) / 1000) * 1000;
    const grants = Array.from({ length: n }, (_, i) => openGrant(i, seeding, second + ((i * 7919) % 1000)));
    writeFileSync(env.JIT_POLICY!, singleVmPolicy({ address: VM_ADDRESS, backend: 'nftables' }));
    await seedStore(env.JIT_DB!, grants);
    const stored = Date.now();
    await seedKernel(ns, grants);
    const kernel = new NftablesBackend({ command: nftIn(ns) });
    const inKernel = (await kernel.list()).length;
    if (inKernel !== n) throw new Error(`the kernel holds ${inKernel} of ${n} grants after seeding`);
    ctx.log(`mass: ${count(n)} grants in the store (${ms(stored - seeding)}) and the kernel (${ms(Date.now() - stored)}); starting the compiled bot`);

    const booting = Date.now();
    const bot = await startCompiledBot(env, join(dir, 'bot.log'), { profileDir: profileDir(ctx) });
    const bootMs = Date.now() - booting;
    const db = new BetterSqlite3(env.JIT_DB!, { readonly: true });
    try {
      if (Date.now() > second - 1000) throw new Error(`the bot was ready only ${ms(second - Date.now())} before the grants end: raise the margin`);
      // Settled with every grant loaded and timed, as it idles until they end.
      await sleep(Math.max(0, Math.min(IDLE_SETTLE_MS, second - 1000 - Date.now())));
      const open = memoryOf(bot.pid);
      ctx.log(`mass: bot ready in ${ms(bootMs)}, RSS ${open ? mib(open.current) : '?'}; the grants end in ${ms(second - Date.now())}`);
      const closed = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM requests WHERE state = 'closed'");
      await sleep(second - Date.now());
      await waitFor(`all ${n} grants closed`, () => closed.get()!.n === n, 120_000, 20);
      const memory = memoryOf(bot.pid);
      const last = db.prepare<[], { at: number }>("SELECT max(at) AS at FROM audit_events WHERE name = 'grant.closed'").get()!.at;
      const expired = db
        .prepare<[], { n: number }>("SELECT count(*) AS n FROM requests WHERE state = 'closed' AND json_extract(data, '$.reason') = 'expired'")
        .get()!.n;
      if (expired !== n) throw new Error(`${n - expired} grants closed for another reason than their end`);
      // Audited and queued for Slack: one grant.closed event and its outbox rows per grant, in the same commit.
      const audited = db.prepare<[], { n: number }>("SELECT count(DISTINCT request_id) AS n FROM audit_events WHERE name = 'grant.closed'").get()!.n;
      const queued = db
        .prepare<[], { n: number }>("SELECT count(DISTINCT request_id) AS n FROM outbox WHERE json_extract(notification, '$.event.name') = 'grant.closed'")
        .get()!.n;
      if (audited !== n || queued !== n) throw new Error(`of ${n} grants closed, ${audited} have their grant.closed event and ${queued} their messages queued`);
      const left = await kernel.list();
      if (left.length > 0) throw new Error(`${left.length} grants are still in the kernel after the store says closed`);
      const afterLastEnd = requireSane('mass expiry time (ms)', last - (second + 999), { min: -1000, max: 600_000 });
      const rss = requireSane('bot peak RSS', memory?.peak ?? Number.NaN, { min: 1 });
      const idleRss = idle?.current ?? Number.NaN;
      const openRss = open?.current ?? Number.NaN;
      return rowOf(ROW, {
        measured: `all ${count(n)} closed, audited and queued ${ms(Math.max(0, afterLastEnd))} after the last end (${ms(last - second)} after the second began); peak RSS ${mib(rss)}`,
        reference: `the same compiled bot idle, no grants: RSS ${mib(idleRss)} (peak ${idle ? mib(idle.peak) : '?'}); with ${count(n)} open grants: ready in ${ms(bootMs)}, RSS ${mib(openRss)}`,
        verdict: verdictOf(afterLastEnd <= TARGET_AFTER_LAST_END_MS && rss < TARGET_RSS && idleRss < TARGET_IDLE_RSS && openRss < TARGET_OPEN_RSS),
      });
    } finally {
      db.close();
      await bot.stop();
    }
  } finally {
    await removeBuild();
  }
}

export const massExpiry: Benchmark = {
  name: 'mass',
  rows: [ROW],
  async run(ctx) {
    const unavailable = await nftUnavailable();
    if (unavailable !== undefined) return [rowOf(ROW, { measured: '—', reference: '—', verdict: 'skipped', note: unavailable })];
    return [await withNamespace('mass', (ns) => measure(ctx, ns))];
  },
};
