// Schema 8: the event stream's cursors and dead letters in the bot's own
// database, on SQLite and on PostgreSQL alike: where a new sink starts, reading
// the chain after a cursor in seq order a page at a time, cursor moves as
// compare-and-swap, and a dead letter or recovery chaining its event (and its
// audit-channel post) in the same transaction, or nothing when the cursor had moved.

import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/domain/audit-chain.js';
import type { SystemEvent } from '../../src/domain/types.js';
import type { EventStreamStore } from '../../src/ports/event-stream.js';
import { SqliteEventStreamStore } from '../../src/store/event-stream.js';
import { PgEventStreamStore } from '../../src/store/postgres/event-stream.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { PG_URL, pgScratch, pgWanted } from '../support/postgres.js';
import { makeTempDir, removeDir } from './fixtures.js';

const NOW = 1_800_000_000_000;

interface Opened {
  store: SqliteStore | PostgresStore;
  stream: EventStreamStore;
}

function drift(n: number): SystemEvent {
  return { name: 'drift.orphan_closed', actor: 'system', at: NOW + n, detail: `rule ${n}` };
}

function report(name: SystemEvent['name'] = 'stream.dead_lettered'): SystemEvent {
  return { name, actor: 'system', at: NOW, detail: 'the webhook sink gave up' };
}

const engines: { name: string; open(): Promise<Opened> }[] = [];
{
  const opened: { dir: string; store: SqliteStore }[] = [];
  afterEach(async () => {
    for (const { dir, store } of opened.splice(0)) {
      await store.close();
      removeDir(dir);
    }
  });
  engines.push({
    name: 'sqlite',
    async open() {
      const dir = makeTempDir();
      const store = SqliteStore.open(path.join(dir, 'jit.db'), { clock: { now: () => NOW } });
      opened.push({ dir, store });
      return { store, stream: new SqliteEventStreamStore(store) };
    },
  });
  if (pgWanted) {
    const scratch = pgScratch();
    engines.push({
      name: 'postgres',
      async open() {
        const store = scratch.track(await PostgresStore.open(PG_URL, { clock: { now: () => NOW }, schema: await scratch.schema(), poolSize: 3 }));
        return { store, stream: new PgEventStreamStore(store) };
      },
    });
  }
}

