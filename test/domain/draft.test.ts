import { describe, it, expect } from 'vitest';
import { validateDraft, type DraftInput, type DraftProblem } from '../../src/domain/draft.js';
import type { Policy, PortPolicy, VmPolicy } from '../../src/domain/types.js';

const HOUR = 3_600;

const port = (number: number, over: Partial<PortPolicy> = {}): PortPolicy => ({
  number,
  protocol: 'TCP',
  anySource: true,
  allowedSourcePrefixes: [],
  maxDurationSeconds: 3 * HOUR,
  minDurationSeconds: 1,
  ...over,
});
const vm = (name: string, ports: PortPolicy[]): VmPolicy => ({ id: `/subscriptions/s/virtualMachines/${name}`, name, tags: {}, ports });

const policy: Policy = {
  vms: [
    vm('web1', [
      port(22),
      port(3389, { anySource: false, allowedSourcePrefixes: ['203.0.113.0/24'], maxDurationSeconds: HOUR }),
      port(5985, { anySource: false, allowedSourcePrefixes: ['10.0.0.0/8', '2001:db8::/32'], maxDurationSeconds: 2 * HOUR, minDurationSeconds: 15 * 60 }),
    ]),
    vm('Db-1', [port(5432, { maxDurationSeconds: 30 * 60 }), port(53, { protocol: 'TCP' }), port(53, { protocol: 'UDP' })]),
    vm('wide', [port(22, { anySource: false, allowedSourcePrefixes: ['0.0.0.0/0'], maxDurationSeconds: 24 * HOUR })]),
    vm('strict', [port(22, { minDurationSeconds: 2 * HOUR }), port(23, { maxDurationSeconds: HOUR })]),
  ],
  approvers: [],
  rules: [],
};

const input = (over: Partial<DraftInput> = {}): DraftInput => ({
  requester: 'U0ALICE1',
  vm: 'web1',
  ports: '22',
  source: '198.51.100.7',
  duration: '2h',
  justification: '',
  ...over,
});

describe('validateDraft accepts', () => {
  const rows: [behaviour: string, over: Partial<DraftInput>, expected: { vm: string; ports: string[]; source: string; seconds: number }][] = [
    ['singleAddress_becomesAHostPrefix', {}, { vm: 'web1', ports: ['22/TCP'], source: '198.51.100.7/32', seconds: 2 * HOUR }],
    ['vmNameInOtherCase_resolvesToThePolicyName', { vm: ' WEB1 ' }, { vm: 'web1', ports: ['22/TCP'], source: '198.51.100.7/32', seconds: 2 * HOUR }],
    [
      'severalPortsWithSpaces_keepTheOrderAsked',
      { ports: ' 3389 , 22', source: '203.0.113.9', duration: 'PT1H' },
      { vm: 'web1', ports: ['3389/TCP', '22/TCP'], source: '203.0.113.9/32', seconds: HOUR },
    ],
    ['star_onAnySourcePort_isAny', { source: '*' }, { vm: 'web1', ports: ['22/TCP'], source: '*', seconds: 2 * HOUR }],
    ['anyInCapitals_onAnySourcePort_isAny', { source: 'ANY' }, { vm: 'web1', ports: ['22/TCP'], source: '*', seconds: 2 * HOUR }],
    ['ipv4WholeFamily_onAnySourcePort_keepsItsCidr', { source: '0.0.0.0/0' }, { vm: 'web1', ports: ['22/TCP'], source: '0.0.0.0/0', seconds: 2 * HOUR }],
    ['ipv6WholeFamily_onAnySourcePort_keepsItsCidr', { source: '::/0' }, { vm: 'web1', ports: ['22/TCP'], source: '::/0', seconds: 2 * HOUR }],
    [
      'narrowerPrefixInsideTheAllowedOne_isAccepted',
      { ports: '3389', source: '203.0.113.0/25', duration: '30m' },
      { vm: 'web1', ports: ['3389/TCP'], source: '203.0.113.0/25', seconds: 1_800 },
    ],
    [
      'ipv6InsideOneOfSeveralPrefixes_isAccepted',
      { ports: '5985', source: '2001:db8::7', duration: '1h' },
      { vm: 'web1', ports: ['5985/TCP'], source: '2001:db8::7/128', seconds: HOUR },
    ],
    [
      'numberConfiguredForTcpAndUdp_bringsBoth',
      { vm: 'db-1', ports: '53' },
      { vm: 'Db-1', ports: ['53/TCP', '53/UDP'], source: '198.51.100.7/32', seconds: 2 * HOUR },
    ],
    [
      'explicitWholeFamily_whereThePolicyListsIt_isAccepted',
      { vm: 'wide', source: '0.0.0.0/0' },
      { vm: 'wide', ports: ['22/TCP'], source: '0.0.0.0/0', seconds: 2 * HOUR },
    ],
    ['durationExactlyAtTheMaximum_isAccepted', { duration: '3h' }, { vm: 'web1', ports: ['22/TCP'], source: '198.51.100.7/32', seconds: 3 * HOUR }],
    [
      'durationExactlyAtTheMinimum_isAccepted',
      { ports: '5985', source: '10.1.2.3', duration: '15m' },
      { vm: 'web1', ports: ['5985/TCP'], source: '10.1.2.3/32', seconds: 900 },
    ],
  ];
  it.each(rows)('%s', (_behaviour, over, expected) => {
    const result = validateDraft(input(over), policy);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.vm.name).toBe(expected.vm);
    expect(result.draft).toEqual({
      requester: 'U0ALICE1',
      vm: expected.vm,
      ports: expected.ports.map((text) => {
        const [number, protocol] = text.split('/');
        return { number: Number(number), protocol };
      }),
      source: expected.source,
      durationSeconds: expected.seconds,
      justification: '',
    });
  });

  it('justification_isTrimmedAndMayBeEmpty', () => {
    const result = validateDraft(input({ justification: '  deploy hotfix  ' }), policy);
    expect(result.ok && result.draft.justification).toBe('deploy hotfix');
  });
});

