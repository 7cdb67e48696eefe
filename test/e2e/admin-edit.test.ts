// The edit modal through the real Bolt app over signed HTTP: opened by
// `/jit edit` or the Home's Edit (the fake Slack checks the view), submitted
// with bad lines (errors under the input, nothing saved) and good ones
// (applied at once, audited before → after, the admin told by DM).

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readOverlayFile } from '../../src/store/overlay-statements.js';
import { textValue } from '../support/slack-requests.js';
import { ADMIN, auditLines, nextDm, openEditByCommand, openEditFromHome, portsError, protectedPorts, submitEdit } from './admin-support.js';
import { requestIdIn, startE2E, stopChecked, type E2E } from './harness.js';
import { openHome } from './home-support.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

const start = () => startE2E({ env: { JIT_ADMINS: ADMIN } });
const overlay = (e: E2E) => readOverlayFile(join(e.dir, 'data', 'jit.db'));
const initialValue = (opened: { args: Record<string, unknown> }) =>
  (opened.args.view as { blocks: { block_id?: string; element?: { initial_value?: string } }[] }).blocks.find((b) => b.block_id === 'ports')?.element
    ?.initial_value;

describe('/jit edit', () => {
  it('edit_opensAModalPrefilledWithTheVmsPorts_oneLineEach', async () => {
    e2e = await start();
    const opened = await openEditByCommand(e2e, ADMIN, 'WEB-1');
    expect(opened.response.ok).toBe(true);
    expect(initialValue(opened)).toBe('22 TCP * PT3H\n3389 TCP 203.0.113.0/24 PT1H');
    expect((opened.args.view as { private_metadata: string }).private_metadata).toBe('{"vm":"web-1"}');
  });

  it('edit_submittedWithABadLine_answersErrorsUnderTheInput_andSavesNothing', async () => {
    e2e = await start();
    const opened = await openEditByCommand(e2e, ADMIN, 'web-1');

    const result = await submitEdit(e2e, ADMIN, opened, '22 TCP * PT3H\n3389 TCP 203.0.113.0/33 1 hour');

    expect(result.status).toBe(200);
    expect(portsError(result)).toBe(
      'Line 2 (`3389 TCP 203.0.113.0/33 1 hour`): the fifth part, when given, is the minimum duration as min=<duration>, e.g. min=PT5M',
    );
    const schema = await submitEdit(e2e, ADMIN, opened, '22 TCP * PT3H\n3389 TCP 203.0.113.0/33 PT1H\n22 UDP * P1Y');
    expect(portsError(schema)).toMatch(/^Line 2 \(`3389 TCP 203\.0\.113\.0\/33 PT1H`\): sources: .*\nLine 3 \(`22 UDP \* P1Y`\): max duration: /);
    expect(overlay(e2e)).toEqual([]);
    expect(protectedPorts(e2e)).toEqual(['web-1:22/TCP', 'web-1:3389/TCP', 'db-1:5432/TCP']);
  });

  it('edit_submittedWithGoodLines_appliesAtOnce_auditsBeforeAndAfter_andTellsTheAdmin', async () => {
    e2e = await start();
    const opened = await openEditByCommand(e2e, ADMIN, 'web-1');
    const from = e2e.fake.calls.length;

    const result = await submitEdit(e2e, ADMIN, opened, '22 TCP 203.0.113.0/24 PT1H\n3389 TCP 203.0.113.0/24 PT1H\n8080 tcp * 2h');

    expect(result.status).toBe(200);
    expect(portsError(result)).toBeUndefined();
    const change = '22/TCP: from any source → from 203.0.113.0/24, up to 3h → up to 1h; added 8080/TCP from any source, up to 2h';
    expect((await nextDm(e2e, ADMIN, from)).args.text).toBe(`Saved *web-1*: ${change}. In effect now and recorded in the audit channel.`);
    expect(protectedPorts(e2e)).toEqual(['web-1:22/TCP', 'web-1:3389/TCP', 'web-1:8080/TCP', 'db-1:5432/TCP']);
    expect(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h')).toContain('198.51.100.7/32 is outside what port 22 on web-1 allows (203.0.113.0/24)');
    expect(await e2e.command('UREQ', 'request web-1 8080 198.51.100.7 90m')).toMatch(/waiting for one approval/);
    expect(await auditLines(e2e)).toContainEqual(
      expect.stringMatching(new RegExp(`^:gear: <@UADMIN> changed web-1: ${change.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} · <!date\\^`)),
    );

    // The same text again changes nothing and says so, without another audit line.
    const again = await openEditByCommand(e2e, ADMIN, 'web-1');
    const before = (await auditLines(e2e)).length;
    const noop = e2e.fake.calls.length;
    await submitEdit(e2e, ADMIN, again, initialValue(again) ?? '');
    expect((await nextDm(e2e, ADMIN, noop)).args.text).toBe('Nothing changed on *web-1*: the ports are as they were.');
    expect(await auditLines(e2e)).toHaveLength(before);
  });

  it('edit_removingAPortWithAnOpenGrant_isAllowed_andTheGrantKeepsRunningUntilItsEnd', async () => {
    e2e = await start();
    const id = requestIdIn(await e2e.command('UREQ', 'request web-1 3389 203.0.113.9 1h'));
    await e2e.bot.workflow.approve(id, 'UAPPROVER1');
    const opened = await openEditByCommand(e2e, ADMIN, 'web-1');
    const from = e2e.fake.calls.length;

    await submitEdit(e2e, ADMIN, opened, '22 TCP * PT3H');

    const told = String((await nextDm(e2e, ADMIN, from)).args.text);
    expect(told).toContain('Saved *web-1*: removed 3389/TCP.');
    expect(told).toContain(`Open grants on web-1 (#${id}) keep their ports and sources until they end`);
    expect(e2e.backend.isOpen(id)).toBe(true);
    expect(protectedPorts(e2e)).not.toContain('web-1:3389/TCP');
    // Closing never depends on the current policy.
    expect(await e2e.command('UREQ', `revoke ${id}`)).toMatch(/revoked: access is closed/);
    expect(e2e.backend.isOpen(id)).toBe(false);
  });

  it('edit_byANonAdmin_isRefused_andAForgedSubmissionToo', async () => {
    e2e = await start();
    expect(await e2e.command('UPLAIN', 'edit web-1')).toMatch(/^Only admins can enable JIT on a VM or change its ports/);
    const opened = await openEditByCommand(e2e, ADMIN, 'web-1');

    const forged = await submitEdit(e2e, 'UPLAIN', opened, '22 TCP * PT3H\n1 TCP * PT3H');

    expect(portsError(forged)).toMatch(/^Only admins can enable JIT/);
    expect(overlay(e2e)).toEqual([]);
  });

  it('edit_ofAVmThatIsNotConfigured_saysHowToEnableIt', async () => {
    e2e = await start();
    expect(await e2e.command(ADMIN, 'edit web-9')).toBe('web-9 is not configured: `/jit enable web-9` puts it under JIT first (`/jit vms` lists every VM).');
  });

  it('edit_hostileInputs_getAClearErrorEach_andNothingIsSaved', async () => {
    e2e = await start();
    const opened = await openEditByCommand(e2e, ADMIN, 'web-1');
    const cases: [string, string | null, RegExp][] = [
      ['huge text', `22 TCP * PT3H\n${'#'.repeat(10_000)}`, /^That is 10014 characters; the limit is 3000/],
      [
        '1000 lines',
        Array.from({ length: 1000 }, (_, i) => `${i + 1}`)
          .join('\n')
          .slice(0, 2999),
        /^That is \d+ ports; at most 64 can be edited here/,
      ],
      [
        'full-width digits',
        '２２ ＴＣＰ * PT3H',
        /^Line 1 \(`２２ ＴＣＰ \* PT3H`\): port: expected a port number from 1 to 65535, got `２２`\nLine 1 .*protocol: expected TCP, UDP or \*, got `ＴＣＰ`/,
      ],
      ['emoji and bidi controls', '22 TCP \u202E* PT3H\n🔥 UDP * PT1H', /^Line 1 .*sources: .*\nLine 2 \(`🔥 UDP \* PT1H`\): port: /],
      ['a NUL byte', '22\u0000 TCP * PT3H', /^Line 1 .*port: expected a port number/],
      ['nothing', '', /^Give at least one port/],
      ['no value at all', null, /^No ports arrived/],
    ];
    for (const [what, text, expected] of cases) {
      const result = await submitEdit(e2e, ADMIN, opened, text);
      expect(result.status, what).toBe(200);
      expect(portsError(result), what).toMatch(expected);
      expect(portsError(result)!.length, what).toBeLessThanOrEqual(1500);
    }
    const missingBlock = await submitEdit(e2e, ADMIN, opened, null, { other: { x: textValue('22 TCP * PT3H') } });
    expect(portsError(missingBlock)).toMatch(/^No ports arrived/);
    expect(overlay(e2e)).toEqual([]);
    expect(await auditLines(e2e)).toEqual([]);
  });

  it('homeEditButton_isShownToAdmins_andOpensTheSameModal', async () => {
    e2e = await start();
    const home = await openHome(e2e, ADMIN);

    const opened = await openEditFromHome(e2e, ADMIN, home, 'db-1');

    expect(opened.response.ok).toBe(true);
    expect(initialValue(opened)).toBe('5432 TCP * PT2H');
  });

  it('editedVm_survivesARestart', async () => {
    e2e = await start();
    const opened = await openEditByCommand(e2e, ADMIN, 'db-1');
    const from = e2e.fake.calls.length;
    await submitEdit(e2e, ADMIN, opened, '5432 TCP 10.8.0.0/16 PT30M');
    await nextDm(e2e, ADMIN, from);

    e2e = await e2e.restart();

    expect(initialValue(await openEditByCommand(e2e, ADMIN, 'db-1'))).toBe('5432 TCP 10.8.0.0/16 PT30M');
  });
});
