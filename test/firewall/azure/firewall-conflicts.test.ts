// ARM's ways of saying "not now" or "not like that" to a firewall policy
// write, and how the azure-firewall backend copes: stale ETags and a policy
// busy with another write are read again and retried, throttling is retried by
// the SDK, a taken group priority and an unsupported firewall are refused with
// the sentence an operator needs.

import { describe, expect, it } from 'vitest';
import type { GrantSpec } from '../../../src/ports/firewall.js';
import { firewallBackendFor, firewallSuite } from './firewall-harness.js';
import { grantFor, protectedPorts, recordingLogger, SSH } from './harness.js';

const groupPath = /ruleCollectionGroups\/jit-access-bot$/;

const s = firewallSuite({ firewall: 'fwc', vm: 'busy', subnet: 8 }, { nicNsg: null });

const names = () =>
  s.provider
    .natRules(s.fw.policyId, 'jit-access-bot')
    .map((r) => r.name)
    .sort();
const groupWrites = () => s.fake.writes(new RegExp(`firewallPolicies/${s.fw.policyId.split('/').pop()}/ruleCollectionGroups/`));

describe('retries', () => {
  it('open_whenSomeoneEditsTheGroupBetweenReadAndWrite_getsA412_readsAgain_andKeepsTheirRule', async () => {
    const backend = firewallBackendFor(s.fake, s.fw.firewallId);
    await backend.protect(protectedPorts(s.vm, [SSH]));
    const hand = {
      name: 'by-hand',
      ruleType: 'NatRule',
      ipProtocols: ['TCP'],
      sourceAddresses: ['*'],
      destinationAddresses: [s.fw.publicIp],
      destinationPorts: ['50080'],
      translatedAddress: '10.8.9.9',
      translatedPort: '80',
    };
    s.fake.after('GET', /ruleCollectionGroups$/, () => s.provider.addDnatRuleByHand(s.fw.policyId, 'jit-access-bot', hand));
    await backend.open(grantFor(s.vm, 'etag12', [SSH]));
    expect(groupWrites().map((w) => w.status)).toEqual([201, 412, 200]);
    expect(names()).toEqual(['by-hand', 'jit-etag12-22-tcp']);
  });

  it('open_whenThePolicyIsBusyWithAnotherWrite_getsA409_andRetries', async () => {
    s.fake.failNext({ method: 'PUT', path: groupPath, status: 409, code: 'AnotherOperationInProgress', message: 'Another operation is in progress.' });
    await firewallBackendFor(s.fake, s.fw.firewallId).open(grantFor(s.vm, 'busy12', [SSH]));
    expect(groupWrites().map((w) => w.status)).toEqual([409, 201]);
    expect(names()).toEqual(['jit-busy12-22-tcp']);
  });

  it('open_whenAzureRefusesAPolicyUpdateWhileUpdating_retries', async () => {
    s.fake.failNext({
      method: 'PUT',
      path: groupPath,
      status: 409,
      code: 'FirewallPolicyUpdateNotAllowedWhenUpdatingOrDeleting',
      message: 'Put on Firewall Policy is not allowed since it is in Updating state.',
    });
    await firewallBackendFor(s.fake, s.fw.firewallId).open(grantFor(s.vm, 'busy34', [SSH]));
    expect(names()).toEqual(['jit-busy34-22-tcp']);
  });

  it('open_whenThrottled_isRetriedByTheSdk_afterRetryAfter', async () => {
    s.fake.failNext({ method: 'PUT', path: groupPath, status: 429, retryAfter: 1, message: 'Too many requests.' });
    await firewallBackendFor(s.fake, s.fw.firewallId).open(grantFor(s.vm, 'thr123', [SSH]));
    const [throttled, retried] = groupWrites();
    expect([throttled?.status, retried?.status]).toEqual([429, 201]);
    expect(retried!.at - throttled!.at).toBeGreaterThanOrEqual(950);
  });

  it('twoBackends_likeTwoBotProcesses_openingAtOnce_meetTheBusyPolicy_andAllLand', async () => {
    const [a, b] = [firewallBackendFor(s.fake, s.fw.firewallId), firewallBackendFor(s.fake, s.fw.firewallId)];
    await a.protect(protectedPorts(s.vm, [SSH]));
    const grants: GrantSpec[] = Array.from({ length: 8 }, (_, i) => grantFor(s.vm, `race${i}x`, [SSH], `198.51.100.${i + 1}/32`));
    const results = await Promise.allSettled(grants.map((grant, i) => (i % 2 ? a : b).open(grant)));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(names()).toEqual(grants.map((g) => `jit-${g.requestId}-22-tcp`).sort());
    const refused = groupWrites().filter((w) => w.status === 409 || w.status === 412);
    expect(refused.length).toBeGreaterThan(0);
    // One VM port, one public port, whoever wrote first.
    expect(new Set(s.provider.natRules(s.fw.policyId, 'jit-access-bot').map((r) => r.destinationPorts?.[0]))).toEqual(new Set(['50022']));
  });

  it('aWriteArmNeverConfirms_isReportedAsSuch_neverTakenForDone', async () => {
    s.fake.stallNextOperation();
    const logger = recordingLogger();
    const backend = firewallBackendFor(s.fake, s.fw.firewallId, { timeoutMs: 300, logger, conflictRetry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } });
    await expect(backend.open(grantFor(s.vm, 'stal12', [SSH]))).rejects.toThrow(/accepted the change \(open stal12\) but did not confirm it/);
    // Azure still holds the policy for that write: the rollback says it could not get through, rather than pretending.
    expect(logger.lines.some((line) => /rolling back request stal12 failed too: .*AnotherOperationInProgress/.test(line))).toBe(true);
  });
});