describe('validateDraft refuses, saying what is wrong and how to fix it', () => {
  const many: Policy = { ...policy, vms: Array.from({ length: 12 }, (_, i) => vm(`vm${i}`, [port(22)])) };
  const rows: [behaviour: string, over: Partial<DraftInput>, expected: DraftProblem[], against?: Policy][] = [
    ['unknownVm_listsTheKnownOnes', { vm: 'web9' }, [{ field: 'vm', message: 'There is no VM called "web9": choose one of web1, Db-1, wide, strict.' }]],
    ['emptyVm_asksToChooseOne', { vm: '  ' }, [{ field: 'vm', message: 'Choose a VM: web1, Db-1, wide, strict.' }]],
    [
      'unknownVm_inABigPolicy_listsTenAndCountsTheRest',
      { vm: 'nope' },
      [{ field: 'vm', message: 'There is no VM called "nope": choose one of vm0, vm1, vm2, vm3, vm4, vm5, vm6, vm7, vm8, vm9 and 2 more.' }],
      many,
    ],
    [
      'anyVm_inAnEmptyPolicy_saysNoneAreSetUp',
      {},
      [{ field: 'vm', message: 'No VMs are set up for access yet: ask an administrator to add yours to the policy.' }],
      { vms: [], approvers: [], rules: [] },
    ],
    [
      'portNotConfigured_listsTheVmsPorts',
      { ports: '22,80' },
      [{ field: 'ports', message: 'Port 80 is not open to requests on web1: choose from 22, 3389, 5985.' }],
    ],
    [
      'portNotANumber_isRefused',
      { ports: 'ssh' },
      [{ field: 'ports', message: '"ssh" is not a port number: type numbers such as 22, or 22,3389 for several.' }],
    ],
    ['portOutOfRange_isRefused', { ports: '70000' }, [{ field: 'ports', message: '70000 is not a port number: ports run from 1 to 65535.' }]],
    ['portListedTwice_isRefused', { ports: '22, 22' }, [{ field: 'ports', message: 'Port 22 is listed twice: list each port once.' }]],
    ['noPorts_asksForOne', { ports: ' , ' }, [{ field: 'ports', message: 'Enter at least one port, such as 22, or 22,3389 for several.' }]],
    [
      'emptySource_asksForAnAddress',
      { source: '' },
      [{ field: 'source', message: 'Enter the address you will connect from, such as 203.0.113.7 or 203.0.113.0/24.' }],
    ],
    [
      'malformedSource_isRefused',
      { source: '1.2.3' },
      [
        {
          field: 'source',
          message: '`1.2.3` is not a valid address: expected an IPv4 or IPv6 address or CIDR such as 203.0.113.7, 203.0.113.0/24 or 2001:db8::/32.',
        },
      ],
    ],
    [
      'star_onARestrictedPort_namesTheAllowedPrefix',
      { ports: '3389', source: '*', duration: '1h' },
      [{ field: 'source', message: 'Port 3389 on web1 does not allow any source: give the address you will connect from, inside 203.0.113.0/24.' }],
    ],
    [
      'wholeFamilyCidr_onARestrictedPort_isTheSameAsAny',
      { ports: '3389', source: '0.0.0.0/0', duration: '1h' },
      [{ field: 'source', message: 'Port 3389 on web1 does not allow any source: give the address you will connect from, inside 203.0.113.0/24.' }],
    ],
    [
      'star_wherePolicyAllowsOnlyIpv4WholeFamily_isRefused',
      { vm: 'wide', source: 'any' },
      [{ field: 'source', message: 'Port 22 on wide does not allow any source: give the address you will connect from, inside 0.0.0.0/0.' }],
    ],
    [
      'sourceOutsideThePrefix_namesIt',
      { ports: '22,3389', duration: '1h' },
      [{ field: 'source', message: '198.51.100.7/32 is outside what port 3389 on web1 allows (203.0.113.0/24): connect from an address inside it.' }],
    ],
    [
      'sourceOutsideSeveralPrefixes_namesThemAll',
      { ports: '5985', duration: '1h' },
      [
        {
          field: 'source',
          message: '198.51.100.7/32 is outside what port 5985 on web1 allows (one of 10.0.0.0/8, 2001:db8::/32): connect from an address inside it.',
        },
      ],
    ],
    [
      'sourceWiderThanThePrefix_isRefused',
      { ports: '3389', source: '203.0.112.0/23', duration: '1h' },
      [{ field: 'source', message: '203.0.112.0/23 is outside what port 3389 on web1 allows (203.0.113.0/24): connect from an address inside it.' }],
    ],
    [
      'durationNotADuration_isRefused',
      { duration: '3x' },
      [{ field: 'duration', message: '`3x` is not a duration: use 90m, 2h, 1d or ISO 8601 such as PT3H.' }],
    ],
    [
      'durationLongerThanThePortAllows_saysTheLimit',
      { duration: '2 days' },
      [{ field: 'duration', message: '2 days is longer than the 3h this port allows: ask for 3h or less.' }],
    ],
    [
      'durationLongerThanTheTightestOfSeveralPorts_namesThatPort',
      { ports: '22,3389', source: '203.0.113.9', duration: '2h' },
      [{ field: 'duration', message: '2h is longer than the 1h port 3389 allows: ask for 1h or less.' }],
    ],
    [
      'durationShorterThanThePortNeeds_saysTheFloor',
      { ports: '5985', source: '10.1.2.3', duration: '5m' },
      [{ field: 'duration', message: '5m is shorter than the 15m this port needs at least: ask for 15m or more.' }],
    ],
    [
      'portsWithNoDurationInCommon_askToSplitTheRequest',
      { vm: 'strict', ports: '22,23' },
      [{ field: 'duration', message: 'Port 22 needs at least 2h but port 23 allows at most 1h: request them separately.' }],
    ],
    [
      'justificationOver1000Characters_isRefused',
      { justification: 'x'.repeat(1001) },
      [{ field: 'justification', message: 'The justification is 1001 characters long: shorten it to 1000 or fewer.' }],
    ],
    ['vmOver64Characters_isRefused', { vm: 'v'.repeat(65) }, [{ field: 'vm', message: 'The VM name is too long (65 characters): it can have at most 64.' }]],
    [
      'portsOver200Characters_isRefused',
      { ports: '22,'.repeat(67) },
      [{ field: 'ports', message: 'The port list is too long (201 characters): it can have at most 200.' }],
    ],
    [
      'sourceOver64Characters_isRefused',
      { source: '1'.repeat(65) },
      [{ field: 'source', message: 'The source address is too long (65 characters): it can have at most 64.' }],
    ],
    [
      'durationOver32Characters_isRefused',
      { duration: 'h'.repeat(33) },
      [{ field: 'duration', message: 'The duration is too long (33 characters): it can have at most 32.' }],
    ],
  ];
  it.each(rows)('%s', (_behaviour, over, expected, against = policy) => {
    expect(validateDraft(input(over), against)).toEqual({ ok: false, problems: expected });
  });

  it('everyField_wrongAtOnce_reportsAProblemForEach', () => {
    const result = validateDraft(
      { requester: 'U0ALICE1', vm: 'web9', ports: 'ssh', source: 'home', duration: 'soon', justification: 'y'.repeat(1200) },
      policy,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.field)).toEqual(['vm', 'ports', 'source', 'duration', 'justification']);
  });

  it('severalPortProblems_areEachReported', () => {
    const result = validateDraft(input({ ports: '80,22,22,x' }), policy);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.message)).toEqual([
      'Port 80 is not open to requests on web1: choose from 22, 3389, 5985.',
      'Port 22 is listed twice: list each port once.',
      '"x" is not a port number: type numbers such as 22, or 22,3389 for several.',
    ]);
  });

  it('sourceOutsideForTwoPorts_namesEachPort', () => {
    const result = validateDraft(input({ ports: '3389,5985', source: '192.0.2.1', duration: '1h' }), policy);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.message)).toEqual([
      '192.0.2.1/32 is outside what port 3389 on web1 allows (203.0.113.0/24): connect from an address inside it.',
      '192.0.2.1/32 is outside what port 5985 on web1 allows (one of 10.0.0.0/8, 2001:db8::/32): connect from an address inside it.',
    ]);
  });
});
