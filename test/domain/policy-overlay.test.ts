// The Slack overlay merged over a policy file of every accepted form: replace
// by short name, append otherwise, validated exactly as the file is, and an
// entry that does not validate left out with problems relative to the VM.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { composePolicy, mergeOverlay, protectionPolicy, type Composed, type OverlayVm } from '../../src/domain/policy/overlay.js';
import { parsePolicyDocument } from '../../src/domain/policy/parse.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/policies/${name}`, import.meta.url)), 'utf8'));

const port = (over: Record<string, unknown> = {}) => ({
  number: 22,
  protocol: 'TCP',
  allowedSourceAddressPrefix: '*',
  maxRequestAccessDuration: 'PT3H',
  ...over,
});
const entry = (name: string, vm: Record<string, unknown>): OverlayVm => ({ name, vm, updatedBy: 'UADMIN', updatedAt: 1_800_000_000_000 });
const native = () => ({
  approvers: ['UAPPROVER1'],
  virtualMachines: [
    { id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web-1', address: '10.0.0.4', ports: [port()] },
    { id: 'db-1', address: '10.0.0.5', ports: [port({ number: 5432 })] },
  ],
});

function composed(document: unknown, entries: OverlayVm[]): Composed {
  const result = composePolicy(document, entries);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result;
}

const portsOf = (c: Composed, name: string) => c.policy.vms.find((vm) => vm.name === name)?.ports.map((p) => `${p.number}/${p.protocol}`);

describe('mergeOverlay', () => {
  it('nativeForm_entryOfAFileVm_replacesItInPlace_matchingTheShortNameOfItsIdIgnoringCase', () => {
    const file = native();
    const { document, slots } = mergeOverlay(file, [entry('WEB-1', { id: 'WEB-1', address: '10.0.0.9', ports: [port({ number: 2222 })] })]);

    expect((document as ReturnType<typeof native>).virtualMachines.map((vm) => vm.id)).toEqual(['WEB-1', 'db-1']);
    expect(slots).toEqual([{ name: 'WEB-1', path: ['virtualMachines', 0], replaced: true }]);
    // The file's document is never changed.
    expect(file.virtualMachines[0]?.address).toBe('10.0.0.4');
  });

  it('nativeForm_entryOfANewVm_isAppended', () => {
    const { document, slots } = mergeOverlay(native(), [entry('web-3', { id: 'web-3', ports: [port()] })]);
    expect((document as ReturnType<typeof native>).virtualMachines.map((vm) => vm.id)).toEqual([expect.stringContaining('web-1'), 'db-1', 'web-3']);
    expect(slots).toEqual([{ name: 'web-3', path: ['virtualMachines', 2], replaced: false }]);
  });

  it('azureResource_newVm_goesIntoPropertiesVirtualMachines_andAzureFieldsStay', () => {
    const file = fixture('azure-get.json') as { properties: { virtualMachines: unknown[]; provisioningState: string } };
    const { document, slots } = mergeOverlay(file, [entry('web-3', { id: 'web-3', ports: [port()] })]);
    const merged = document as typeof file;
    expect(merged.properties.virtualMachines).toHaveLength(file.properties.virtualMachines.length + 1);
    expect(merged.properties.provisioningState).toBe('Succeeded');
    expect(slots[0]?.path).toEqual(['properties', 'virtualMachines', file.properties.virtualMachines.length]);
  });

  it('azureList_replacesInTheResourceThatHoldsTheVm_andAppendsToTheFirst', () => {
    const { slots } = mergeOverlay(fixture('azure-list.json'), [
      entry('app3', { id: '/subscriptions/s1/resourceGroups/rg-b/providers/Microsoft.Compute/virtualMachines/app3', ports: [port({ number: 2222 })] }),
      entry('app9', { id: 'app9', ports: [port()] }),
    ]);
    expect(slots).toEqual([
      { name: 'app3', path: ['value', 1, 'properties', 'virtualMachines', 1], replaced: true },
      { name: 'app9', path: ['value', 0, 'properties', 'virtualMachines', 1], replaced: false },
    ]);
  });

  it('azureEmptyList_newVm_getsAResourceOfItsOwn_thatParses', () => {
    const { document } = mergeOverlay({ value: [] }, [entry('web-3', { id: 'web-3', ports: [port()] })]);
    const parsed = parsePolicyDocument(document);
    expect(parsed.ok && parsed.policy.vms.map((vm) => vm.name)).toEqual(['web-3']);
  });

  it('putBody_newVm_isAppendedUnderProperties', () => {
    const { document } = mergeOverlay(fixture('azure-put.json'), [entry('web-3', { id: 'web-3', ports: [port()] })]);
    const parsed = parsePolicyDocument(document);
    expect(parsed.ok && parsed.policy.vms.at(-1)?.name).toBe('web-3');
  });
});

describe('composePolicy', () => {
  it('validEntries_replaceAndAppend_andTheRestOfTheFileIsKept', () => {
    const result = composed(native(), [
      entry('db-1', { id: 'db-1', address: '10.0.0.5', ports: [port({ number: 5432 }), port({ number: 22 })] }),
      entry('web-3', { id: 'web-3', ports: [port({ number: 3389 })] }),
    ]);
    expect(result.policy.vms.map((vm) => vm.name)).toEqual(['web-1', 'db-1', 'web-3']);
    expect(portsOf(result, 'db-1')).toEqual(['5432/TCP', '22/TCP']);
    expect(result.policy.approvers).toEqual(['UAPPROVER1']);
    expect(result.rejected).toEqual([]);
  });

  it('invalidEntry_isLeftOut_withProblemsRelativeToTheVm_andTheOthersApply', () => {
    const bad = entry('web-3', { id: 'web-3', ports: [port(), port({ number: 70000, maxRequestAccessDuration: '3 hours' })] });
    const good = entry('web-4', { id: 'web-4', ports: [port()] });
    const result = composed(native(), [bad, good]);

    expect(result.policy.vms.map((vm) => vm.name)).toEqual(['web-1', 'db-1', 'web-4']);
    expect(result.applied).toEqual([good]);
    expect(result.rejected).toEqual([
      {
        entry: bad,
        problems: [
          { path: 'ports[1].maxRequestAccessDuration', message: expect.stringContaining('ISO 8601') },
          { path: 'ports[1].number', message: expect.stringContaining('1 to 65535') },
        ],
      },
    ]);
  });

  it('entryReplacingAFileVm_thatFailsValidation_leavesTheFilesVmInForce', () => {
    const result = composed(native(), [entry('db-1', { id: 'db-1', ports: [port({ protocol: 'SCTP' })] })]);
    expect(portsOf(result, 'db-1')).toEqual(['5432/TCP']);
    expect(result.rejected[0]?.problems).toEqual([{ path: 'ports[0].protocol', message: 'expected TCP, UDP or *, got `SCTP`' }]);
  });

  it('invalidFile_isRefusedWhole_whateverTheOverlay', () => {
    const result = composePolicy({ virtualMachines: [{ id: 'x', ports: [] }] }, [entry('web-3', { id: 'web-3', ports: [port()] })]);
    expect(result.ok).toBe(false);
  });

  it('vmProblem_leavesOutAnEntryWhoseBackendIsNotRunning_naming_it', () => {
    const result = composePolicy(native(), [entry('web-3', { id: 'web-3', backend: 'nftables', ports: [port()] })], {
      vmProblem: (vm) => (vm.backend === 'nftables' ? 'backend `nftables` is not running' : undefined),
    });
    expect(result.ok && result.rejected.map((r) => r.problems)).toEqual([[{ path: '(vm)', message: 'backend `nftables` is not running' }]]);
  });

  it('entryTheFileNowSaysTheSameAs_isRedundant_evenWithPortsInAnotherOrder', () => {
    const file = native();
    file.virtualMachines[1]!.ports.push(port({ number: 22 }));
    const same = entry('db-1', { id: 'db-1', address: '10.0.0.5', ports: [port({ number: 22 }), port({ number: 5432, maxRequestAccessDuration: 'PT180M' })] });
    const different = entry('web-1', { id: 'web-1', address: '10.0.0.4', ports: [port({ number: 22, maxRequestAccessDuration: 'PT1H' })] });
    const result = composed(file, [same, different]);
    expect(result.redundant).toEqual([same]);
  });
});

describe('protectionPolicy', () => {
  it('keepsThePortsOfALeftOutEntryClosed_withoutDoublingPortsTheFileProtects', () => {
    // A port listed twice fails the policy's cross-field checks, yet the VM parses on its own.
    const bad = entry('db-1', { id: 'db-1', address: '10.0.0.5', ports: [port({ number: 5432 }), port({ number: 6432 }), port({ number: 6432 })] });
    const result = composed(native(), [bad]);
    expect(result.rejected).toHaveLength(1);
    const protectedPorts = protectionPolicy(result).vms.flatMap((vm) => vm.ports.map((p) => `${vm.name}:${p.number}`));
    expect(protectedPorts).toEqual(['web-1:22', 'db-1:5432', 'db-1:6432']);
  });

  it('anEntryThatDoesNotEvenParse_addsNothing', () => {
    const result = composed(native(), [entry('web-3', { id: 'web-3', ports: [port({ number: 'twenty-two' })] })]);
    expect(result.rejected).toHaveLength(1);
    expect(protectionPolicy(result)).toBe(result.policy);
  });

  it('withNothingLeftOut_isTheEffectivePolicy', () => {
    const result = composed(native(), []);
    expect(protectionPolicy(result)).toBe(result.policy);
  });
});
