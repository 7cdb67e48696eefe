// The effective policy written back in the file's own form: YAML keeps the
// file's comments where the overlay did not replace a VM; JSON stays JSON;
// Azure documents stay Azure documents. Every output parses to the merged policy.

import { describe, expect, it } from 'vitest';
import { readDocument } from '../../src/domain/policy/document.js';
import { renderPolicy } from '../../src/domain/policy/export.js';
import { composePolicy, type Composed, type OverlayVm } from '../../src/domain/policy/overlay.js';
import { parsePolicy } from '../../src/domain/policy/parse.js';
import type { PolicyFormat } from '../../src/domain/policy/document.js';

const PORT = { number: 22, protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H' };
const entry = (name: string, vm: Record<string, unknown>): OverlayVm => ({ name, vm, updatedBy: 'UADMIN', updatedAt: 0 });

const YAML = `# Team policy: reviewed in git.
approvers: [UAPPROVER1]
virtualMachines:
  # the web tier
  - id: web-1
    address: 10.0.0.4   # public name is web.example.com
    ports: [{number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H}]
  # the database: keep narrow
  - id: db-1
    address: 10.0.0.5
    ports: [{number: 5432, protocol: TCP, allowedSourceAddressPrefixes: [10.8.0.0/16], maxRequestAccessDuration: PT1H}]
`;

function exported(text: string, format: PolicyFormat, entries: OverlayVm[]): { out: string; composed: Composed } {
  const document = readDocument(text, format);
  if (!document.ok) throw new Error('fixture');
  const composed = composePolicy(document.value, entries);
  if (!composed.ok) throw new Error(JSON.stringify(composed.problems));
  return { out: renderPolicy({ text, format, composed }), composed };
}

describe('renderPolicy', () => {
  it('yaml_keepsCommentsAndLayout_replacingAndAppendingOnlyTheOverlayVms', () => {
    const { out, composed } = exported(YAML, 'yaml', [
      entry('web-1', { id: 'web-1', address: '10.0.0.4', ports: [PORT, { ...PORT, number: 8080 }] }),
      entry('web-3', { id: 'web-3', ports: [PORT] }),
    ]);
    expect(out).toContain('# Team policy: reviewed in git.');
    expect(out).toContain('# the database: keep narrow');
    expect(out).toContain('ports: [{number: 5432, protocol: TCP, allowedSourceAddressPrefixes: [10.8.0.0/16], maxRequestAccessDuration: PT1H}]');
    const reread = parsePolicy(out, 'yaml');
    expect(reread).toEqual({ ok: true, policy: composed.policy });
    expect(reread.ok && reread.policy.vms.map((vm) => `${vm.name}:${vm.ports.map((p) => p.number).join(',')}`)).toEqual([
      'web-1:22,8080',
      'db-1:5432',
      'web-3:22',
    ]);
  });

  it('noOverlay_isTheFileByteForByte', () => {
    expect(exported(YAML, 'yaml', []).out).toBe(YAML);
  });

  it('json_azureResource_staysAnAzureResource_withTheVmUnderProperties', () => {
    const text = JSON.stringify({ kind: 'Basic', properties: { virtualMachines: [{ id: 'app1', ports: [PORT] }] } });
    const { out, composed } = exported(text, 'json', [entry('app2', { id: 'app2', ports: [PORT] })]);
    const reread = JSON.parse(out) as { kind: string; properties: { virtualMachines: { id: string }[] } };
    expect(reread.kind).toBe('Basic');
    expect(reread.properties.virtualMachines.map((vm) => vm.id)).toEqual(['app1', 'app2']);
    expect(parsePolicy(out, 'json')).toEqual({ ok: true, policy: composed.policy });
  });

  it('yamlWhoseReplacedVmHoldsAnAnchorUsedElsewhere_fallsBackToAPlainRendering_thatParsesTheSame', () => {
    const text = [
      '# comment that the fallback cannot keep',
      'virtualMachines:',
      '  - {id: web-1, ports: &ssh [{number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H}]}',
      '  - {id: web-2, ports: *ssh}',
      '',
    ].join('\n');
    const { out, composed } = exported(text, 'yaml', [entry('web-1', { id: 'web-1', ports: [{ ...PORT, number: 2222 }] })]);
    expect(out).not.toContain('comment that the fallback cannot keep');
    expect(parsePolicy(out, 'yaml')).toEqual({ ok: true, policy: composed.policy });
    expect(composed.policy.vms.map((vm) => vm.ports[0]?.number)).toEqual([2222, 22]);
  });
});
