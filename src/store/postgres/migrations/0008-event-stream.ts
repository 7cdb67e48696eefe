// Schema version 8, PostgreSQL's form of store/migrations/0008-event-stream.ts (filled in by the event-stream work).

import type { PoolClient } from 'pg';

export async function migration0008EventStream(_client: PoolClient): Promise<void> {}
