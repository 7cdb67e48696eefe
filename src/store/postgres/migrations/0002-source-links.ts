// Schema version 2, PostgreSQL's form of store/migrations/0002-source-links.ts:
// "Use my IP" links, whose nonce works once. `user` is a reserved word here,
// hence the quotes; `pos` breaks a tie of times as SQLite's rowid does.

import type { PoolClient } from 'pg';

export async function migration0002SourceLinks(client: PoolClient): Promise<void> {
  await client.query(`
    CREATE TABLE source_links (
      nonce TEXT PRIMARY KEY,
      "user" TEXT NOT NULL,
      address TEXT NOT NULL,
      used_at BIGINT NOT NULL,
      pos BIGINT GENERATED ALWAYS AS IDENTITY
    );

    CREATE INDEX source_links_user_used_at ON source_links ("user", used_at);
  `);
}
