// `jit sweep` as a subprocess: one sweep now closes what is past its end and
// times out what waited too long, exactly as the bot's cron sweep does.

import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { createHarness, type Harness } from '../support/workflow-harness.js';
import { cliWorld, SLOW, type CliWorld } from './harness.js';

let h: Harness;
let world: CliWorld;
afterEach(() => {
  h?.cleanup();
  world?.cleanup();
});

const YEAR = 365 * 86_400_000;
const POLICY = `
approvers: [UAPPROVER1, UAPPROVER2]
virtualMachines:
  - id: /subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web-1
    address: 10.0.0.4
    ports:
      - { number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H }
`;

describe('jit sweep', () => {
  it(
    'sweep_onTheMemoryBackend_leavesRunningGrantsAlone_itsEmptyFirewallIsNotTheBots',
    async () => {
      h = createHarness();
      // Now, by the real clock the CLI reads: the grant has two hours to run.
      h.clock.advance(Date.now() - h.clock.now());
      const grant = await h.workflow.request(h.input());
      if (!grant.ok) throw new Error('setup failed');
      await h.workflow.approve(grant.request.id, 'UAPPROVER1');
      h.store.close();
      world = cliWorld({ db: h.dbFile, policy: POLICY });

      const run = await world.run(['sweep', '--json']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(run.stdout)).toMatchObject({ vanished: 0, closed: 0 });
      const store = SqliteStore.open(h.dbFile);
      expect((await store.getRequest(grant.request.id))?.state).toBe('active');
      store.close();
    },
    SLOW,
  );

  it(
    'sweep_closesAnExpiredGrant_andTimesOutAStalePendingRequest',
    async () => {
      h = createHarness();
      // Years before the real clock the CLI reads: the grant is long over, the request long stale.
      h.clock.advance(-5 * YEAR);
      const grant = await h.workflow.request(h.input());
      const stale = await h.workflow.request(h.input({ justification: 'nobody answered' }));
      if (!grant.ok || !stale.ok) throw new Error('setup failed');
      await h.workflow.approve(grant.request.id, 'UAPPROVER1');
      h.store.close();
      world = cliWorld({ db: h.dbFile, policy: POLICY });

      const run = await world.run(['sweep', '--json']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(run.stdout)).toEqual({
        reminded: 0,
        timedOut: 1,
        resumed: 0,
        closed: 1,
        stillClosing: 0,
        orphansClosed: 0,
        vanished: 0,
        unresolved: 0,
        unlisted: 0,
      });
      const store = SqliteStore.open(h.dbFile);
      expect([(await store.getRequest(grant.request.id))?.state, (await store.getRequest(stale.request.id))?.state]).toEqual(['closed', 'timed_out']);
      store.close();

      expect(await world.run(['sweep'])).toEqual({
        code: 0,
        stderr: '',
        stdout: 'sweep done: 0 closed, 0 still closing, 0 timed out, 0 reminded, 0 resumed\n',
      });
    },
    SLOW,
  );
});
