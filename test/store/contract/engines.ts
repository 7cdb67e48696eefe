// Every engine the store contract runs against. A new adapter joins the
// contract with one more entry in ENGINES.

import path from 'node:path';
import { MemoryStore } from '../../../src/ports/memory-store.js';
import { SqliteStore } from '../../../src/store/sqlite-store.js';
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

export const ENGINES: readonly StoreEngine[] = [sqlite(), memory];