describe('refusals', () => {
  it('protect_whenAnotherGroupHasThePriority_namesThatGroupAndTheVariable', async () => {
    s.provider.addGroupByHand(s.fw.policyId, 'platform-rules', 150);
    const backend = firewallBackendFor(s.fake, s.fw.firewallId);
    await expect(backend.protect(protectedPorts(s.vm, [SSH]))).rejects.toThrow(
      /rule collection group platform-rules of firewall policy fwc-\d+-policy already has priority 150.*set JIT_AZURE_FIREWALL_PRIORITY/,
    );
    await expect(backend.open(grantFor(s.vm, 'prio12', [SSH]))).rejects.toThrow(/platform-rules .* JIT_AZURE_FIREWALL_PRIORITY/);
    expect(s.provider.groups(s.fw.policyId).map((g) => g.name)).toEqual(['platform-rules']);
  });

  it('aFirewallManagerFirewall_isRefusedInEveryOperation_withTheReason', async () => {
    const hub = s.provider.addFirewall({ name: `hub-${s.n}`, inVirtualHub: true });
    const backend = firewallBackendFor(s.fake, hub.firewallId);
    const reason = /secured virtual hub and managed by Azure Firewall Manager/;
    await expect(backend.open(grantFor(s.vm, 'hub123', [SSH]))).rejects.toThrow(reason);
    await expect(backend.protect(protectedPorts(s.vm, [SSH]))).rejects.toThrow(reason);
    expect(await backend.health()).toMatchObject({ ok: false, detail: expect.stringMatching(reason) });
    expect(s.fake.writes(/firewallPolicies/).filter((w) => w.path.includes(`hub-${s.n}`))).toEqual([]);
  });

  it('aFirewallWithoutAPolicy_isRefused_sayingToAttachOne', async () => {
    const classic = s.provider.addFirewall({ name: `classic-${s.n}`, withoutPolicy: true });
    await expect(firewallBackendFor(s.fake, classic.firewallId).open(grantFor(s.vm, 'cls123', [SSH]))).rejects.toThrow(
      /has no firewall policy \(it uses classic rules\): attach a firewall policy/,
    );
  });

  it('aFirewallThatDoesNotExist_isReportedByHealth', async () => {
    const missing = s.fw.firewallId.replace(/fwc-\d+$/, 'nowhere');
    expect(await firewallBackendFor(s.fake, missing).health()).toMatchObject({ ok: false, detail: expect.stringMatching(/nowhere .* was not found/) });
  });
});
