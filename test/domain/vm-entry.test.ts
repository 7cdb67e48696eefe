// A VM written back in the native policy form, Azure's defaults for a newly
// enabled VM, and the audit trail's words for ports and for a change to them.

import { describe, expect, it } from 'vitest';
import { parsePolicyDocument } from '../../src/domain/policy/parse.js';
import { defaultPorts, describeChange, describePorts, toRawVm } from '../../src/domain/policy/vm-entry.js';
import type { PortPolicy, VmPolicy } from '../../src/domain/types.js';

const port = (number: number, over: Partial<PortPolicy> = {}): PortPolicy => ({
  number,
  protocol: 'TCP',
  anySource: true,
  allowedSourcePrefixes: [],
  maxDurationSeconds: 10_800,
  minDurationSeconds: 1,
  ...over,
});
const vmOf = (raw: unknown): VmPolicy => {
  const parsed = parsePolicyDocument({ virtualMachines: [raw] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.policy.vms[0]!;
};

describe('defaultPorts', () => {
  it('linux_isSsh_windows_isRdpAndWinRm_eachTcpAnySourceThreeHours', () => {
    expect(vmOf({ id: 'l', ports: defaultPorts('linux') }).ports).toEqual([port(22)]);
    expect(vmOf({ id: 'w', ports: defaultPorts('windows') }).ports).toEqual([port(3389), port(5985), port(5986)]);
  });
});

describe('toRawVm', () => {
  it('readsBackAsTheSameVm_writingOnlyWhatDiffersFromTheDefaults', () => {
    const vm: VmPolicy = {
      id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web-1',
      name: 'web',
      address: '10.0.0.4',
      backend: 'azure-nsg',
      tags: { env: 'prod' },
      ports: [
        port(22),
        port(3389, { anySource: false, allowedSourcePrefixes: ['203.0.113.0/24'], maxDurationSeconds: 3600, minDurationSeconds: 300 }),
        port(53, { protocol: '*', anySource: false, allowedSourcePrefixes: ['10.0.0.0/8', '2001:db8::/32'] }),
      ],
    };
    expect(vmOf(toRawVm(vm))).toEqual(vm);
    expect(Object.keys(toRawVm({ id: 'db-1', name: 'db-1', tags: {}, ports: [port(22)] }))).toEqual(['id', 'ports']);
  });
});

describe('describePorts and describeChange', () => {
  it('describePorts_saysSourcesAndMaximum', () => {
    expect(
      describePorts([port(22), port(3389, { anySource: false, allowedSourcePrefixes: ['203.0.113.0/24'], maxDurationSeconds: 3600, minDurationSeconds: 600 })]),
    ).toBe('22/TCP from any source, up to 3h; 3389/TCP from 203.0.113.0/24, up to 1h, at least 10m');
  });

  it('describeChange_listsAddedChangedAndRemovedPorts', () => {
    const before: VmPolicy = { id: 'web-1', name: 'web-1', tags: {}, ports: [port(22), port(3389)] };
    const after: VmPolicy = {
      ...before,
      ports: [port(22, { anySource: false, allowedSourcePrefixes: ['203.0.113.0/24'], maxDurationSeconds: 3600 }), port(8080, { protocol: 'UDP' })],
    };
    expect(describeChange(before, after)).toBe(
      '22/TCP: from any source → from 203.0.113.0/24, up to 3h → up to 1h; added 8080/UDP from any source, up to 3h; removed 3389/TCP',
    );
    expect(describeChange(before, before)).toBe('no change');
  });
});
