// The memory store's "Use my IP" links: a nonce is the key of the row its
// link writes, so a link works once; the latest address within a window is
// the one offered, the later recorded winning a tie in time.

import { bindable, integer, sqlEquals, text, type Tables } from './memory-store-tables.js';

export class SourceLinkTable {
  constructor(private readonly tables: Tables) {}

  /** False, writing nothing, when the nonce was used: an expected outcome (a second click), not an error. */
  record(nonce: string, user: string, address: string, at: number): boolean {
    for (const value of [nonce, user, address, at]) bindable(value);
    const link = {
      nonce: text('source_links.nonce', nonce),
      user: text('source_links.user', user),
      address: text('source_links.address', address),
      usedAt: integer('source_links.used_at', at),
    };
    if (this.tables.sourceLinks.has(link.nonce)) return false;
    this.tables.sourceLinks.set(link.nonce, { user: link.user, address: link.address, usedAt: link.usedAt });
    return true;
  }

  recent(user: string, since: number): string | undefined {
    bindable(user);
    bindable(since);
    let latest: { address: string; usedAt: number } | undefined;
    // Links in insertion order: on a tie in time the later one wins, as `ORDER BY used_at DESC, rowid DESC` picks it.
    for (const link of this.tables.sourceLinks.values()) {
      if (sqlEquals(link.user, user) && link.usedAt >= since && (latest === undefined || link.usedAt >= latest.usedAt)) latest = link;
    }
    return latest?.address;
  }
}
