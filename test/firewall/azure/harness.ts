// Shared setup for the Azure NSG backend tests: a fake ARM with VMs in it, and
// backends pointed at it the way production points one at Azure (endpoint,
// credential, TLS trust), with retry and polling delays shrunk so tests are fast.

import type { GrantSpec, ProtectedPort } from '../../../src/ports/firewall.js';
import { AzureNsgBackend, type AzureNsgBackendOptions } from '../../../src/firewall/azure/index.js';
import type { Logger } from '../../../src/ports/logger.js';
import type { RequestedPort } from '../../../src/domain/types.js';
import type { AddedVm, AddVmOptions, FakeArm } from '../../support/fake-arm.js';

export interface RecordingLogger extends Logger {
  lines: string[];
}

export function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  const at =
    (level: string) =>
    (...msg: unknown[]) =>
      void lines.push(`${level} ${msg.map(String).join(' ')}`);
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** How a test points a backend at the fake: its endpoint, credential and certificate, with delays shrunk. */
export function fakeArmOptions(fake: FakeArm) {
  return {
    credential: fake.credential,
    endpoint: fake.endpoint,
    tlsOptions: { ca: fake.certificate },
    retryOptions: { maxRetries: 3, retryDelayInMs: 5, maxRetryDelayInMs: 50 },
    pollIntervalMs: 5,
    conflictRetry: { maxAttempts: 100, baseDelayMs: 2, maxDelayMs: 50 },
    logger: recordingLogger(),
  };
}

export function backendFor(fake: FakeArm, overrides: Partial<AzureNsgBackendOptions> = {}): AzureNsgBackend {
  return new AzureNsgBackend({ ...fakeArmOptions(fake), ...overrides });
}

export interface TestVm extends AddedVm {
  name: string;
  privateIp: string;
}

export function addVm(fake: FakeArm, name: string, privateIp: string, extra: Partial<AddVmOptions> = {}): TestVm {
  return { name, privateIp, ...fake.world.addVm({ name, privateIp, ...extra }) };
}

export function protectedPorts(vm: TestVm, ports: RequestedPort[]): ProtectedPort[] {
  return ports.map((p) => ({ vmId: vm.vmId, vmName: vm.name, address: vm.privateIp, port: p.number, protocol: p.protocol }));
}

export function grantFor(vm: TestVm, requestId: string, ports: RequestedPort[], source = '198.51.100.7/32'): GrantSpec {
  return { requestId, vmId: vm.vmId, vmName: vm.name, address: vm.privateIp, ports, source, endAt: Date.UTC(2026, 10, 28, 12, 0, 0) };
}

export const SSH: RequestedPort = { number: 22, protocol: 'TCP' };
export const RDP: RequestedPort = { number: 3389, protocol: 'TCP' };
export const WINRM: RequestedPort = { number: 5986, protocol: 'TCP' };

/** Names of the rules in the fake NSG, sorted. */
export function ruleNames(fake: FakeArm, nsgId: string): string[] {
  return fake.world
    .rules(nsgId)
    .map((r) => r.name)
    .sort();
}
