// What the REST API answers, shaped like Azure's JIT objects where they have
// a counterpart (a request's virtualMachines → ports → status, startTimeUtc,
// endTimeUtc, requestor, justification; the policy's virtualMachines → ports →
// maxRequestAccessDuration), plus our own id, state and decision. Pure.

import type { DraftProblem } from '../draft.js';
import { toIsoDuration } from '../duration.js';
import { batchIdOf } from '../request-kind.js';
import type { AccessRequest, Policy, PortPolicy, RequestState, RuleEffect } from '../types.js';
import type { ApiProblem } from './initiate.js';

/** Azure's request statuses (Initiated, Revoked) and the states Azure has no word for. */
export type ApiPortStatus = 'Pending' | 'Initiated' | 'Revoked' | 'Denied' | 'Cancelled' | 'TimedOut' | 'Failed';

export interface ApiPort {
  number: number;
  protocol: string;
  allowedSourceAddressPrefix: string;
  /** Known once access is open. */
  endTimeUtc?: string;
  status: ApiPortStatus;
  /** Azure's reasons for a Revoked port (Expired, UserRequested); ours for the others. */
  statusReason?: string;
}

export interface ApiRequest {
  id: string;
  state: RequestState;
  /** The Slack user it is for (the token's owner). */
  requestor: string;
  justification: string;
  createdUtc: string;
  /** How long access lasts once open (ISO 8601). */
  duration: string;
  startTimeUtc?: string;
  endTimeUtc?: string;
  decision: { effect: RuleEffect; matchedRule: string | null; approvalsNeeded: number; approvals: string[]; reasons: string[] };
  virtualMachines: { id: string; name: string; ports: ApiPort[] }[];
}

export interface ApiRequestResult {
  /** The id to GET and revoke: the request's, or its batch leader's. */
  id: string;
  /** The leader's state. */
  state: RequestState;
  /** In a word: what happened to it (approved at once, waiting for approvers, denied …). */
  outcome: 'approved' | 'waiting_for_approval' | 'denied' | 'ended';
  requests: ApiRequest[];
}

export function requestResult(requests: readonly AccessRequest[]): ApiRequestResult {
  const leader = requests[0]!;
  return { id: batchIdOf(leader) ?? leader.id, state: leader.state, outcome: outcomeOf(requests), requests: requests.map(apiRequest) };
}

function outcomeOf(requests: readonly AccessRequest[]): ApiRequestResult['outcome'] {
  if (requests.some((r) => r.state === 'pending')) return 'waiting_for_approval';
  if (requests.some((r) => r.state === 'approved' || r.state === 'active')) return 'approved';
  if (requests.every((r) => r.state === 'denied')) return 'denied';
  return 'ended';
}

export function apiRequest(request: AccessRequest): ApiRequest {
  const { status, statusReason } = statusOf(request);
  return {
    id: request.id,
    state: request.state,
    requestor: request.requester,
    justification: request.justification,
    createdUtc: new Date(request.createdAt).toISOString(),
    duration: toIsoDuration(request.durationSeconds),
    ...(request.startAt === undefined ? {} : { startTimeUtc: new Date(request.startAt).toISOString() }),
    ...(request.endAt === undefined ? {} : { endTimeUtc: new Date(request.endAt).toISOString() }),
    decision: {
      effect: request.decision.effect,
      matchedRule: request.decision.matchedRule,
      approvalsNeeded: request.decision.approvalsNeeded,
      approvals: [...request.approvals],
      reasons: [...request.decision.reasons],
    },
    virtualMachines: [
      {
        id: request.target?.vmId ?? request.vm,
        name: request.vm,
        ports: request.ports.map((port) => ({
          number: port.number,
          protocol: port.protocol,
          allowedSourceAddressPrefix: request.source,
          ...(request.endAt === undefined ? {} : { endTimeUtc: new Date(request.endAt).toISOString() }),
          status,
          ...(statusReason === undefined ? {} : { statusReason }),
        })),
      },
    ],
  };
}

function statusOf(request: AccessRequest): { status: ApiPortStatus; statusReason?: string } {
  switch (request.state) {
    case 'pending':
      return { status: 'Pending', statusReason: 'WaitingForApproval' };
    case 'approved':
    case 'active':
      return { status: 'Initiated', statusReason: 'UserRequested' };
    case 'closing':
    case 'closed':
      return { status: 'Revoked', statusReason: request.reason === 'expired' ? 'Expired' : 'UserRequested' };
    case 'denied':
      return { status: 'Denied' };
    case 'cancelled':
      return { status: 'Cancelled' };
    case 'timed_out':
      return { status: 'TimedOut' };
    case 'failed':
      return { status: 'Failed' };
  }
}

/** The workflow's field problems under the body's own names. */
export function apiProblems(problems: readonly DraftProblem[]): ApiProblem[] {
  const fields: Record<DraftProblem['field'], string> = {
    vm: 'virtualMachines',
    ports: 'ports',
    source: 'allowedSourceAddressPrefix',
    duration: 'endTimeUtc',
    justification: 'justification',
  };
  return problems.map((problem) => ({ field: fields[problem.field], message: problem.message }));
}

export interface ApiPolicyPort {
  number: number;
  protocol: string;
  allowedSourceAddressPrefix?: string;
  allowedSourceAddressPrefixes?: string[];
  maxRequestAccessDuration: string;
}

export interface ApiPolicy {
  name: 'default';
  kind: 'Basic';
  properties: { virtualMachines: { id: string; name: string; ports: ApiPolicyPort[] }[] };
}

/** The VMs and ports one may ask for, as Azure's jitNetworkAccessPolicies write them. */
export function apiPolicy(policy: Policy): ApiPolicy {
  return {
    name: 'default',
    kind: 'Basic',
    properties: { virtualMachines: policy.vms.map((vm) => ({ id: vm.id, name: vm.name, ports: vm.ports.map(policyPort) })) },
  };
}

function policyPort(port: PortPolicy): ApiPolicyPort {
  const sources =
    port.anySource || port.allowedSourcePrefixes.length === 0
      ? { allowedSourceAddressPrefix: port.anySource ? '*' : '' }
      : port.allowedSourcePrefixes.length === 1
        ? { allowedSourceAddressPrefix: port.allowedSourcePrefixes[0]! }
        : { allowedSourceAddressPrefixes: [...port.allowedSourcePrefixes] };
  return { number: port.number, protocol: port.protocol, ...sources, maxRequestAccessDuration: toIsoDuration(port.maxDurationSeconds) };
}
