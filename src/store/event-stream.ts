// The event stream's store role over SQLite (ports/event-stream.ts): each
// sink's cursor and dead letters in the bot's own file, beside the audit chain
// the stream reads. A cursor moves by compare-and-swap on where it stood; a
// move that chains an event (a dead letter's report, a recovery) goes through
// SqliteStore.writeWithSystemEvents, so the cursor and the event commit together.

import type { Database } from 'better-sqlite3';
import type { ChainRow } from '../domain/audit-chain.js';
import { JitError } from '../domain/errors.js';
import type { SystemEvent } from '../domain/types.js';
import type { CursorMove, DeadLetter, EventStreamStore, SinkCursor, SinkName } from '../ports/event-stream.js';
import { truncateError } from './rows.js';
import type { SqliteStore } from './sqlite-store.js';

const CURSOR_COLUMNS = 'sink, seq, attempts, next_attempt_at AS nextAttemptAt, last_error AS lastError, dead_streak AS deadStreak';
const DEAD_COLUMNS = 'sink, seq, attempts, last_error AS lastError, at';

/** Thrown inside a write whose cursor had moved: rolls the transaction (and its events) back. */
class CursorMoved extends Error {}

export class SqliteEventStreamStore implements EventStreamStore {
  constructor(private readonly store: SqliteStore) {}

  openCursor(sink: SinkName, start: 'beginning' | 'now'): Promise<SinkCursor> {
    return this.store.withDatabase('open an event stream cursor', (db) =>
      db
        .transaction(() => {
          const head = start === 'now' ? headOf(db) : 0;
          db.prepare('INSERT INTO stream_cursors (sink, seq) VALUES (?, ?) ON CONFLICT (sink) DO NOTHING').run(sink, head);
          return cursorOf(db, sink)!;
        })
        .immediate(),
    );
  }

  cursors(): Promise<SinkCursor[]> {
    return this.store.withDatabase('read the event stream cursors', (db) =>
      db.prepare<[], SinkCursor>(`SELECT ${CURSOR_COLUMNS} FROM stream_cursors ORDER BY sink`).all(),
    );
  }

  chainAfter(seq: number, limit: number): Promise<ChainRow[]> {
    return this.store.withDatabase('read the audit chain', (db) =>
      db
        .prepare<[number, number], ChainRow>(
          'SELECT seq, request_id AS requestId, name, actor, at, detail, prev_hash AS prevHash, hash FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?',
        )
        .all(seq, limit),
    );
  }

  headSeq(): Promise<number> {
    return this.store.withDatabase('read the audit chain head', headOf);
  }

  delivered(move: CursorMove, recovered?: SystemEvent): Promise<boolean> {
    return this.moveWith(
      'record an event delivered',
      (db) => {
        const changed = db
          .prepare('UPDATE stream_cursors SET seq = ?, attempts = 0, next_attempt_at = 0, last_error = NULL, dead_streak = 0 WHERE sink = ? AND seq = ?')
          .run(move.seq, move.sink, move.from).changes;
        if (changed === 0) throw new CursorMoved();
      },
      recovered,
    );
  }

  failed(sink: SinkName, from: number, attempts: number, nextAttemptAt: number, error: string): Promise<boolean> {
    return this.store.withDatabase(
      'record a failed event delivery',
      (db) =>
        db
          .prepare('UPDATE stream_cursors SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE sink = ? AND seq = ?')
          .run(attempts, nextAttemptAt, truncateError(error), sink, from).changes > 0,
    );
  }

  deadLettered(move: CursorMove, letter: DeadLetter, report?: SystemEvent): Promise<boolean> {
    return this.moveWith(
      'dead-letter an event',
      (db) => {
        const changed = db
          .prepare(
            'UPDATE stream_cursors SET seq = ?, attempts = 0, next_attempt_at = 0, last_error = ?, dead_streak = dead_streak + 1 WHERE sink = ? AND seq = ?',
          )
          .run(move.seq, truncateError(letter.lastError), move.sink, move.from).changes;
        if (changed === 0) throw new CursorMoved();
        db.prepare(
          `INSERT INTO stream_dead_letters (sink, seq, attempts, last_error, at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (sink, seq) DO UPDATE SET attempts = excluded.attempts, last_error = excluded.last_error, at = excluded.at`,
        ).run(letter.sink, letter.seq, letter.attempts, truncateError(letter.lastError), letter.at);
      },
      report,
    );
  }

  deadLetters(sink?: SinkName): Promise<DeadLetter[]> {
    return this.store.withDatabase('read dead letters', (db) =>
      sink === undefined
        ? db.prepare<[], DeadLetter>(`SELECT ${DEAD_COLUMNS} FROM stream_dead_letters ORDER BY at, sink, seq`).all()
        : db.prepare<[string], DeadLetter>(`SELECT ${DEAD_COLUMNS} FROM stream_dead_letters WHERE sink = ? ORDER BY seq`).all(sink),
    );
  }

  async rewind(sink: SinkName, fromSeq: number, event: SystemEvent): Promise<void> {
    await this.store.writeWithSystemEvents(
      'move an event stream cursor',
      (db) =>
        db
          .prepare(
            `INSERT INTO stream_cursors (sink, seq) VALUES (?, ?)
             ON CONFLICT (sink) DO UPDATE SET seq = excluded.seq, attempts = 0, next_attempt_at = 0, last_error = NULL`,
          )
          .run(sink, Math.max(0, fromSeq - 1)),
      [event],
      [{ kind: 'system', event }],
    );
  }

  /** A compare-and-swap move, with an event chained beside it when given; false when the cursor had moved. */
  private async moveWith(what: string, move: (db: Database) => void, event: SystemEvent | undefined): Promise<boolean> {
    try {
      if (event === undefined) {
        await this.store.withDatabase(what, (db) => db.transaction(() => move(db)).immediate());
      } else {
        await this.store.writeWithSystemEvents(what, move, [event], [{ kind: 'system', event }]);
      }
      return true;
    } catch (error) {
      if (error instanceof CursorMoved || (error instanceof JitError && error.cause instanceof CursorMoved)) return false;
      throw error;
    }
  }
}

function headOf(db: Database): number {
  return db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM audit_events').get()?.seq ?? 0;
}

function cursorOf(db: Database, sink: SinkName): SinkCursor | undefined {
  return db.prepare<[string], SinkCursor>(`SELECT ${CURSOR_COLUMNS} FROM stream_cursors WHERE sink = ?`).get(sink);
}
