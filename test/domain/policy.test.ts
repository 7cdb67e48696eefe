import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { formatPolicyProblems, parsePolicy, parsePolicyDocument, type PolicyProblem } from '../../src/domain/policy/parse.js';
import type { Policy } from '../../src/domain/types.js';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`../fixtures/policies/${name}`, import.meta.url)), 'utf8');

const port = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  number: 22,
  protocol: 'TCP',
  allowedSourceAddressPrefix: '*',
  maxRequestAccessDuration: 'PT3H',
  ...over,
});
const vm = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ id: 'web1', ports: [port()], ...over });
const native = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ virtualMachines: [vm()], ...over });
const azure = (vms: unknown[], root: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Security/locations/x/jitNetworkAccessPolicies/default',
  kind: 'Basic',
  ...root,
  properties: { virtualMachines: vms, provisioningState: 'Succeeded' },
});
const without = (object: Record<string, unknown>, key: string): Record<string, unknown> => {
  const copy = { ...object };
  delete copy[key];
  return copy;
};
const rule = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ name: 'r', effect: 'approve', ...over });

function problemsOf(document: unknown): PolicyProblem[] {
  const result = parsePolicy(JSON.stringify(document), 'json');
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.problems;
}

function policyOf(document: unknown): Policy {
  const result = parsePolicyDocument(document);
  if (!result.ok) throw new Error(formatPolicyProblems(result.problems));
  return result.policy;
}

const SUB = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines';

