// GET /metrics on the real bot, driven over signed Slack requests: the counters
// and histograms move with what the bot does, the gauges read the store, a
// failed Slack API call is counted by method, and JIT_METRICS_TOKEN guards it.

import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../support/fake-slack.js';
import { requestIdIn, startE2E, stopChecked, until, type E2E } from './harness.js';

const TOKEN = 'metrics-token-0123456789abcdef';

let e2e: E2E | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

/** Every sample of the exposition text: name, labels, value. */
function samples(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a Prometheus sample: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

/** The value of the one sample named `name` whose labels include `labels`; undefined when there is none. */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples(text).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

/** GET /metrics with this Authorization header (null: none). */
async function scrape(e: E2E, authorization: string | null = `Bearer ${TOKEN}`): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${e.baseUrl}/metrics`, authorization === null ? {} : { headers: { authorization } });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

const approvalTo = (e: E2E, user: string, id: string): Promise<RecordedCall> =>
  e.fake.waitFor(
    (c) => c.method === 'chat.postMessage' && c.args.channel === user && JSON.stringify(c.args).includes('jit_approve') && JSON.stringify(c.args).includes(id),
  );

describe('GET /metrics', () => {
  it('metrics_followTheAccessLoop_countersHistogramsAndGaugesMove', async () => {
    e2e = await startE2E({ env: { JIT_METRICS_TOKEN: TOKEN } });
    const before = await scrape(e2e);
    expect(before.status).toBe(200);
    expect(before.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(value(before.text, 'jit_open_grants')).toBe(0);
    expect(value(before.text, 'jit_slack_listener_restarts_total')).toBe(0);
    expect(value(before.text, 'jit_decisions_total')).toBeUndefined();
    expect(value(before.text, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    // Approved by a person, open, then revoked; the first close fails and is retried.
    const revoked = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h'));
    await e2e.click('UAPPROVER1', await approvalTo(e2e, 'UAPPROVER1', revoked), 'jit_approve', { expectReply: false });
    await until(() => e2e!.backend.isOpen(revoked));
    expect(value((await scrape(e2e)).text, 'jit_open_grants')).toBe(1);
    e2e.backend.failNext('close', 'firewall unreachable', 1);
    expect(await e2e.command('UREQ', `revoke ${revoked}`)).toMatch(/not confirmed the close yet/);
    await until(async () => (await e2e!.bot.workflow.get(revoked)).state === 'closed', 10_000);

    // Denied by a person.
    const denied = requestIdIn(await e2e.command('UREQ', 'request db-1 5432 198.51.100.7 30m'));
    await e2e.click('UAPPROVER2', await approvalTo(e2e, 'UAPPROVER2', denied), 'jit_deny', { expectReply: false });
    await until(async () => (await e2e!.bot.workflow.get(denied)).state === 'denied');

    // Runs to its end time.
    const expired = requestIdIn(await e2e.command('UREQ', 'request db-1 5432 198.51.100.7 2s'));
    await e2e.click('UAPPROVER1', await approvalTo(e2e, 'UAPPROVER1', expired), 'jit_approve', { expectReply: false });
    await until(async () => (await e2e!.bot.workflow.get(expired)).state === 'closed', 10_000);

    // A rule no grant explains: the sweep closes it as drift.
    await e2e.backend.open({
      requestId: 'zz9zz9',
      vmId: 'web-1',
      vmName: 'web-1',
      address: '10.0.0.4',
      ports: [{ number: 22, protocol: 'TCP' }],
      source: '*',
      endAt: Date.now() + 60_000,
    });
    await e2e.bot.sweep();
    await e2e.bot.flushOutbox();

    const after = (await scrape(e2e)).text;
    expect(value(after, 'jit_decisions_total', { effect: 'require_approval' })).toBe(3);
    expect(value(after, 'jit_requests_total', { outcome: 'closed', kind: 'grant' })).toBe(2);
    expect(value(after, 'jit_requests_total', { outcome: 'denied', kind: 'grant' })).toBe(1);
    expect(value(after, 'jit_approval_wait_seconds_count', { outcome: 'approved' })).toBe(2);
    expect(value(after, 'jit_approval_wait_seconds_count', { outcome: 'denied' })).toBe(1);
    expect(value(after, 'jit_click_to_open_seconds_count')).toBe(2);
    expect(value(after, 'jit_click_to_open_seconds_sum')).toBeLessThan(30);
    expect(value(after, 'jit_end_to_close_seconds_count', { reason: 'revoked' })).toBe(1);
    expect(value(after, 'jit_end_to_close_seconds_count', { reason: 'expired' })).toBe(1);
    // The revoke's close was retried about a second later; the expiry closed within seconds of its end.
    expect(value(after, 'jit_end_to_close_seconds_sum', { reason: 'revoked' })).toBeGreaterThan(0.5);
    expect(value(after, 'jit_end_to_close_seconds_sum', { reason: 'expired' })).toBeLessThan(10);
    expect(value(after, 'jit_close_failures_total')).toBe(1);
    expect(value(after, 'jit_drift_found_total', { kind: 'orphan_closed' })).toBe(1);
    expect(value(after, 'jit_open_grants')).toBe(0);
    expect(value(after, 'jit_outbox_pending')).toBe(0);
    expect(value(after, 'jit_outbox_oldest_age_seconds')).toBe(0);
  });

  it('metrics_slackApiErrors_areCountedByMethod_fromTheWorkerAndFromListeners', async () => {
    e2e = await startE2E();
    // The outbox worker's client (app.client): the audit post fails once, then the retry delivers it.
    e2e.fake.failNext('chat.postMessage', 1, { ok: false, error: 'channel_not_found' }, (args) => args.channel === 'CAUDIT');
    const id = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h'));
    await until(
      () => e2e!.fake.callsTo('chat.postMessage').some((c) => c.args.channel === 'CAUDIT' && c.response.ok && JSON.stringify(c.args).includes(id)),
      10_000,
    );
    // A listener's own client (Bolt makes one per workspace): the request form cannot open.
    e2e.fake.failNext('views.open', 1, { ok: false, error: 'expired_trigger_id' });
    await e2e.command('UREQ', 'request');
    // An answer lost to an HTTP error, after the client's retries.
    e2e.fake.failNext('views.open', 3, { status: 500 });
    await e2e.command('UREQ', 'request');

    const text = (await scrape(e2e, null)).text;
    expect(value(text, 'jit_slack_api_errors_total', { method: 'chat.postMessage', error: 'channel_not_found' })).toBe(1);
    expect(value(text, 'jit_slack_api_errors_total', { method: 'views.open', error: 'expired_trigger_id' })).toBe(1);
    expect(value(text, 'jit_slack_api_errors_total', { method: 'views.open', error: 'http_500' })).toBe(1);
    expect(samples(text).filter((s) => s.name === 'jit_slack_api_errors_total')).toHaveLength(3);
  });

  it('metrics_withAToken_refuseAScrapeWithoutItOrWithAWrongOne', async () => {
    e2e = await startE2E({ env: { JIT_METRICS_TOKEN: TOKEN } });
    for (const authorization of [null, `Bearer ${TOKEN.slice(0, -1)}x`, `Bearer ${TOKEN}extra`, TOKEN, 'Basic Zm9vOmJhcg==']) {
      const refused = await scrape(e2e, authorization);
      expect(refused.status, String(authorization)).toBe(401);
      expect(refused.text).not.toContain('jit_');
    }
    expect((await scrape(e2e, `bearer ${TOKEN}`)).status).toBe(200);
  });

  it('metrics_withoutAToken_areOpen', async () => {
    e2e = await startE2E();
    const open = await scrape(e2e, null);
    expect(open.status).toBe(200);
    expect(value(open.text, 'jit_open_grants')).toBe(0);
  });
});
