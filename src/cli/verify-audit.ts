// `npm run audit:verify`: checks the audit log's hash chain in JIT_DB and names
// the first row that was edited, deleted or reordered.
// Exit codes: 0 intact, 1 broken, 2 could not check.

import { SqliteStore } from '../store/sqlite-store.js';

const file = process.env.JIT_DB?.trim() || './data/jit.db';
let store: SqliteStore | undefined;
try {
  store = SqliteStore.open(file);
  const verdict = store.verifyAuditChain();
  if (verdict.ok) {
    process.stdout.write(`audit log intact: ${verdict.rows} rows, head ${verdict.head}\n`);
    process.exitCode = 0;
  } else {
    const what = verdict.problem === 'edited' ? 'was edited' : 'does not follow the row before it: a row before it was deleted or the rows were reordered';
    process.stdout.write(`audit log broken: row seq=${verdict.seq} ${what} (checked ${verdict.rows} rows)\n`);
    process.exitCode = 1;
  }
} catch (error) {
  process.stderr.write(`jit: cannot verify ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
} finally {
  store?.close();
}