for (const engine of engines) {
  describe(`event stream store [${engine.name}]`, () => {
    it('openCursor_beginningStartsAtZero_nowAtTheHead_andAnExistingCursorStaysPut', async () => {
      const { store, stream } = await engine.open();
      for (let n = 1; n <= 3; n++) await store.recordSystemEvent(drift(n), []);
      expect(await stream.headSeq()).toBe(3);
      expect(await stream.openCursor('webhook', 'beginning')).toEqual({
        sink: 'webhook',
        seq: 0,
        attempts: 0,
        nextAttemptAt: 0,
        lastError: null,
        deadStreak: 0,
      });
      expect((await stream.openCursor('syslog', 'now')).seq).toBe(3);
      await store.recordSystemEvent(drift(4), []);
      expect((await stream.openCursor('syslog', 'now')).seq).toBe(3);
      expect((await stream.openCursor('webhook', 'now')).seq).toBe(0);
      expect((await stream.cursors()).map((c) => c.sink)).toEqual(['syslog', 'webhook']);
    });

    it('chainAfter_readsInSeqOrder_aPageAtATime_rowsThatVerify', async () => {
      const { store, stream } = await engine.open();
      expect(await stream.headSeq()).toBe(0);
      for (let n = 1; n <= 5; n++) await store.recordSystemEvent(drift(n), []);
      const first = await stream.chainAfter(0, 2);
      const second = await stream.chainAfter(2, 2);
      const last = await stream.chainAfter(4, 2);
      expect([...first, ...second, ...last].map((row) => row.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(await stream.chainAfter(5, 2)).toEqual([]);
      expect(verifyChain([...first, ...second, ...last])).toMatchObject({ ok: true, rows: 5 });
      expect(first[0]).toMatchObject({ requestId: null, name: 'drift.orphan_closed', actor: 'system', at: NOW + 1, detail: 'rule 1' });
    });

    it('delivered_movesTheCursor_onlyFromWhereItStood', async () => {
      const { stream } = await engine.open();
      await stream.openCursor('webhook', 'beginning');
      expect(await stream.failed('webhook', 0, 2, NOW + 5000, 'HTTP 500')).toBe(true);
      expect(await stream.openCursor('webhook', 'beginning')).toMatchObject({ seq: 0, attempts: 2, nextAttemptAt: NOW + 5000, lastError: 'HTTP 500' });
      expect(await stream.delivered({ sink: 'webhook', from: 0, seq: 1 })).toBe(true);
      expect(await stream.openCursor('webhook', 'beginning')).toMatchObject({ seq: 1, attempts: 0, nextAttemptAt: 0, lastError: null });
      expect(await stream.delivered({ sink: 'webhook', from: 0, seq: 1 })).toBe(false);
      expect(await stream.failed('webhook', 0, 1, NOW, 'late')).toBe(false);
      expect((await stream.openCursor('webhook', 'beginning')).seq).toBe(1);
    });

    it('deadLettered_keepsTheLetter_movesPast_andChainsTheReportWithItsPost', async () => {
      const { store, stream } = await engine.open();
      await store.recordSystemEvent(drift(1), []);
      await store.recordSystemEvent(drift(2), []);
      await stream.openCursor('webhook', 'beginning');
      const letter = { sink: 'webhook' as const, seq: 1, attempts: 12, lastError: 'HTTP 500', at: NOW };
      expect(await stream.deadLettered({ sink: 'webhook', from: 0, seq: 1 }, letter, report())).toBe(true);
      expect(await stream.deadLettered({ sink: 'webhook', from: 1, seq: 2 }, { ...letter, seq: 2 })).toBe(true);
      expect(await stream.openCursor('webhook', 'beginning')).toMatchObject({ seq: 2, attempts: 0, deadStreak: 2, lastError: 'HTTP 500' });
      expect(await stream.deadLetters('webhook')).toEqual([letter, { ...letter, seq: 2 }]);
      expect(await stream.deadLetters('syslog')).toEqual([]);
      expect((await store.systemEvents()).map((e) => e.name)).toEqual(['drift.orphan_closed', 'drift.orphan_closed', 'stream.dead_lettered']);
      const outbox = await store.pendingOutbox(10);
      expect(outbox.map((row) => row.notification)).toEqual([{ kind: 'system', event: report() }]);
      expect(await store.verifyAuditChain()).toMatchObject({ ok: true, rows: 3 });
    });

    it('deadLettered_fromAStaleCursor_writesNothing_notEvenTheReport', async () => {
      const { store, stream } = await engine.open();
      await stream.openCursor('syslog', 'beginning');
      await stream.delivered({ sink: 'syslog', from: 0, seq: 1 });
      const letter = { sink: 'syslog' as const, seq: 1, attempts: 3, lastError: 'refused', at: NOW };
      expect(await stream.deadLettered({ sink: 'syslog', from: 0, seq: 1 }, letter, report())).toBe(false);
      expect(await stream.deadLetters()).toEqual([]);
      expect(await store.systemEvents()).toEqual([]);
      expect(await store.pendingOutbox(10)).toEqual([]);
      expect(await stream.openCursor('syslog', 'beginning')).toMatchObject({ seq: 1, deadStreak: 0 });
    });

    it('delivered_afterAStreak_chainsTheRecovery_andEndsTheStreak', async () => {
      const { store, stream } = await engine.open();
      await stream.openCursor('webhook', 'beginning');
      await stream.deadLettered({ sink: 'webhook', from: 0, seq: 1 }, { sink: 'webhook', seq: 1, attempts: 1, lastError: 'x', at: NOW });
      expect(await stream.delivered({ sink: 'webhook', from: 1, seq: 2 }, report('stream.recovered'))).toBe(true);
      expect(await stream.openCursor('webhook', 'beginning')).toMatchObject({ seq: 2, deadStreak: 0 });
      expect((await store.systemEvents()).map((e) => e.name)).toEqual(['stream.recovered']);
      expect(await stream.delivered({ sink: 'webhook', from: 1, seq: 3 }, report('stream.recovered'))).toBe(false);
      expect(await store.systemEvents()).toHaveLength(1);
    });

    it('rewind_makesTheNextEventTheOneAsked_andClearsTheBackoff_recordingWhoReplayed', async () => {
      const { store, stream } = await engine.open();
      await stream.rewind('syslog', 1, report('stream.replayed'));
      expect(await stream.openCursor('syslog', 'now')).toMatchObject({ seq: 0 });
      await stream.delivered({ sink: 'syslog', from: 0, seq: 7 });
      await stream.failed('syslog', 7, 4, NOW + 60_000, 'refused');
      await stream.rewind('syslog', 3, report('stream.replayed'));
      expect(await stream.openCursor('syslog', 'beginning')).toMatchObject({ seq: 2, attempts: 0, nextAttemptAt: 0, lastError: null });
      expect((await store.systemEvents()).map((e) => e.name)).toEqual(['stream.replayed', 'stream.replayed']);
      expect(await store.verifyAuditChain()).toMatchObject({ ok: true });
    });
  });
}
