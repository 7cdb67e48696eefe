// When a stored Slack edit no longer validates with the policy file (or names
// a backend that is not running), the bot still starts: that entry is not
// applied, the log and the audit channel say so with the way out, its ports
// stay closed, and a new edit from Slack resolves it.

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { OverlayVm } from '../../src/domain/policy/overlay.js';
import type { SystemEvent } from '../../src/domain/types.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { ADMIN, auditLines, nextDm, openEditByCommand, protectedPorts, submitEdit } from './admin-support.js';
import { startE2E, stopChecked, type E2E } from './harness.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

const PORT = { protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H' };

/** Writes overlay rows straight into the database, as an older build or a changed file would leave them. */
async function storeEntries(e: E2E, entries: OverlayVm[]): Promise<void> {
  const store = SqliteStore.open(join(e.dir, 'data', 'jit.db'));
  try {
    for (const entry of entries) {
      const event: SystemEvent = { name: 'policy.vm_changed', actor: entry.updatedBy, at: entry.updatedAt, detail: `changed ${entry.name}` };
      await store.saveOverlayVm(entry, event, []);
    }
  } finally {
    store.close();
  }
}

describe('overlay entries that no longer validate', () => {
  it('areNotApplied_saidLoudlyWithTheWayOut_theirPortsStayClosed_andAnEditResolvesThem', async () => {
    e2e = await startE2E({ env: { JIT_ADMINS: ADMIN } });
    await storeEntries(e2e, [
      // A port listed twice: the policy's checks refuse it, yet the VM reads on its own.
      {
        name: 'web-9',
        vm: {
          id: 'web-9',
          address: '10.0.0.9',
          ports: [
            { number: 2222, ...PORT },
            { number: 2222, ...PORT },
          ],
        },
        updatedBy: ADMIN,
        updatedAt: Date.UTC(2026, 0, 2),
      },
      // A backend this bot does not run.
      {
        name: 'db-1',
        vm: { id: 'db-1', address: '10.0.0.5', backend: 'nftables', ports: [{ number: 6432, ...PORT }] },
        updatedBy: ADMIN,
        updatedAt: Date.UTC(2026, 0, 2),
      },
    ]);

    e2e = await e2e.restart();

    const logs = e2e.logs.join('\n');
    expect(logs).toContain(
      'the Slack edit of web-9 (by UADMIN, 2026-01-02 00:00:00 UTC) no longer validates against the policy file and is NOT applied: ports[1]: port 2222/TCP overlaps ports[0]',
    );
    expect(logs).toContain(
      'To resolve: `/jit edit web-9` (or `/jit enable web-9` when the file has no such VM) saves a valid version, or run `jit policy export`',
    );
    expect(logs).toMatch(/the Slack edit of db-1 .* is NOT applied: VM db-1 names backend `nftables`, which is not running/);
    expect(logs).toMatch(/jit bot started: .* \(0 from the Slack overlay, 2 not applied\)/);
    const audit = await auditLines(e2e);
    expect(audit.filter((line) => line.startsWith(':warning: Policy: the Slack edit of '))).toHaveLength(2);

    // Fail closed: web-9's port is kept closed though nobody may ask for it; db-1 runs on the file's entry.
    expect(protectedPorts(e2e)).toEqual(['web-1:22/TCP', 'web-1:3389/TCP', 'db-1:5432/TCP', 'web-9:2222/TCP']);
    expect(await e2e.command('UREQ', 'request web-9 2222 198.51.100.7 1h')).toMatch(/There is no VM called "web-9"/);
    expect(await e2e.command('UREQ', 'request db-1 5432 198.51.100.7 1h')).toMatch(/waiting for one approval/);

    // An edit from Slack replaces the broken entry; the next reload has nothing to report about db-1.
    const opened = await openEditByCommand(e2e, ADMIN, 'db-1');
    const from = e2e.fake.calls.length;
    await submitEdit(e2e, ADMIN, opened, '5432 TCP * PT1H');
    expect((await nextDm(e2e, ADMIN, from)).args.text).toMatch(/^Saved \*db-1\*: 5432\/TCP: up to 2h → up to 1h\./);
    const logged = e2e.logs.length;
    expect(await e2e.bot.reloadPolicy()).toBe(true);
    const after = e2e.logs.slice(logged).join('\n');
    expect(after).toContain('the Slack edit of web-9');
    expect(after).not.toContain('the Slack edit of db-1');
  });
});
