// Defender for Cloud's JIT network access policies
// (Microsoft.Security/locations/jitNetworkAccessPolicies), served by the fake
// ARM as one more provider, with ARM's rules: api-version 2020-01-01 required,
// lists at subscription and resource-group scope paged through nextLink, GET
// of one policy, PUT validated as the service validates a body (ETag and a
// stale If-Match → 412), DELETE. Throttling and errors come from the fake's
// failNext, like any other path. `seed` puts policies in place for a test.

import { randomUUID } from 'node:crypto';
import type { FakeArm, FakeArmAnswer, FakeArmCall, FakeArmProvider } from './fake-arm.js';
import { ArmError, FAKE_SUBSCRIPTION, notFound, rgId } from './fake-arm-world.js';

export const SECURITY_API_VERSION = '2020-01-01';
const TYPE = 'Microsoft.Security/locations/jitNetworkAccessPolicies';
const SUB_LIST = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Security\/jitNetworkAccessPolicies$/i;
const RG_LIST = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Security\/jitNetworkAccessPolicies$/i;
const ONE = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Security\/locations\/([^/]+)\/jitNetworkAccessPolicies\/([^/]+)$/i;
const VM_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/virtualMachines\/[^/]+$/i;
const ISO = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

export interface FakeJitPolicy {
  id: string;
  name: string;
  location: string;
  kind: string;
  etag: string;
  virtualMachines: Record<string, unknown>[];
}

export interface SeedOptions {
  subscriptionId?: string;
  resourceGroup?: string;
  location?: string;
  name?: string;
  /** Written as given (the wire form), so a test may seed what Azure would refuse on a PUT. */
  virtualMachines: Record<string, unknown>[];
}

/** A VM entry as Defender writes it: SSH from anywhere for three hours, unless `ports` says otherwise. */
export function jitVm(vmId: string, ports: Record<string, unknown>[] = [ssh()]): Record<string, unknown> {
  return { id: vmId, ports };
}

export function ssh(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { number: 22, protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H', ...overrides };
}

export class FakeArmSecurity implements FakeArmProvider {
  private readonly policies = new Map<string, FakeJitPolicy>();
  private down: ArmError | undefined;

  /** Serves Defender's JIT policies from `fake` from now on. */
  static on(fake: FakeArm): FakeArmSecurity {
    const provider = new FakeArmSecurity();
    fake.addProvider(provider);
    return provider;
  }

  /** Puts a policy in place (replacing one of the same id); returns its id. */
  seed(options: SeedOptions): string {
    const location = options.location ?? 'westeurope';
    const name = options.name ?? 'default';
    const id = `${rgId(options.subscriptionId ?? FAKE_SUBSCRIPTION, options.resourceGroup ?? 'rg-jit')}/providers/${TYPE.replace('/locations/', `/locations/${location}/`)}/${name}`;
    this.policies.set(id.toLowerCase(), { id, name, location, kind: 'Basic', etag: newEtag(), virtualMachines: structuredClone(options.virtualMachines) });
    return id;
  }

  /** Every Security call fails with this until restore(): an outage longer than failNext's count (which it leaves to single failures). */
  outage(status: number, code: string, message = `Scripted outage: ${code}.`): void {
    this.down = new ArmError(status, code, message);
  }

  restore(): void {
    this.down = undefined;
  }

  remove(id: string): void {
    this.policies.delete(id.toLowerCase());
  }

  all(): FakeJitPolicy[] {
    return [...this.policies.values()];
  }

  etagOf(path: string): string | undefined {
    return this.policies.get(path.toLowerCase())?.etag;
  }

  route(call: FakeArmCall): FakeArmAnswer | undefined {
    const { method, path } = call;
    const sub = SUB_LIST.exec(path);
    const rg = RG_LIST.exec(path);
    const one = ONE.exec(path);
    if (!sub && !rg && !one) return undefined;
    if (this.down) throw this.down;
    if (call.record.apiVersion !== SECURITY_API_VERSION)
      throw new ArmError(
        400,
        'InvalidApiVersionParameter',
        `The api-version '${call.record.apiVersion}' is invalid. The supported versions are '${SECURITY_API_VERSION}'.`,
      );
    if (method === 'GET' && sub) return call.page(this.inScope(`/subscriptions/${sub[1]}/`).map(toWire));
    if (method === 'GET' && rg) return call.page(this.inScope(`${rgId(rg[1]!, rg[2]!)}/`).map(toWire));
    if (!one) throw new ArmError(405, 'MethodNotAllowed', `The fake does not allow ${method} ${path}.`);
    const current = this.policies.get(path.toLowerCase());
    if (method === 'GET') return answer(200, current ?? throwNotFound(path));
    if (method === 'DELETE') {
      if (!current) return { status: 204, headers: {} };
      this.checkIfMatch(current, call.record.ifMatch);
      this.policies.delete(path.toLowerCase());
      return { status: 200, headers: {} };
    }
    if (method === 'PUT') {
      if (current) this.checkIfMatch(current, call.record.ifMatch);
      else if (call.record.ifMatch !== undefined && call.record.ifMatch !== '*')
        throw new ArmError(412, 'PreconditionFailed', `If-Match ${call.record.ifMatch} was given, but ${path} does not exist.`);
      const virtualMachines = validateBody(call.body);
      const policy: FakeJitPolicy = {
        id: current?.id ?? path,
        name: one[4]!,
        location: one[3]!,
        kind: typeof call.body.kind === 'string' ? call.body.kind : 'Basic',
        etag: newEtag(),
        virtualMachines,
      };
      this.policies.set(path.toLowerCase(), policy);
      return answer(200, policy);
    }
    throw new ArmError(405, 'MethodNotAllowed', `The fake does not allow ${method} ${path}.`);
  }

  private inScope(prefix: string): FakeJitPolicy[] {
    return this.all().filter((policy) => policy.id.toLowerCase().startsWith(prefix.toLowerCase()));
  }

  private checkIfMatch(policy: FakeJitPolicy, ifMatch: string | undefined): void {
    if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== policy.etag)
      throw new ArmError(412, 'PreconditionFailed', `If-Match ${ifMatch} does not match the current ETag of ${policy.id}.`);
  }
}

