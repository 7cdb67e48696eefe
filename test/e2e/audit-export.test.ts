// `/jit audit` through the real Bolt app over signed HTTP: the CSV lands in the
// caller's DM by files.uploadV2 and, parsed back by an independent reader,
// matches the database row for row.

import { afterEach, describe, expect, it } from 'vitest';
import { AUDIT_COLUMNS } from '../../src/domain/audit-export.js';
import type { AccessRequest } from '../../src/domain/types.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { csvObjects, parseCsv } from '../support/csv.js';
import type { RecordedCall } from '../support/fake-slack.js';
import { BASIC_POLICY, requestIdIn, startE2E, stopChecked, until, type E2E } from './harness.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

const POLICY = `${BASIC_POLICY}\nreaders: [UREADER, SAUDITORS]\n`;
const HOSTILE = '=HYPERLINK("http://evil.example","open me"), -1+2 @SUM(A1)';

const approvalTo = (e: E2E, channel: string, id: string): Promise<RecordedCall> =>
  e.fake.waitFor(
    (c) =>
      c.method === 'chat.postMessage' &&
      c.args.channel === channel &&
      JSON.stringify(c.args.blocks ?? '').includes('jit_approve') &&
      JSON.stringify(c.args).includes(id),
  );

/** A request approved, opened and revoked, with a justification written to attack a spreadsheet. */
async function revokedGrant(e: E2E): Promise<string> {
  const id = requestIdIn(await e.command('UREQ', `request web-1 22 198.51.100.7 1h ${HOSTILE}`));
  await e.click('UAPPROVER1', await approvalTo(e, 'UAPPROVER1', id), 'jit_approve', { expectReply: false });
  await until(async () => (await e.bot.workflow.get(id)).state === 'active');
  expect(await e.command('UREQ', `revoke ${id}`)).toMatch(/revoked/);
  return id;
}

async function readDatabase(e: E2E) {
  const store = SqliteStore.open(e.bot.config.JIT_DB);
  try {
    const events = await store.auditEvents();
    const requests = new Map<string, AccessRequest>();
    for (const event of events) requests.set(event.requestId, (await store.getRequest(event.requestId))!);
    return { events, requestOf: (id: string) => requests.get(id) };
  } finally {
    store.close();
  }
}

