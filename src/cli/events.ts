// `jit events status` and `jit events replay`, on the bot's database: where
// each event stream sink stands in the audit chain (delivered through which
// seq, how far behind, the retry under way, its dead letters), and moving a
// sink's cursor back so the bot sends the chain again from a seq (receivers
// de-duplicate on the event id). The bot delivering that sink notices the move
// at its next event: its cursor moves by compare-and-swap only.

import { formatUtc } from '../domain/duration.js';
import type { DeadLetter, EventStreamStore, SinkCursor, SinkName } from '../ports/event-stream.js';
import { exactly, readArgs, stringOption } from './args.js';
import { exporterOf } from './audit.js';
import { EXIT, printJson, SetupError, UsageError, type CliIo, type ExitCode } from './io.js';
import { table } from './table.js';

export const USAGE = {
  status: 'jit events status',
  replay: 'jit events replay <webhook|syslog> --from <seq> [--as <who>]',
};

/** The stream's tables in the database JIT_DB names (compose/event-stream.ts). */
export interface EventStreamHandle {
  stream: EventStreamStore;
  close(): Promise<void>;
}

export type EventsOpener = (env: NodeJS.ProcessEnv) => Promise<EventStreamHandle>;

const SINKS: readonly SinkName[] = ['webhook', 'syslog'];

export async function eventsStatusCommand(open: EventsOpener | undefined, argv: string[], io: CliIo): Promise<ExitCode> {
  const args = readArgs(argv, {}, USAGE.status);
  exactly(args, 0, USAGE.status);
  return withStream(open, io, async (stream) => {
    const [cursors, head, letters] = await Promise.all([stream.cursors(), stream.headSeq(), stream.deadLetters()]);
    if (args.json) {
      printJson(io, { head, sinks: cursors.map((cursor) => ({ ...cursor, behind: Math.max(0, head - cursor.seq) })), deadLetters: letters });
      return EXIT.ok;
    }
    if (cursors.length === 0) {
      io.stdout(`no event sink has started on this database (the audit log ends at #${head}): set JIT_EVENT_WEBHOOK_URL or JIT_EVENT_SYSLOG_URL on the bot\n`);
      return EXIT.ok;
    }
    io.stdout(
      `${table(
        ['sink', 'delivered', 'behind', 'attempts', 'next try', 'last error'],
        cursors.map((cursor) => cursorRow(cursor, head)),
      )}\n`,
    );
    if (letters.length > 0) {
      io.stdout(`\ndead letters (sent again by \`${USAGE.replay}\`):\n`);
      io.stdout(`${table(['sink', 'seq', 'attempts', 'given up', 'error'], letters.map(letterRow))}\n`);
    }
    return EXIT.ok;
  });
}

export async function eventsReplayCommand(open: EventsOpener | undefined, argv: string[], io: CliIo, now: number): Promise<ExitCode> {
  const args = readArgs(argv, { from: { type: 'string' }, as: { type: 'string' } }, USAGE.replay);
  const [sink = ''] = exactly(args, 1, USAGE.replay);
  if (!SINKS.includes(sink as SinkName)) throw new UsageError(`${sink.slice(0, 40)} is not an event sink: name webhook or syslog; usage: ${USAGE.replay}`);
  const fromText = stringOption(args, 'from');
  if (fromText === undefined)
    throw new UsageError(`say where to start with --from <seq> (\`jit events status\` lists the dead letters); usage: ${USAGE.replay}`);
  if (!/^\d{1,15}$/.test(fromText) || Number(fromText) < 1) throw new UsageError(`--from ${fromText.slice(0, 40)} is not an event seq (a whole number from 1)`);
  const from = Number(fromText);
  return withStream(open, io, async (stream) => {
    const head = await stream.headSeq();
    if (from > head) throw new UsageError(`--from ${from} is past the newest audit event (#${head}): pick a seq from 1 to ${head}`);
    const count = head - from + 1;
    const detail = `${sink} sends events #${from} to #${head} again (${count} event${count === 1 ? '' : 's'}), through jit events replay (CLI)`;
    await stream.rewind(sink as SinkName, from, { name: 'stream.replayed', actor: exporterOf(args, io.env), at: now, detail });
    if (args.json) printJson(io, { sink, from, head, events: count });
    else
      io.stdout(
        `the ${sink} sink sends the audit log again from event #${from} (${count} event${count === 1 ? '' : 's'} up to #${head}) at the bot's next pass; receivers de-duplicate on the event id\n`,
      );
    return EXIT.ok;
  });
}

async function withStream(open: EventsOpener | undefined, io: CliIo, use: (stream: EventStreamStore) => Promise<ExitCode>): Promise<ExitCode> {
  if (!open) throw new SetupError('this jit cannot read the event stream: run it from the bot’s own install (`npx jit`)');
  const handle = await open(io.env);
  try {
    return await use(handle.stream);
  } finally {
    await handle.close();
  }
}

function cursorRow(cursor: SinkCursor, head: number): string[] {
  const due = cursor.attempts > 0 && cursor.nextAttemptAt > 0 ? formatUtc(cursor.nextAttemptAt) : '';
  const streak = cursor.deadStreak > 0 ? ` (${cursor.deadStreak} dead-lettered since it last delivered)` : '';
  return [
    cursor.sink,
    `#${cursor.seq} of #${head}`,
    String(Math.max(0, head - cursor.seq)),
    String(cursor.attempts),
    due,
    `${cursor.lastError ?? ''}${streak}`,
  ];
}

function letterRow(letter: DeadLetter): string[] {
  return [letter.sink, `#${letter.seq}`, String(letter.attempts), formatUtc(letter.at), letter.lastError];
}
