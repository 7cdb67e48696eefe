// Runs as a child process for the checkpoint crash test: writes requests (each
// with its audit event and outbox row) as fast as it can, with the background
// checkpointer, and prints each id once its commit returned, until killed.

import { SqliteStore } from '../../src/store/sqlite-store.js';
import { seedRequest } from './fixtures.js';

const file = process.argv[2]!;
const store = SqliteStore.open(file, {
  checkpoints: { everyMs: 5, boundBytes: 512 * 1024, onCheckpoint: (result) => process.stdout.write(`checkpoint ${result.mode} ${result.log}\n`) },
});
for (let i = 0; ; i++) {
  const id = `crash-${i}`;
  await seedRequest(store, { id });
  process.stdout.write(`committed ${id}\n`);
  // A turn of the event loop now and then, so the checkpointer's messages are read.
  if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
}
