// Schema version 9: REST API tokens (filled in by the REST API work).

import type { Database } from 'better-sqlite3';

export function migration0009ApiTokens(_db: Database): void {}