describe('parsePolicy accepts every document form', () => {
  it('azureGetResource_withReadOnlyFields_yieldsNormalisedVmsAndIgnoresTheRest', () => {
    const result = parsePolicy(fixture('azure-get.json'), 'json');
    expect(result).toEqual({
      ok: true,
      policy: {
        vms: [
          {
            id: `${SUB}/web1`,
            name: 'web1',
            tags: {},
            ports: [
              { number: 22, protocol: '*', anySource: true, allowedSourcePrefixes: [], maxDurationSeconds: 10_800, minDurationSeconds: 1 },
              {
                number: 3389,
                protocol: 'TCP',
                anySource: false,
                allowedSourcePrefixes: ['203.0.113.0/24', '2001:db8::/32'],
                maxDurationSeconds: 3_600,
                minDurationSeconds: 1,
              },
            ],
          },
          {
            id: `${SUB}/win-db`,
            name: 'win-db',
            tags: {},
            ports: [
              { number: 5985, protocol: 'TCP', anySource: false, allowedSourcePrefixes: ['10.0.0.7/32'], maxDurationSeconds: 1_800, minDurationSeconds: 1 },
              { number: 5986, protocol: 'TCP', anySource: true, allowedSourcePrefixes: [], maxDurationSeconds: 93_600, minDurationSeconds: 1 },
            ],
          },
        ],
        approvers: [],
        rules: [],
      },
    });
  });

  it('nativeYaml_withApproversAndRules_yieldsExtensionsConverted', () => {
    const result = parsePolicy(fixture('native.yaml'), 'yaml');
    expect(result).toEqual({
      ok: true,
      policy: {
        vms: [
          {
            id: 'web-1',
            name: 'web-1',
            address: '10.0.0.4',
            backend: 'nftables',
            tags: { env: 'prod', team: 'web' },
            ports: [
              {
                number: 22,
                protocol: 'TCP',
                anySource: false,
                allowedSourcePrefixes: ['203.0.113.0/24', '198.51.100.7/32'],
                maxDurationSeconds: 10_800,
                minDurationSeconds: 900,
              },
            ],
          },
          {
            id: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-7f3a',
            name: 'db-1',
            address: 'db-1.internal.example.com',
            tags: {},
            ports: [
              { number: 5432, protocol: 'TCP', anySource: false, allowedSourcePrefixes: ['10.0.0.0/8'], maxDurationSeconds: 3_600, minDurationSeconds: 1 },
            ],
          },
        ],
        approvers: ['U0ADMIN1', 'S0SRETEAM'],
        rules: [
          {
            name: 'prod-needs-two',
            match: { tags: { env: 'prod' }, maxDurationSeconds: 7_200 },
            effect: 'require_approval',
            approvals: 2,
            approvers: ['S0SRETEAM'],
            reason: 'Production access needs two people.',
          },
          {
            name: 'office-db',
            match: { vms: ['db-*'], ports: [5432], requesters: ['U0DBA001'], maxDurationSeconds: 1_800, sources: ['10.1.0.0/16'] },
            effect: 'approve',
          },
          { name: 'never-long', match: {}, effect: 'deny' },
        ],
      },
    });
  });

  const forms: [behaviour: string, file: string, format: 'json' | 'yaml', names: string[], approvers: string[], rules: string[]][] = [
    ['azureList_mergesVmsOfEveryResource', 'azure-list.json', 'json', ['app1', 'app2', 'app3'], [], []],
    ['azurePutBody_isAccepted', 'azure-put.json', 'json', ['bastion'], [], []],
    ['azureDocWithRootExtensions_readsApproversAndRules', 'azure-with-extensions.json', 'json', ['jumpbox'], ['U0ADMIN1'], ['ssh-short']],
    ['jsonFileReadAsYaml_givesTheSamePolicy', 'azure-get.json', 'yaml', ['web1', 'win-db'], [], []],
  ];
  it.each(forms)('%s', (_behaviour, file, format, names, approvers, rules) => {
    const result = parsePolicy(fixture(file), format);
    if (!result.ok) throw new Error(formatPolicyProblems(result.problems));
    expect(result.policy.vms.map((v) => v.name)).toEqual(names);
    expect(result.policy.approvers).toEqual(approvers);
    expect(result.policy.rules.map((r) => r.name)).toEqual(rules);
  });

  const documents: [behaviour: string, document: unknown, check: (policy: Policy) => void][] = [
    ['emptyNativeVmList_isAFreshInstall', { virtualMachines: [] }, (p) => expect(p).toEqual({ vms: [], approvers: [], rules: [] })],
    ['emptyAzureList_hasNoVms', { value: [] }, (p) => expect(p.vms).toEqual([])],
    [
      'lowerCaseProtocol_isNormalisedToUpper',
      native({ virtualMachines: [vm({ ports: [port({ protocol: 'udp' })] })] }),
      (p) => expect(p.vms[0]?.ports[0]?.protocol).toBe('UDP'),
    ],
    [
      'prefixWithHostBits_isNormalisedToItsNetwork',
      native({ virtualMachines: [vm({ ports: [port({ allowedSourceAddressPrefix: '203.0.113.7/24' })] })] }),
      (p) => expect(p.vms[0]?.ports[0]?.allowedSourcePrefixes).toEqual(['203.0.113.0/24']),
    ],
    [
      'ipv4WholeFamilyAlone_isNotAnySource',
      native({ virtualMachines: [vm({ ports: [port({ allowedSourceAddressPrefix: '0.0.0.0/0' })] })] }),
      (p) => expect(p.vms[0]?.ports[0]).toMatchObject({ anySource: false, allowedSourcePrefixes: ['0.0.0.0/0'] }),
    ],
    [
      'starInAList_isAnySource',
      native({ virtualMachines: [vm({ ports: [port({ allowedSourceAddressPrefix: undefined, allowedSourceAddressPrefixes: ['*'] })] })] }),
      (p) => expect(p.vms[0]?.ports[0]).toMatchObject({ anySource: true, allowedSourcePrefixes: [] }),
    ],
    [
      'ipv6Address_isWrittenCanonically',
      native({ virtualMachines: [vm({ address: '2001:DB8::0001' })] }),
      (p) => expect(p.vms[0]?.address).toBe('2001:db8::1'),
    ],
    [
      'sameNumberForTcpAndUdp_isTwoPorts',
      native({ virtualMachines: [vm({ ports: [port(), port({ protocol: 'UDP' })] })] }),
      (p) => expect(p.vms[0]?.ports).toHaveLength(2),
    ],
    [
      'idWithTrailingSlash_takesTheLastNonEmptySegment',
      native({ virtualMachines: [vm({ id: '/x/virtualMachines/app9/' })] }),
      (p) => expect(p.vms[0]?.name).toBe('app9'),
    ],
    [
      'publicIpAddressOfAnyShape_isIgnored',
      native({ virtualMachines: [vm({ publicIpAddress: { ip: '1.2.3.4' } })] }),
      (p) => expect(p.vms[0]).not.toHaveProperty('publicIpAddress'),
    ],
    ['schemaKeyInNativeForm_isIgnored', native({ $schema: './policy.schema.json' }), (p) => expect(p.vms).toHaveLength(1)],
  ];
  it.each(documents)('%s', (_behaviour, document, check) => check(policyOf(document)));
});