describe('/jit audit', () => {
  it('reader_getsTheCsvInTheirDm_andParsedBackItMatchesTheDatabase', async () => {
    e2e = await startE2E({ policy: POLICY });
    const id = await revokedGrant(e2e);
    requestIdIn(await e2e.command('UOTHER', 'request db-1 5432 198.51.100.9 30m pending one'));

    const reply = await e2e.command('UREADER', 'audit');
    const db = await readDatabase(e2e);
    expect(reply).toMatch(
      new RegExp(
        `^Sent ${db.events.length} audit events from the last 30 days to your DM with me as \`jit-audit-\\d{4}-\\d{2}-\\d{2}-to-\\d{4}-\\d{2}-\\d{2}\\.csv\`\\.$`,
      ),
    );

    expect(e2e.fake.files).toHaveLength(1);
    const file = e2e.fake.files[0]!;
    expect(file.channel).toBe('DREADER');
    expect(reply).toContain(file.filename);
    const text = file.content.toString('utf8');
    expect(parseCsv(text)[0]).toEqual([...AUDIT_COLUMNS]);
    const rows = csvObjects(text);
    expect(rows).toHaveLength(db.events.length);
    rows.forEach((row, i) => {
      const event = db.events[i]!;
      const request = db.requestOf(event.requestId)!;
      const at = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());
      expect(row).toEqual({
        time: new Date(event.at).toISOString(),
        event: event.name,
        request: event.requestId,
        requester: request.requester,
        approver: request.approvals.join(' '),
        vm: request.vm,
        port: request.ports.map((p) => p.number).join(' '),
        protocol: request.ports.map((p) => p.protocol).join(' '),
        source: request.source,
        start: at(request.startAt),
        end: at(request.endAt),
        status: request.state,
        reason: event.detail ?? '',
        actor: event.actor,
        // Only a cell a spreadsheet would run as a formula changes: one `'` in front.
        justification: /^[=+\-@]/.test(request.justification) ? `'${request.justification}` : request.justification,
      });
    });
    const revoked = rows.filter((row) => row.request === id);
    expect(revoked.map((row) => row.event)).toEqual(['request.created', 'request.approved', 'grant.opened', 'grant.closing', 'grant.closed']);
    expect(revoked[0]).toMatchObject({ justification: `'${HOSTILE}`, approver: 'UAPPROVER1', status: 'closed' });
    expect(revoked.at(-1)).toMatchObject({ reason: 'revoked', actor: 'system' });
  });

  it('memberOfAReaderGroup_withVmAndDays_getsThatVmsEventsOnly', async () => {
    e2e = await startE2E({ policy: POLICY, groups: { SAUDITORS: ['UAUDITOR'] } });
    await revokedGrant(e2e);
    const other = requestIdIn(await e2e.command('UOTHER', 'request db-1 5432 198.51.100.9 30m'));

    expect(await e2e.command('UAUDITOR', 'audit db-1 --days 1')).toMatch(/^Sent 1 audit event from the last 1 day on VM db-1 to your DM/);
    const rows = csvObjects(e2e.fake.files[0]!.content.toString('utf8'));
    expect(rows.map((row) => [row.request, row.event, row.vm])).toEqual([[other, 'request.created', 'db-1']]);
    expect(e2e.fake.files[0]!.filename).toMatch(/^jit-audit-db-1-/);

    expect(await e2e.command('UAUDITOR', 'audit web-2')).toMatch(/^No audit events in the last 30 days on VM web-2, so no file was sent/);
    expect(e2e.fake.files).toHaveLength(1);
  });

  it('nonReader_isRefusedWithWhoMay_andNothingIsUploaded', async () => {
    e2e = await startE2E({ policy: POLICY, groups: { SAUDITORS: ['UAUDITOR'] } });
    await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h');
    const reply = await e2e.command('UAPPROVER1', 'audit');
    expect(reply).toBe(
      'Only the audit readers may export the audit log: <@UREADER>, <!subteam^SAUDITORS>. Ask one of them, or ask whoever runs the bot to add you to `readers` in the policy file.',
    );
    expect(e2e.fake.callsTo('files.getUploadURLExternal')).toEqual([]);
    expect(e2e.fake.files).toEqual([]);
  });

  it('policyWithoutReaders_butJitReaders_letsThatUserExport', async () => {
    e2e = await startE2E({ env: { JIT_READERS: 'UENVREADER' } });
    await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h');
    expect(await e2e.command('UENVREADER', 'audit')).toMatch(/^Sent 1 audit event/);
    expect(await e2e.command('UREADER', 'audit')).toMatch(/^Only the audit readers may export the audit log: <@UENVREADER>\./);
  });

  it('slackRefusingTheUpload_isExplainedToTheReader', async () => {
    e2e = await startE2E({ policy: POLICY });
    await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h');
    e2e.fake.failNext('files.completeUploadExternal', 1, { ok: false, error: 'missing_scope', needed: 'files:write' });
    expect(await e2e.command('UREADER', 'audit')).toBe(
      'The audit export was not sent: the Slack app lacks the `files:write` scope; whoever runs the bot must add it (manifest.yml has it) and reinstall the app. Nothing else changed; try again later.',
    );
    expect(e2e.fake.files).toEqual([]);
    // Once Slack accepts it again, the same command works. The refused attempt read the rows
    // for that reader, so it is in the log too (audit.exported): two events now.
    expect(await e2e.command('UREADER', 'audit')).toMatch(/^Sent 2 audit events/);
  });
});
