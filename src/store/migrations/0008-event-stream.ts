// Schema version 8: the event stream's cursors and dead letters (filled in by the event-stream work).

import type { Database } from 'better-sqlite3';

export function migration0008EventStream(_db: Database): void {}
