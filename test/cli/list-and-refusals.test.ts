// `jit request | revoke | list` refusals and listing as subprocesses: exit
// codes, one error line on stderr, and what `list` shows.

import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { createHarness, type Harness } from '../support/workflow-harness.js';
import { cliWorld, oneErrorLine, SLOW, type CliWorld } from './harness.js';

let world: CliWorld;
let h: Harness | undefined;
afterEach(() => {
  world?.cleanup();
  h?.cleanup();
  h = undefined;
});

describe('jit request refusals', () => {
  it(
    'invalidRequest_exitsOne_namingEachProblem_andStoresNothing',
    async () => {
      world = cliWorld();
      const run = await world.run(['request', 'web-9', '22', '203.0.113.7', '9h', '--as', 'UREQ', '--json']);
      expect(run.code).toBe(1);
      const { ok, problems } = JSON.parse(run.stdout) as { ok: boolean; problems: { field: string; message: string }[] };
      expect(ok).toBe(false);
      expect(problems.map((p) => p.field)).toContain('vm');
      expect(oneErrorLine(run)).toMatch(/^jit: nothing was requested: vm: /);
      const store = SqliteStore.open(world.db);
      expect(await store.auditEvents()).toEqual([]);
      store.close();
    },
    SLOW,
  );

  it(
    'unknownRequest_exitsOne_pointingAtJitList',
    async () => {
      world = cliWorld();
      const run = await world.run(['revoke', 'k7m2qp'], { JIT_CLI_USER: 'UAPPROVER1' });
      expect(run).toMatchObject({ code: 1, stdout: '' });
      expect(oneErrorLine(run)).toBe('jit: There is no request #k7m2qp. Check the ID with `jit list`.');
    },
    SLOW,
  );
});

describe('jit list', () => {
  it(
    'list_showsOpenRequestsByDefault_allWithAll_andFiltersByState',
    async () => {
      h = createHarness();
      const pending = await h.workflow.request(h.input());
      const cancelled = await h.workflow.request(h.input({ justification: 'changed my mind' }));
      if (!pending.ok || !cancelled.ok) throw new Error('setup failed');
      await h.workflow.cancel(cancelled.request.id, 'UREQ');
      world = cliWorld({ db: h.dbFile });

      const open = await world.run(['list']);
      expect(open).toMatchObject({ code: 0, stderr: '' });
      const [header, ...lines] = open.stdout.trimEnd().split('\n');
      expect(header).toMatch(/^ID +STATE +REQUESTER +VM +PORTS +SOURCE +DURATION +CREATED \(UTC\) +ENDS \(UTC\)$/);
      expect(lines).toEqual([
        expect.stringMatching(new RegExp(`^${pending.request.id} +pending +UREQ +web-1 +22/TCP +203\\.0\\.113\\.7/32 +2h +2026-11-28 09:00$`)),
      ]);

      const all = await world.run(['list', '--all', '--json']);
      expect(
        JSON.parse(all.stdout)
          .requests.map((r: { id: string; state: string }) => [r.id, r.state])
          .sort(),
      ).toEqual(
        [
          [pending.request.id, 'pending'],
          [cancelled.request.id, 'cancelled'],
        ].sort(),
      );
      const byState = await world.run(['list', '--state', 'cancelled,timed-out', '--json']);
      expect(JSON.parse(byState.stdout).requests.map((r: { id: string }) => r.id)).toEqual([cancelled.request.id]);
      expect(await world.run(['list', '--state', 'closed,denied'])).toEqual({ code: 0, stderr: '', stdout: 'no closed or denied requests\n' });
      const bad = await world.run(['list', '--state', 'gone']);
      expect([bad.code, bad.stdout, oneErrorLine(bad)]).toEqual([
        2,
        '',
        'jit: gone is not a state: use pending, approved, active, closing, closed, denied, cancelled, timed_out, failed',
      ]);
    },
    SLOW,
  );
});
