// Every PostgreSQL migration, in order. Position n (from 1) is schema version n,
// with the same meaning as SQLite's version n (store/migrations/index.ts):
// append only, never reorder or remove.

import type { PgMigration } from '../migrate.js';
import { migration0001Initial } from './0001-initial.js';
import { migration0002SourceLinks } from './0002-source-links.js';
import { migration0003AuditChain } from './0003-audit-chain.js';
import { migration0004OutboxPostsAndSystemEvents } from './0004-outbox-posts-and-system-events.js';
import { migration0005PolicyOverlay } from './0005-policy-overlay.js';
import { migration0006Replicas } from './0006-replicas.js';
import { migration0007OutboxLanes } from './0007-outbox-lanes.js';
import { migration0008EventStream } from './0008-event-stream.js';
import { migration0009ApiTokens } from './0009-api-tokens.js';

export const pgMigrations: readonly PgMigration[] = Object.freeze([
  migration0001Initial,
  migration0002SourceLinks,
  migration0003AuditChain,
  migration0004OutboxPostsAndSystemEvents,
  migration0005PolicyOverlay,
  migration0006Replicas,
  migration0007OutboxLanes,
  migration0008EventStream,
  migration0009ApiTokens,
]);
