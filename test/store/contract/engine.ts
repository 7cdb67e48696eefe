// The store contract: the Store port's behaviour, written once and run against
// every engine (engines.ts). A contract function registers its describes and
// its tests for one engine; it opens its stores through `Contract.open`, which
// closes them, and disposes of what the engine made, after each test.

import { afterEach, describe } from 'vitest';
import type { Clock } from '../../../src/ports/clock.js';
import type { Store } from '../../../src/ports/store.js';

export interface StoreEngine {
  /** Named in every test's path: `store contract [sqlite] > transition > …`. */
  readonly name: string;
  /** A store over a fresh, empty database of its own, reading this clock. */
  open(options: { clock: Clock }): Promise<Store> | Store;
  /** Removes what open() made (files, schemas) once the test's stores are closed. */
  dispose?(): Promise<void> | void;
}

export interface Contract {
  readonly engine: string;
  /** A store over a fresh, empty database, at a fixed clock unless given one; closed after the test. */
  open(options?: { clock?: Clock }): Promise<Store>;
}

export type ContractSuite = (contract: Contract) => void;

const FIXED_CLOCK: Clock = { now: () => 1_800_000_000_000 };

export function describeContract(engine: StoreEngine, suites: readonly ContractSuite[]): void {
  describe(`store contract [${engine.name}]`, () => {
    const opened: Store[] = [];
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
      await engine.dispose?.();
    });
    const contract: Contract = {
      engine: engine.name,
      async open(options = {}) {
        const store = await engine.open({ clock: options.clock ?? FIXED_CLOCK });
        opened.push(store);
        return store;
      },
    };
    for (const suite of suites) suite(contract);
  });
}
