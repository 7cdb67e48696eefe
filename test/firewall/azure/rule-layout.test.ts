import { describe, expect, it } from 'vitest';
import {
  allowRuleName,
  bandsProblem,
  DEFAULT_BANDS,
  denyRuleName,
  domainProtocol,
  isAllowRuleName,
  isDenyRuleName,
  lowestFreePriority,
  parseAllowRuleName,
  usedInboundPriorities,
} from '../../../src/firewall/azure/rule-layout.js';
import { parseNsgId, parseSubnetId, parseVmId } from '../../../src/firewall/azure/resource-id.js';
import { isJitError } from '../../../src/domain/errors.js';

describe('rule names', () => {
  it.each([
    ['abc234', 22, 'TCP', 'jit-allow-abc234-22-tcp'],
    ['abc234', 53, 'UDP', 'jit-allow-abc234-53-udp'],
    ['abc234', 5986, '*', 'jit-allow-abc234-5986-any'],
  ] as const)('allowRuleName(%s, %i, %s) is %s', (id, port, protocol, name) => {
    expect(allowRuleName(id, port, protocol)).toBe(name);
    expect(parseAllowRuleName(name)).toEqual({ requestId: id, port, protocol });
  });

  it('denyRuleName_namesTheAddressPortAndProtocol_andMakesIpv6Safe', () => {
    expect(denyRuleName('10.0.0.4', 22, 'TCP')).toBe('jit-deny-10.0.0.4-22-tcp');
    expect(denyRuleName('fd00::4', 3389, '*')).toBe('jit-deny-fd00__4-3389-any');
  });

  it('parseAllowRuleName_readsHandMadeNamesWithOurPrefix_asTheirRest', () => {
    expect(parseAllowRuleName('jit-allow-handmade')).toEqual({ requestId: 'handmade' });
    expect(parseAllowRuleName('JIT-ALLOW-Abc234-22-TCP')).toEqual({ requestId: 'abc234', port: 22, protocol: 'TCP' });
    expect(parseAllowRuleName('allow-ssh')).toBeUndefined();
    expect(parseAllowRuleName('jit-deny-10.0.0.4-22-tcp')).toBeUndefined();
  });

  it('prefixes_areCaseInsensitive_likeArmNames', () => {
    expect(isAllowRuleName('Jit-Allow-x')).toBe(true);
    expect(isDenyRuleName('JIT-DENY-x')).toBe(true);
    expect(isAllowRuleName('SecurityCenter-JITRule-1-abc')).toBe(false);
  });

  it('allowRuleName_whenLongerThanArmAllows_isRefused', () => {
    expect(() => allowRuleName('x'.repeat(70), 22, 'TCP')).toThrow(/longer than Azure's 80/);
  });
});

describe('priority bands', () => {
  it('defaults_putTheWholeAllowBandBelowTheDenyBand', () => {
    expect(bandsProblem(DEFAULT_BANDS)).toBeUndefined();
    expect(DEFAULT_BANDS.allow.max).toBeLessThan(DEFAULT_BANDS.deny.min);
  });

  it.each([
    [{ allow: { min: 3000, max: 3600 }, deny: { min: 3500, max: 3999 } }, /must end below the deny band/],
    [{ allow: { min: 50, max: 99 }, deny: { min: 3500, max: 3999 } }, /within 100–4096/],
    [{ allow: { min: 3000, max: 3499 }, deny: { min: 3999, max: 4097 } }, /within 100–4096/],
    [{ allow: { min: 3400, max: 3000 }, deny: { min: 3500, max: 3999 } }, /not a range/],
  ])('bandsProblem(%j) explains what is wrong', (bands, message) => {
    expect(bandsProblem(bands)).toMatch(message);
  });

  it('lowestFreePriority_skipsEveryUsedPriority_andReportsAFullBand', () => {
    expect(lowestFreePriority(new Set([100, 101, 103]), { min: 100, max: 104 })).toBe(102);
    expect(lowestFreePriority(new Set([100, 101]), { min: 100, max: 101 })).toBeUndefined();
  });

  it('usedInboundPriorities_ignoresOutboundRules_whichMayShareAPriority', () => {
    const used = usedInboundPriorities([
      { priority: 3000, direction: 'Outbound' },
      { priority: 3001, direction: 'Inbound' },
    ]);
    expect([...used]).toEqual([3001]);
  });

  it('domainProtocol_mapsArmSpellings', () => {
    expect(['Tcp', 'UDP', '*', 'Icmp'].map(domainProtocol)).toEqual(['TCP', 'UDP', '*', undefined]);
  });
});

describe('resource ids', () => {
  const vm = '/subscriptions/sub-1/resourceGroups/rg-a/providers/Microsoft.Compute/virtualMachines/web-1';

  it('parseVmId_readsSubscriptionGroupAndName_caseInsensitively', () => {
    expect(parseVmId(vm)).toEqual({ id: vm, subscriptionId: 'sub-1', resourceGroup: 'rg-a', name: 'web-1' });
    expect(parseVmId(vm.toLowerCase())?.name).toBe('web-1');
    expect(parseVmId(`${vm}/`)?.id).toBe(vm);
  });

  it.each(['web-1', '/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/networkInterfaces/n', `${vm}/extensions/x`])(
    'parseVmId(%s) is not a VM',
    (id) => expect(parseVmId(id)).toBeUndefined(),
  );

  it('parseNsgId_andParseSubnetId_readNetworkIds', () => {
    const nsg = parseNsgId('/subscriptions/s/resourceGroups/R/providers/Microsoft.Network/networkSecurityGroups/N-1');
    expect(nsg).toMatchObject({
      subscriptionId: 's',
      resourceGroup: 'R',
      name: 'N-1',
      key: '/subscriptions/s/resourcegroups/r/providers/microsoft.network/networksecuritygroups/n-1',
    });
    expect(parseSubnetId('/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/default')).toMatchObject({
      virtualNetwork: 'v',
      name: 'default',
    });
  });

  it('nameErrors_areJitErrorsWithTheBackendCode', () => {
    const error = (() => {
      try {
        allowRuleName('y'.repeat(90), 1, 'TCP');
      } catch (caught) {
        return caught;
      }
    })();
    expect(isJitError(error, 'jit_backend_failed')).toBe(true);
  });
});
