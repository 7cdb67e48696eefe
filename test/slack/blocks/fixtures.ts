// Hand-built requests and VMs for the block builder tests: no store, no parser.

import type { AccessRequest, PortPolicy, VmPolicy } from '../../../src/domain/types.js';
import { type RequestFields, requestOf } from '../../support/request-overrides.js';

export const HOSTILE = 'fix <!channel> see <https://evil.example|x> & <@U999> > done';

export const T0 = Date.UTC(2024, 0, 15, 9, 0, 0);

export function request(overrides: RequestFields = {}): AccessRequest {
  return requestOf({
    id: 'abc123',
    requester: 'U0REQ',
    vm: 'web-1',
    ports: [{ number: 22, protocol: 'TCP' }],
    source: '198.51.100.7/32',
    durationSeconds: 5400,
    justification: 'deploy hotfix',
    state: 'pending',
    version: 1,
    createdAt: T0,
    decision: {
      effect: 'require_approval',
      approvalsNeeded: 1,
      approvers: ['U0APP1', 'S0OPS'],
      matchedRule: 'prod-needs-approval',
      reasons: ['web-1 is tagged env=prod'],
    },
    approvals: [],
    ...overrides,
  });
}

export function port(number: number, overrides: Partial<PortPolicy> = {}): PortPolicy {
  return {
    number,
    protocol: 'TCP',
    anySource: true,
    allowedSourcePrefixes: [],
    maxDurationSeconds: 10_800,
    minDurationSeconds: 1,
    ...overrides,
  };
}

export function vm(name: string, overrides: Partial<VmPolicy> = {}): VmPolicy {
  return { id: name, name, tags: {}, ports: [port(22)], ...overrides };
}

export function vms(count: number): VmPolicy[] {
  return Array.from({ length: count }, (_, i) => vm(`vm-${String(i).padStart(3, '0')}`, { address: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}` }));
}

/** True when no raw `<`, `>` or `&` of the hostile text survived unescaped. */
export function hostileIsInert(text: string): boolean {
  return !text.includes('<!channel>') && !text.includes('<https://evil') && !text.includes('<@U999>') && !/&(?!amp;|lt;|gt;)/.test(text);
}