describe('parsePolicy reports each problem at the path the document uses', () => {
  const P = 'virtualMachines[0].ports[0]';
  const rows: [behaviour: string, document: unknown, expected: [path: string, message: string][]][] = [
    // Document shape
    [
      'nativeWithoutVirtualMachines_saysWhatTheFileNeeds',
      { approvers: [] },
      [['virtualMachines', 'missing: the policy needs a virtualMachines list (`virtualMachines: []` for none yet)']],
    ],
    ['virtualMachinesNotAList_isRefused', { virtualMachines: { id: 'x' } }, [['virtualMachines', 'expected a list of VMs (`[]` for none), got an object']]],
    ['documentNotAnObject_isRefused', ['web1'], [['(root)', 'expected an object with virtualMachines']]],
    [
      'unknownNativeRootKey_isNamedWithTheAllowedOnes',
      native({ aprovers: ['U123'] }),
      [['aprovers', 'unknown key (did you mean `approvers`?): allowed keys are virtualMachines, approvers, readers, rules']],
    ],
    ['azureWithoutProperties_isRefused', { kind: 'Basic' }, [['properties', 'missing: an Azure policy keeps its VMs in properties.virtualMachines']]],
    [
      'azureWithoutVirtualMachines_isRefused',
      { kind: 'Basic', properties: { provisioningState: 'Succeeded' } },
      [['properties.virtualMachines', 'missing: expected a list of VMs']],
    ],
    ['azureWithVmsBesideProperties_saysToMoveThem', { ...azure([]), virtualMachines: [] }, [['virtualMachines', 'belongs inside `properties`']]],
    [
      'extensionInsideProperties_saysToMoveItToTheRoot',
      { kind: 'Basic', properties: { virtualMachines: [], approvers: ['U123'] } },
      [['properties.approvers', 'approvers is read only at the document root, beside `properties`: move it there']],
    ],
    [
      'extensionInsideAListItem_saysToMoveItToTheRoot',
      { value: [{ ...azure([]), rules: [] }] },
      [['value[0].rules', 'rules is read only at the document root, beside `value`']],
    ],
    ['misspeltExtensionAtAzureRoot_isReported', azure([], { rule: [] }), [['rule', 'unknown key (did you mean `rules`?)']]],
    ['valueNotAList_isRefused', { value: {} }, [['value', 'expected a list of Azure JIT policies, got an object']]],
    ['valueItemNotAnObject_isRefused', { value: [7] }, [['value[0]', 'expected an Azure JIT policy (an object with properties.virtualMachines), got 7']]],
    // VM fields
    [
      'vmUnknownKey_isNamedWithTheAllowedOnes',
      native({ virtualMachines: [vm({ nmae: 'x' })] }),
      [['virtualMachines[0].nmae', 'unknown key (did you mean `name`?): allowed keys are id, name, address, backend, tags, publicIpAddress, ports']],
    ],
    ['vmWithoutId_isRefused', native({ virtualMachines: [without(vm(), 'id')] }), [['virtualMachines[0].id', 'missing: expected a VM id']]],
    ['vmWithEmptyId_isRefused', native({ virtualMachines: [vm({ id: '  ' })] }), [['virtualMachines[0].id', 'the VM id is empty']]],
    [
      'vmNameWithSpace_isRefused',
      native({ virtualMachines: [vm({ name: 'my vm' })] }),
      [['virtualMachines[0].name', '`my vm` is not a valid VM name: use letters, digits']],
    ],
    [
      'vmIdGivingAnInvalidShortName_asksForAName',
      native({ virtualMachines: [vm({ id: 'my vm' })] }),
      [['virtualMachines[0].id', 'the short name `my vm` taken from the end of the id is not a valid VM name: add a `name`']],
    ],
    [
      'vmAddressNotAnIpOrHost_isRefused',
      native({ virtualMachines: [vm({ address: '10.0.0.300' })] }),
      [['virtualMachines[0].address', 'expected an IP address or DNS host name']],
    ],
    [
      'vmAddressWithPrefix_isRefused',
      native({ virtualMachines: [vm({ address: '10.0.0.0/24' })] }),
      [['virtualMachines[0].address', 'expected an IP address or DNS host name']],
    ],
    ['vmBackendUpperCase_isRefused', native({ virtualMachines: [vm({ backend: 'NFT' })] }), [['virtualMachines[0].backend', '`NFT` is not a backend name']]],
    [
      'vmTagValueNumber_asksForQuotes',
      native({ virtualMachines: [vm({ tags: { port: 22 } })] }),
      [['virtualMachines[0].tags.port', 'tag values are strings: quote it, as in "22"']],
    ],
    [
      'vmTagKeyWithSpace_isWrittenInBrackets',
      native({ virtualMachines: [vm({ tags: { 'cost center': 1 } })] }),
      [['virtualMachines[0].tags["cost center"]', 'tag values are strings']],
    ],
    ['vmWithoutPorts_isRefused', native({ virtualMachines: [without(vm(), 'ports')] }), [['virtualMachines[0].ports', 'missing: expected a list of ports']]],
    ['vmWithEmptyPorts_isRefused', native({ virtualMachines: [vm({ ports: [] })] }), [['virtualMachines[0].ports', 'a VM needs at least one port']]],
    [
      'duplicateVmShortNames_ignoringCase_nameBothIndexes',
      native({ virtualMachines: [vm(), vm({ id: '/x/virtualMachines/WEB1' })] }),
      [['virtualMachines[1]', 'the short name `WEB1` is already used by virtualMachines[0]']],
    ],
    [
      'explicitNameClashingWithDerivedName_isADuplicate',
      native({ virtualMachines: [vm({ id: 'a' }), vm({ id: 'b', name: 'A' })] }),
      [['virtualMachines[1]', 'the short name `A` is already used by virtualMachines[0]']],
    ],
    // Port fields
    [
      'portUnknownKey_suggestsTheRealOne',
      native({ virtualMachines: [vm({ ports: [{ ...without(port(), 'maxRequestAccessDuration'), maxRequestAccesDuration: 'PT3H' }] })] }),
      [
        [
          `${P}.maxRequestAccesDuration`,
          'unknown key (did you mean `maxRequestAccessDuration`?): allowed keys are number, protocol, allowedSourceAddressPrefix, allowedSourceAddressPrefixes, maxRequestAccessDuration, minRequestAccessDuration',
        ],
        [`${P}.maxRequestAccessDuration`, 'missing: expected an ISO 8601 duration such as PT3H'],
      ],
    ],
    [
      'portNumberZero_isRefused',
      native({ virtualMachines: [vm({ ports: [port({ number: 0 })] })] }),
      [[`${P}.number`, 'expected a port number from 1 to 65535, got 0']],
    ],
    [
      'portNumberTooLarge_isRefused',
      native({ virtualMachines: [vm({ ports: [port({ number: 65536 })] })] }),
      [[`${P}.number`, 'expected a port number from 1 to 65535, got 65536']],
    ],
    [
      'portNumberFraction_isRefused',
      native({ virtualMachines: [vm({ ports: [port({ number: 22.5 })] })] }),
      [[`${P}.number`, 'expected a port number from 1 to 65535, got 22.5']],
    ],
    [
      'portNumberAsString_isRefused',
      native({ virtualMachines: [vm({ ports: [port({ number: '22' })] })] }),
      [[`${P}.number`, 'expected a port number from 1 to 65535, got `22`']],
    ],
    [
      'portProtocolUnknown_isRefused',
      native({ virtualMachines: [vm({ ports: [port({ protocol: 'ICMP' })] })] }),
      [[`${P}.protocol`, 'expected TCP, UDP or *, got `ICMP`']],
    ],
    [
      'portProtocolMissing_isRefused',
      native({ virtualMachines: [vm({ ports: [without(port(), 'protocol')] })] }),
      [[`${P}.protocol`, 'missing: expected TCP, UDP or *']],
    ],
    [
      'portWithBothPrefixKeys_saysKeepOne',
      native({ virtualMachines: [vm({ ports: [port({ allowedSourceAddressPrefixes: ['10.0.0.0/8'] })] })] }),
      [[P, 'has both allowedSourceAddressPrefix and allowedSourceAddressPrefixes: keep only one']],
    ],
    [
      'portWithNeitherPrefixKey_saysAddOne',
      native({ virtualMachines: [vm({ ports: [without(port(), 'allowedSourceAddressPrefix')] })] }),
      [[P, 'has neither allowedSourceAddressPrefix nor allowedSourceAddressPrefixes']],
    ],
    [
      'portImpossiblePrefix_isRefused',
      native({ virtualMachines: [vm({ ports: [port({ allowedSourceAddressPrefix: '10.0.0.0/33' })] })] }),
      [[`${P}.allowedSourceAddressPrefix`, '`10.0.0.0/33` has an impossible prefix length']],
    ],
    [
      'portImpossiblePrefixInList_pointsAtTheEntry',
      native({ virtualMachines: [vm({ ports: [port({ allowedSourceAddressPrefix: undefined, allowedSourceAddressPrefixes: ['10.0.0.0/8', 'office'] })] })] }),
      [[`${P}.allowedSourceAddressPrefixes[1]`, '`office` is not an address']],
    ],
    [
      'portEmptyPrefixList_isRefused',
      native({ virtualMachines: [vm({ ports: [port({ allowedSourceAddressPrefix: undefined, allowedSourceAddressPrefixes: [] })] })] }),
      [[`${P}.allowedSourceAddressPrefixes`, 'an empty list lets nobody in']],
    ],
    [
      'portStarMixedWithPrefixes_isRefused',
      native({ virtualMachines: [vm({ ports: [port({ allowedSourceAddressPrefix: undefined, allowedSourceAddressPrefixes: ['10.0.0.0/8', '*'] })] })] }),
      [[`${P}.allowedSourceAddressPrefixes[1]`, '`*` (any source) cannot be combined with other prefixes']],
    ],
    [
      'portMaxDurationMissing_isRefused',
      native({ virtualMachines: [vm({ ports: [without(port(), 'maxRequestAccessDuration')] })] }),
      [[`${P}.maxRequestAccessDuration`, 'missing: expected an ISO 8601 duration such as PT3H']],
    ],
    [
      'portMaxDurationShortForm_asksForIso',
      native({ virtualMachines: [vm({ ports: [port({ maxRequestAccessDuration: '90m' })] })] }),
      [[`${P}.maxRequestAccessDuration`, 'expected an ISO 8601 duration such as PT3H: write PT1H30M instead of `90m`']],
    ],
    [
      'portMaxDurationGarbage_isRefused',
      native({ virtualMachines: [vm({ ports: [port({ maxRequestAccessDuration: 'three hours' })] })] }),
      [[`${P}.maxRequestAccessDuration`, 'expected an ISO 8601 duration such as PT3H, got `three hours`']],
    ],
    [
      'portMaxDurationInMonths_isRefused',
      native({ virtualMachines: [vm({ ports: [port({ maxRequestAccessDuration: 'P1M' })] })] }),
      [[`${P}.maxRequestAccessDuration`, '`P1M` counts years or months']],
    ],
    [
      'portMaxDurationZero_isRefused',
      native({ virtualMachines: [vm({ ports: [port({ maxRequestAccessDuration: 'PT0S' })] })] }),
      [[`${P}.maxRequestAccessDuration`, '`PT0S` is zero']],
    ],
    [
      'portMinLongerThanMax_isRefused',
      native({ virtualMachines: [vm({ ports: [port({ maxRequestAccessDuration: 'PT1H', minRequestAccessDuration: 'PT2H' })] })] }),
      [[`${P}.minRequestAccessDuration`, 'the minimum 2h is longer than the maximum 1h']],
    ],
    [
      'portMinGarbage_isRefused',
      native({ virtualMachines: [vm({ ports: [port({ minRequestAccessDuration: 'soon' })] })] }),
      [[`${P}.minRequestAccessDuration`, '`soon` is not a duration']],
    ],
    [
      'duplicatePortSameProtocol_isRefused',
      native({ virtualMachines: [vm({ ports: [port(), port({ protocol: 'tcp' })] })] }),
      [['virtualMachines[0].ports[1]', 'port 22/TCP overlaps ports[0] (22/TCP)']],
    ],
    [
      'duplicatePortOneSideStar_isRefused',
      native({ virtualMachines: [vm({ ports: [port({ protocol: 'UDP' }), port({ protocol: '*' })] })] }),
      [['virtualMachines[0].ports[1]', 'port 22/* overlaps ports[0] (22/UDP)']],
    ],
    // Approvers and rules
    [
      'approverNotASlackId_isRefused',
      native({ approvers: ['U0ADMIN1', 'alice'] }),
      [['approvers[1]', 'expected a Slack user ID (U… or W…) or user-group ID (S…), got `alice`']],
    ],
    ['approversNotAList_isRefused', native({ approvers: 'U0ADMIN1' }), [['approvers', 'expected a list of Slack user or user-group IDs']]],
    ['rulesNotAList_isRefused', native({ rules: { name: 'r' } }), [['rules', 'expected a list of rules, got an object']]],
    ['ruleWithoutName_isRefused', native({ rules: [without(rule(), 'name')] }), [['rules[0].name', 'missing: expected a rule name']]],
    [
      'ruleNamesRepeatedIgnoringCase_areRefused',
      native({ rules: [rule({ name: 'Office' }), rule({ name: 'office' })] }),
      [['rules[1].name', 'the rule name `office` is already used by rules[0]']],
    ],
    [
      'ruleUnknownEffect_isRefused',
      native({ rules: [rule({ effect: 'allow' })] }),
      [['rules[0].effect', 'expected approve, deny, require_approval or break_glass, got `allow`']],
    ],
    ['ruleUnknownKey_isRefused', native({ rules: [rule({ efect: 'deny' })] }), [['rules[0].efect', 'unknown key (did you mean `effect`?)']]],
    [
      'matchUnknownKey_isRefused',
      native({ rules: [rule({ match: { vm: ['web*'] } })] }),
      [['rules[0].match.vm', 'unknown key (did you mean `vms`?): allowed keys are vms, tags, ports, requesters, maxDuration, sources']],
    ],
    [
      'approvalsOnAnApproveRule_isRefused',
      native({ rules: [rule({ approvals: 2 })] }),
      [['rules[0].approvals', "only a require_approval rule uses approvals, and this rule's effect is approve"]],
    ],
    [
      'approversOnADenyRule_isRefused',
      native({ rules: [rule({ effect: 'deny', approvers: ['U0ADMIN1'] })] }),
      [
        [
          'rules[0].approvers',
          "only require_approval and break_glass rules use approvers, and this rule's effect is deny: remove approvers, or set effect: require_approval",
        ],
      ],
    ],
    [
      'approvalsOutOfRange_isRefused',
      native({ rules: [rule({ effect: 'require_approval', approvals: 11 })] }),
      [['rules[0].approvals', 'expected a whole number of approvals from 1 to 10, got 11']],
    ],
    [
      'ruleEmptyApprovers_isRefused',
      native({ rules: [rule({ effect: 'require_approval', approvers: [] })] }),
      [['rules[0].approvers', 'an empty list means nobody can approve']],
    ],
    ['ruleReasonTooLong_isRefused', native({ rules: [rule({ reason: 'x'.repeat(501) })] }), [['rules[0].reason', 'the reason is longer than 500 characters']]],
    ['matchBadDuration_isRefused', native({ rules: [rule({ match: { maxDuration: '2x' } })] }), [['rules[0].match.maxDuration', '`2x` is not a duration']]],
    [
      'matchBadSource_isRefused',
      native({ rules: [rule({ match: { sources: ['10.0.0.0/8', '1.2.3.4/40'] } })] }),
      [['rules[0].match.sources[1]', '`1.2.3.4/40` has an impossible prefix length']],
    ],
    [
      'matchEmptyList_isRefusedBecauseItMatchesNothing',
      native({ rules: [rule({ match: { vms: [] } })] }),
      [['rules[0].match.vms', 'an empty list matches nothing: list at least one, or remove `vms` to match any']],
    ],
    ['matchBadGlob_isRefused', native({ rules: [rule({ match: { vms: ['web/*'] } })] }), [['rules[0].match.vms[0]', '`web/*` is not a VM name glob']]],
    [
      'matchBadPort_isRefused',
      native({ rules: [rule({ match: { ports: [22, 0] } })] }),
      [['rules[0].match.ports[1]', 'expected a port number from 1 to 65535, got 0']],
    ],
    ['matchBadRequester_isRefused', native({ rules: [rule({ match: { requesters: ['@bob'] } })] }), [['rules[0].match.requesters[0]', 'got `@bob`']]],
    // Azure paths
    [
      'azureResourcePortProblem_carriesThePropertiesPrefix',
      azure([vm({ ports: [port({ number: 0 })] })]),
      [['properties.virtualMachines[0].ports[0].number', 'expected a port number from 1 to 65535']],
    ],
    [
      'azureListPortProblem_carriesTheValueIndex',
      { value: [azure([vm({ id: 'a' })]), azure([vm({ id: 'b', ports: [port(), port({ protocol: 'X' })] })])] },
      [['value[1].properties.virtualMachines[0].ports[1].protocol', 'expected TCP, UDP or *, got `X`']],
    ],
    [
      'duplicateNamesAcrossListItems_nameBothFullPaths',
      { value: [azure([vm()]), azure([vm()])] },
      [['value[1].properties.virtualMachines[0]', 'already used by value[0].properties.virtualMachines[0]']],
    ],
    [
      'azureVmUnknownKey_isRefused',
      azure([vm({ maxRequestAccessDuration: 'PT3H' })]),
      [['properties.virtualMachines[0].maxRequestAccessDuration', 'unknown key']],
    ],
  ];
  it.each(rows)('%s', (_behaviour, document, expected) => {
    const problems = problemsOf(document);
    expect(problems.map((p) => p.path)).toEqual(expected.map(([path]) => path));
    expected.forEach(([, message], index) => expect(problems[index]?.message).toContain(message));
  });
});

