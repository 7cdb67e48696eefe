// The event stream's store role over PostgreSQL (ports/event-stream.ts), the
// same behaviour as store/event-stream.ts: cursors move by compare-and-swap,
// and a move that chains an event commits with it
// (PostgresStore.writeWithSystemEvents). Reading the chain after a cursor in
// seq order sees rows in commit order: a writer appends under the chain's
// advisory lock until it commits (audit.ts), so no later seq is visible before
// an earlier one.

import type { ChainRow } from '../../domain/audit-chain.js';
import { JitError } from '../../domain/errors.js';
import type { SystemEvent } from '../../domain/types.js';
import type { CursorMove, DeadLetter, EventStreamStore, SinkCursor, SinkName } from '../../ports/event-stream.js';
import { truncateError } from '../rows.js';
import { CHAIN_COLUMNS } from './audit.js';
import { inTransaction, run, type PoolClient } from './pool.js';
import type { PostgresStore } from './postgres-store.js';

const CURSOR_COLUMNS = 'sink, seq, attempts, next_attempt_at AS "nextAttemptAt", last_error AS "lastError", dead_streak AS "deadStreak"';
const DEAD_COLUMNS = 'sink, seq, attempts, last_error AS "lastError", at';

/** Thrown inside a write whose cursor had moved: rolls the transaction (and its events) back. */
class CursorMoved extends Error {}

export class PgEventStreamStore implements EventStreamStore {
  constructor(private readonly store: PostgresStore) {}

  openCursor(sink: SinkName, start: 'beginning' | 'now'): Promise<SinkCursor> {
    return this.store.withPool('open an event stream cursor', async (pool) => {
      const head = start === 'now' ? 'SELECT $1, coalesce(max(seq), 0) FROM audit_events' : 'SELECT $1, 0';
      await run(pool, `INSERT INTO stream_cursors (sink, seq) ${head} ON CONFLICT (sink) DO NOTHING`, [sink]);
      const { rows } = await run<SinkCursor>(pool, `SELECT ${CURSOR_COLUMNS} FROM stream_cursors WHERE sink = $1`, [sink]);
      return rows[0]!;
    });
  }

  cursors(): Promise<SinkCursor[]> {
    return this.store.withPool(
      'read the event stream cursors',
      async (pool) => (await run<SinkCursor>(pool, `SELECT ${CURSOR_COLUMNS} FROM stream_cursors ORDER BY sink`)).rows,
    );
  }

  chainAfter(seq: number, limit: number): Promise<ChainRow[]> {
    return this.store.withPool(
      'read the audit chain',
      async (pool) => (await run<ChainRow>(pool, `SELECT ${CHAIN_COLUMNS} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2`, [seq, limit])).rows,
    );
  }

  headSeq(): Promise<number> {
    return this.store.withPool('read the audit chain head', async (pool) => {
      const { rows } = await run<{ seq: number | null }>(pool, 'SELECT max(seq) AS seq FROM audit_events');
      return Number(rows[0]?.seq ?? 0);
    });
  }

  delivered(move: CursorMove, recovered?: SystemEvent): Promise<boolean> {
    return this.moveWith(
      'record an event delivered',
      async (client) => {
        const { rowCount } = await run(
          client,
          'UPDATE stream_cursors SET seq = $1, attempts = 0, next_attempt_at = 0, last_error = NULL, dead_streak = 0 WHERE sink = $2 AND seq = $3',
          [move.seq, move.sink, move.from],
        );
        if (rowCount === 0) throw new CursorMoved();
      },
      recovered,
    );
  }

  failed(sink: SinkName, from: number, attempts: number, nextAttemptAt: number, error: string): Promise<boolean> {
    return this.store.withPool('record a failed event delivery', async (pool) => {
      const { rowCount } = await run(pool, 'UPDATE stream_cursors SET attempts = $1, next_attempt_at = $2, last_error = $3 WHERE sink = $4 AND seq = $5', [
        attempts,
        nextAttemptAt,
        truncateError(error),
        sink,
        from,
      ]);
      return (rowCount ?? 0) > 0;
    });
  }

  deadLettered(move: CursorMove, letter: DeadLetter, report?: SystemEvent): Promise<boolean> {
    return this.moveWith(
      'dead-letter an event',
      async (client) => {
        const { rowCount } = await run(
          client,
          'UPDATE stream_cursors SET seq = $1, attempts = 0, next_attempt_at = 0, last_error = $2, dead_streak = dead_streak + 1 WHERE sink = $3 AND seq = $4',
          [move.seq, truncateError(letter.lastError), move.sink, move.from],
        );
        if (rowCount === 0) throw new CursorMoved();
        await run(
          client,
          `INSERT INTO stream_dead_letters (sink, seq, attempts, last_error, at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (sink, seq) DO UPDATE SET attempts = excluded.attempts, last_error = excluded.last_error, at = excluded.at`,
          [letter.sink, letter.seq, letter.attempts, truncateError(letter.lastError), letter.at],
        );
      },
      report,
    );
  }

  deadLetters(sink?: SinkName): Promise<DeadLetter[]> {
    return this.store.withPool('read dead letters', async (pool) =>
      sink === undefined
        ? (await run<DeadLetter>(pool, `SELECT ${DEAD_COLUMNS} FROM stream_dead_letters ORDER BY at, sink, seq`)).rows
        : (await run<DeadLetter>(pool, `SELECT ${DEAD_COLUMNS} FROM stream_dead_letters WHERE sink = $1 ORDER BY seq`, [sink])).rows,
    );
  }

  async rewind(sink: SinkName, fromSeq: number, event: SystemEvent): Promise<void> {
    await this.store.writeWithSystemEvents(
      'move an event stream cursor',
      (client) =>
        run(
          client,
          `INSERT INTO stream_cursors (sink, seq) VALUES ($1, $2)
           ON CONFLICT (sink) DO UPDATE SET seq = excluded.seq, attempts = 0, next_attempt_at = 0, last_error = NULL`,
          [sink, Math.max(0, fromSeq - 1)],
        ),
      [event],
      [{ kind: 'system', event }],
    );
  }

  /** A compare-and-swap move, with an event chained beside it when given; false when the cursor had moved. */
  private async moveWith(what: string, move: (client: PoolClient) => Promise<void>, event: SystemEvent | undefined): Promise<boolean> {
    try {
      if (event === undefined) await this.store.withPool(what, (pool) => inTransaction(pool, move));
      else await this.store.writeWithSystemEvents(what, move, [event], [{ kind: 'system', event }]);
      return true;
    } catch (error) {
      if (error instanceof CursorMoved || (error instanceof JitError && error.cause instanceof CursorMoved)) return false;
      throw error;
    }
  }
}
