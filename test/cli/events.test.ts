// `jit events status` and `jit events replay` as subprocesses, on a database
// whose webhook sink has delivered part of the chain and dead-lettered an event.

import { afterEach, describe, expect, it } from 'vitest';
import type { SystemEvent } from '../../src/domain/types.js';
import { SqliteEventStreamStore } from '../../src/store/event-stream.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { cliWorld, oneErrorLine, SLOW, type CliWorld } from './harness.js';

const AT = Date.UTC(2026, 11, 5, 10, 0, 0);
let world: CliWorld | undefined;
afterEach(() => {
  world?.cleanup();
  world = undefined;
});

function drift(n: number): SystemEvent {
  return { name: 'drift.orphan_closed', actor: 'system', at: AT + n, detail: `rule ${n}` };
}

/** Six events; the webhook delivered #1, dead-lettered #2, delivered #3 and is failing at #4. */
async function streamed(): Promise<CliWorld> {
  world = cliWorld();
  const store = SqliteStore.open(world.db, { clock: { now: () => AT } });
  try {
    for (let n = 1; n <= 6; n++) await store.recordSystemEvent(drift(n), []);
    const stream = new SqliteEventStreamStore(store);
    await stream.openCursor('webhook', 'beginning');
    await stream.delivered({ sink: 'webhook', from: 0, seq: 1 });
    await stream.deadLettered({ sink: 'webhook', from: 1, seq: 2 }, { sink: 'webhook', seq: 2, attempts: 12, lastError: 'HTTP 500', at: AT });
    await stream.delivered({ sink: 'webhook', from: 2, seq: 3 });
    await stream.failed('webhook', 3, 2, AT + 60_000, 'the webhook answered HTTP 503');
  } finally {
    await store.close();
  }
  return world;
}

async function systemEventsOf(db: string) {
  const store = SqliteStore.open(db);
  try {
    return await store.systemEvents();
  } finally {
    await store.close();
  }
}

async function cursorOf(db: string) {
  const store = SqliteStore.open(db);
  try {
    return (await new SqliteEventStreamStore(store).cursors())[0];
  } finally {
    await store.close();
  }
}

describe('jit events', () => {
  it(
    'status_showsEachSinkBehindTheHead_itsRetry_andItsDeadLetters',
    async () => {
      const w = await streamed();
      const run = await w.run(['events', 'status']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const lines = run.stdout.split('\n');
      expect(lines[0]).toMatch(/^sink\s+delivered\s+behind\s+attempts\s+next try\s+last error$/);
      expect(lines[1]).toMatch(/^webhook\s+#3 of #6\s+3\s+2\s+2026-12-05 10:01:00 UTC\s+the webhook answered HTTP 503$/);
      expect(run.stdout).toMatch(/dead letters \(sent again by `jit events replay <webhook\|syslog> --from <seq> \[--as <who>\]`\)/);
      expect(run.stdout).toMatch(/webhook\s+#2\s+12\s+2026-12-05 10:00:00 UTC\s+HTTP 500/);
      const json = JSON.parse((await w.run(['events', 'status', '--json'])).stdout) as { head: number; sinks: unknown[]; deadLetters: unknown[] };
      expect(json.head).toBe(6);
      expect(json.sinks).toEqual([
        { sink: 'webhook', seq: 3, attempts: 2, nextAttemptAt: AT + 60_000, lastError: 'the webhook answered HTTP 503', deadStreak: 0, behind: 3 },
      ]);
      expect(json.deadLetters).toEqual([{ sink: 'webhook', seq: 2, attempts: 12, lastError: 'HTTP 500', at: AT }]);
    },
    SLOW,
  );

  it(
    'replay_movesTheCursorBack_soTheNextEventSentIsTheOneAsked_andIsAudited',
    async () => {
      const w = await streamed();
      const run = await w.run(['events', 'replay', 'webhook', '--from', '2', '--as', 'UOPS']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toBe(
        "the webhook sink sends the audit log again from event #2 (5 events up to #6) at the bot's next pass; receivers de-duplicate on the event id\n",
      );
      expect(await cursorOf(w.db)).toMatchObject({ seq: 1, attempts: 0, nextAttemptAt: 0, lastError: null });
      expect((await systemEventsOf(w.db)).filter((event) => event.name === 'stream.replayed')).toEqual([
        expect.objectContaining({ actor: 'UOPS', detail: 'webhook sends events #2 to #6 again (5 events), through jit events replay (CLI)' }),
      ]);
    },
    SLOW,
  );

  it(
    'replay_unknownSinkOrASeqPastTheHead_isAUsageError_andMovesNothing',
    async () => {
      const w = await streamed();
      const unknown = await w.run(['events', 'replay', 'kafka', '--from', '2']);
      expect(unknown.code).toBe(2);
      expect(oneErrorLine(unknown)).toBe(
        'jit: kafka is not an event sink: name webhook or syslog; usage: jit events replay <webhook|syslog> --from <seq> [--as <who>]',
      );
      const past = await w.run(['events', 'replay', 'syslog', '--from', '7']);
      expect(past.code).toBe(2);
      expect(oneErrorLine(past)).toBe('jit: --from 7 is past the newest audit event (#6): pick a seq from 1 to 6');
      const missing = await w.run(['events', 'replay', 'syslog']);
      expect(oneErrorLine(missing)).toMatch(/say where to start with --from <seq>/);
      expect(await cursorOf(w.db)).toMatchObject({ sink: 'webhook', seq: 3 });
      expect((await systemEventsOf(w.db)).filter((event) => event.name === 'stream.replayed')).toEqual([]);
    },
    SLOW,
  );
});