describe('parsePolicy reports every problem of a broken file at once', () => {
  it('brokenNativeYaml_listsEachProblemInDocumentOrder', () => {
    const result = parsePolicy(fixture('broken-native.yaml'), 'yaml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.path)).toEqual([
      'approvers[0]',
      'rules[0].effect',
      'virtualMachines[0].ports[0].maxRequestAccesDuration',
      'virtualMachines[0].ports[0].maxRequestAccessDuration',
      'virtualMachines[1]',
      'virtualMachines[1].ports[0].allowedSourceAddressPrefix',
      'virtualMachines[1].ports[0].maxRequestAccessDuration',
      'virtualMachines[1].ports[0].number',
    ]);
  });

  it('brokenAzureList_listsProblemsWithFullPaths', () => {
    const result = parsePolicy(fixture('broken-azure-list.json'), 'json');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.path)).toEqual([
      'value[1].properties.virtualMachines[0]',
      'value[1].properties.virtualMachines[0].ports[1]',
      'value[1].properties.virtualMachines[0].ports[1].maxRequestAccessDuration',
    ]);
  });

  it('formatPolicyProblems_writesOneLinePerProblem', () => {
    const text = formatPolicyProblems([
      { path: 'virtualMachines[0].ports[1].number', message: 'expected a port number from 1 to 65535, got 0' },
      { path: '(file)', message: 'invalid JSON' },
    ]);
    expect(text).toBe('virtualMachines[0].ports[1].number: expected a port number from 1 to 65535, got 0\n(file): invalid JSON');
  });
});