const newEtag = () => `W/"${randomUUID()}"`;

function toWire(policy: FakeJitPolicy): Record<string, unknown> {
  return {
    id: policy.id,
    name: policy.name,
    type: TYPE,
    location: policy.location,
    kind: policy.kind,
    etag: policy.etag,
    properties: { virtualMachines: structuredClone(policy.virtualMachines), requests: [], provisioningState: 'Succeeded' },
  };
}

function answer(status: number, policy: FakeJitPolicy): FakeArmAnswer {
  return { status, payload: toWire(policy), headers: { ETag: policy.etag } };
}

function throwNotFound(path: string): never {
  throw notFound(TYPE, path);
}

/** The service's checks on a PUT body: the VMs, each port's number, protocol, one source form, and a duration from 5 minutes to 1 day. */
function validateBody(body: Record<string, unknown>): Record<string, unknown>[] {
  const bad = (message: string): never => {
    throw new ArmError(400, 'BadRequest', message);
  };
  const properties = body.properties as { virtualMachines?: unknown } | undefined;
  if (!properties || !Array.isArray(properties.virtualMachines)) return bad('properties.virtualMachines is required.');
  return properties.virtualMachines.map((vm: unknown, i) => {
    const entry = vm as { id?: unknown; ports?: unknown };
    if (typeof entry?.id !== 'string' || !VM_ID.test(entry.id)) return bad(`virtualMachines[${i}].id must be a virtual machine resource id.`);
    if (!Array.isArray(entry.ports) || entry.ports.length === 0) return bad(`virtualMachines[${i}].ports must list at least one port.`);
    entry.ports.forEach((port: Record<string, unknown>, j) => {
      const where = `virtualMachines[${i}].ports[${j}]`;
      if (!Number.isInteger(port.number) || (port.number as number) < 1 || (port.number as number) > 65535) bad(`${where}.number must be a port number.`);
      if (!['TCP', 'UDP', '*'].includes(String(port.protocol))) bad(`${where}.protocol must be TCP, UDP or *.`);
      if ((port.allowedSourceAddressPrefix === undefined) === (port.allowedSourceAddressPrefixes === undefined))
        bad(`${where}: exactly one of allowedSourceAddressPrefix and allowedSourceAddressPrefixes is required.`);
      const iso = ISO.exec(String(port.maxRequestAccessDuration));
      const seconds = iso ? Number(iso[1] ?? 0) * 86400 + Number(iso[2] ?? 0) * 3600 + Number(iso[3] ?? 0) * 60 + Number(iso[4] ?? 0) : 0;
      if (seconds < 300 || seconds > 86400) bad(`${where}.maxRequestAccessDuration must be an ISO 8601 duration from PT5M to P1D.`);
    });
    return structuredClone(entry as Record<string, unknown>);
  });
}
