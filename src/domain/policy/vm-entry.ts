// One VM written back in the native policy form (what the overlay stores and
// the export prints), Azure's defaults for a newly enabled VM, and the words
// the audit trail uses for a VM's ports and for a change to them.

import { formatDuration, toIsoDuration } from '../duration.js';
import type { PortPolicy, VmPolicy } from '../types.js';
import { shortNameOf } from './schema.js';

export type OsKind = 'linux' | 'windows';

/** What Azure's JIT proposes when enabled from the portal: Linux SSH; Windows RDP and WinRM; three hours; any source. */
export function defaultPorts(os: OsKind): Record<string, unknown>[] {
  const numbers = os === 'linux' ? [22] : [3389, 5985, 5986];
  return numbers.map((number) => ({ number, protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H' }));
}

/** A VM as a policy file would hold it; only what differs from the defaults is written. */
export function toRawVm(vm: VmPolicy): Record<string, unknown> {
  return {
    id: vm.id,
    ...(vm.name === shortNameOf(vm.id) ? {} : { name: vm.name }),
    ...(vm.address === undefined ? {} : { address: vm.address }),
    ...(vm.backend === undefined ? {} : { backend: vm.backend }),
    ...(Object.keys(vm.tags).length === 0 ? {} : { tags: { ...vm.tags } }),
    ports: vm.ports.map(toRawPort),
  };
}

export function toRawPort(port: PortPolicy): Record<string, unknown> {
  const sources = port.anySource
    ? { allowedSourceAddressPrefix: '*' }
    : port.allowedSourcePrefixes.length === 1
      ? { allowedSourceAddressPrefix: port.allowedSourcePrefixes[0] }
      : { allowedSourceAddressPrefixes: [...port.allowedSourcePrefixes] };
  return {
    number: port.number,
    protocol: port.protocol,
    ...sources,
    maxRequestAccessDuration: toIsoDuration(port.maxDurationSeconds),
    ...(port.minDurationSeconds > 1 ? { minRequestAccessDuration: toIsoDuration(port.minDurationSeconds) } : {}),
  };
}

/** `22/TCP from any source, up to 3h; 3389/TCP from 203.0.113.0/24, up to 1h`. */
export function describePorts(ports: readonly PortPolicy[]): string {
  return ports.map(describePort).join('; ');
}

export function describePort(port: PortPolicy): string {
  const min = port.minDurationSeconds > 1 ? `, at least ${formatDuration(port.minDurationSeconds)}` : '';
  return `${portKey(port)} from ${sourcesOf(port)}, up to ${formatDuration(port.maxDurationSeconds)}${min}`;
}

/** What an edit changed, port by port: `added …; 22/TCP: up to 3h → up to 1h; removed 3389/TCP`, or `no change`. */
export function describeChange(before: VmPolicy, after: VmPolicy): string {
  const parts: string[] = [];
  const find = (ports: readonly PortPolicy[], port: PortPolicy) => ports.find((p) => portKey(p) === portKey(port));
  for (const port of after.ports) {
    const old = find(before.ports, port);
    if (old === undefined) {
      parts.push(`added ${describePort(port)}`);
      continue;
    }
    const changes: string[] = [];
    if (sourcesOf(old) !== sourcesOf(port)) changes.push(`from ${sourcesOf(old)} → from ${sourcesOf(port)}`);
    if (old.maxDurationSeconds !== port.maxDurationSeconds)
      changes.push(`up to ${formatDuration(old.maxDurationSeconds)} → up to ${formatDuration(port.maxDurationSeconds)}`);
    if (old.minDurationSeconds !== port.minDurationSeconds)
      changes.push(`at least ${formatDuration(old.minDurationSeconds)} → at least ${formatDuration(port.minDurationSeconds)}`);
    if (changes.length > 0) parts.push(`${portKey(port)}: ${changes.join(', ')}`);
  }
  for (const port of before.ports) if (find(after.ports, port) === undefined) parts.push(`removed ${portKey(port)}`);
  return parts.length === 0 ? 'no change' : parts.join('; ');
}

/** The ports of `before` that `after` no longer has (by number and protocol). */
export function removedPorts(before: VmPolicy, after: VmPolicy): PortPolicy[] {
  return before.ports.filter((port) => !after.ports.some((p) => portKey(p) === portKey(port)));
}

function portKey(port: PortPolicy): string {
  return `${port.number}/${port.protocol === '*' ? 'any' : port.protocol}`;
}

function sourcesOf(port: PortPolicy): string {
  return port.anySource ? 'any source' : port.allowedSourcePrefixes.join(', ');
}