describe('parsePolicy reports syntax errors with line and column', () => {
  const rows: [behaviour: string, text: string, format: 'json' | 'yaml', message: string][] = [
    [
      'jsonTrailingCommaInObject_pointsAtTheBrace',
      fixture('broken-syntax.json'),
      'json',
      'invalid JSON at line 3, column 34: Expected double-quoted property name',
    ],
    // V8 gives no position for this one; the parser finds it.
    [
      'jsonTrailingCommaInList_pointsAtTheBracket',
      '{\n  "virtualMachines": [\n    {},\n  ]\n}',
      'json',
      "invalid JSON at line 4, column 3: Unexpected token ']'",
    ],
    [
      'jsonMissingComma_pointsAtTheNextToken',
      '{\n  "virtualMachines": []\n  "rules": []\n}',
      'json',
      "invalid JSON at line 3, column 3: Expected ',' or '}' after property value",
    ],
    ['jsonCutShort_pointsAtTheEnd', '{\n  "virtualMachines": [', 'json', 'invalid JSON at line 2, column 23: Unexpected end of JSON input'],
    ['yamlUnclosedFlowList_isAYamlError', fixture('broken-syntax.yaml'), 'yaml', 'invalid YAML at line '],
    [
      'yamlBareStar_saysToQuoteIt',
      'virtualMachines:\n  - id: a\n    ports: [{number: 22, protocol: TCP, allowedSourceAddressPrefix: *, maxRequestAccessDuration: PT3H}]\n',
      'yaml',
      'invalid YAML at line 3, column 69: Alias cannot be an empty string; a bare * starts a YAML alias: write "*" in quotes',
    ],
    ['yamlRepeatedKey_isAnError', 'virtualMachines: []\nvirtualMachines: []\n', 'yaml', 'invalid YAML at line 2, column 1: Map keys must be unique'],
    ['emptyText_saysWhatTheFileNeeds', '  \n', 'yaml', 'the policy is empty: it needs at least `virtualMachines: []`'],
  ];
  it.each(rows)('%s', (_behaviour, text, format, message) => {
    const result = parsePolicy(text, format);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]?.path).toBe('(file)');
    expect(result.problems[0]?.message).toContain(message);
    expect(result.problems[0]?.message).not.toContain('\n');
  });

  it('yamlDocumentThatIsNull_isEmpty', () => {
    expect(parsePolicy('~\n', 'yaml')).toEqual({ ok: false, problems: [{ path: '(root)', message: expect.stringContaining('the policy is empty') }] });
  });
});
