// Schema version 2: "Use my IP" links. A link works once: its nonce becomes the
// primary key of the row written when it is opened, so a second opening (or a
// replay by anyone who saw the URL) finds the row and is refused.

import type { Database } from 'better-sqlite3';

export function migration0002SourceLinks(db: Database): void {
  db.exec(`
    CREATE TABLE source_links (
      nonce TEXT PRIMARY KEY,
      user TEXT NOT NULL,
      address TEXT NOT NULL,
      used_at INTEGER NOT NULL
    ) STRICT;

    -- The address a user's latest link recorded.
    CREATE INDEX source_links_user_used_at ON source_links (user, used_at);
  `);
}
