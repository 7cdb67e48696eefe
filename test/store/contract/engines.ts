// Every engine the store contract runs against. A new adapter joins the
// contract with one more entry in ENGINES.

import path from 'node:path';
import { MemoryStore } from '../../../src/ports/memory-store.js';
import { PostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../../src/store/sqlite-store.js';
import { createSchema, dropSchemas, PG_URL, pgWanted, requirePg } from '../../support/postgres.js';
import { makeTempDir, removeDir } from '../fixtures.js';
import type { StoreEngine } from './engine.js';

/** A real file per store, in a directory of its own, as production opens it (WAL on). */
function sqlite(): StoreEngine {
  const dirs: string[] = [];
  return {
    name: 'sqlite',
    open({ clock }) {
      const dir = makeTempDir();
      dirs.push(dir);
      return SqliteStore.open(path.join(dir, 'jit.db'), { clock });
    },
    dispose() {
      for (const dir of dirs.splice(0)) removeDir(dir);
    },
  };
}

const memory: StoreEngine = { name: 'memory', open: ({ clock }) => new MemoryStore({ clock }) };

/** A fresh schema per store on the test server (test/support/postgres.ts), dropped after the test. */
function postgres(): StoreEngine {
  const schemas: string[] = [];
  return {
    name: 'postgres',
    async open({ clock }) {
      requirePg();
      const schema = await createSchema();
      schemas.push(schema);
      return PostgresStore.open(PG_URL, { clock, schema, poolSize: 3 });
    },
    async dispose() {
      await dropSchemas(schemas.splice(0));
    },
  };
}

// PostgreSQL joins when its server answers, or when CI requires it (then every test fails saying why).
export const ENGINES: readonly StoreEngine[] = [sqlite(), memory, ...(pgWanted ? [postgres()] : [])];
