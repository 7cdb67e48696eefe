// Shared setup for the azure-firewall backend tests: a fake ARM serving the
// firewall provider beside Compute and Network, backends pointed at it the way
// production points one at Azure, and per test a fresh firewall (with a policy
// of its own) and VM.

import { afterAll, beforeAll, beforeEach } from 'vitest';
import { AzureFirewallBackend, type AzureFirewallBackendOptions } from '../../../src/firewall/azure/index.js';
import { type AddVmOptions, FakeArm } from '../../support/fake-arm.js';
import { type AddedFirewall, FakeArmFirewall } from '../../support/fake-arm-firewall.js';
import { addVm, fakeArmOptions, type TestVm } from './harness.js';

export interface FirewallFake {
  fake: FakeArm;
  firewall: FakeArmFirewall;
}

export async function startFirewallFake(options: { pageSize?: number } = {}): Promise<FirewallFake> {
  const fake = await FakeArm.start(options);
  const firewall = new FakeArmFirewall(fake.world);
  fake.addProvider(firewall);
  return { fake, firewall };
}

export function firewallBackendFor(fake: FakeArm, firewallId: string, overrides: Partial<AzureFirewallBackendOptions> = {}): AzureFirewallBackend {
  return new AzureFirewallBackend({ ...fakeArmOptions(fake), firewallId, ...overrides });
}

export interface FirewallSuite {
  fake: FakeArm;
  provider: FakeArmFirewall;
  /** This test's firewall, `<firewall>-<n>`, with its policy `<firewall>-<n>-policy`. */
  fw: AddedFirewall;
  /** This test's VM, `<vm>-<n>` at 10.<subnet>.0.<n + 3>. */
  vm: TestVm;
  n: number;
}

/** Registers a test file's hooks: one fake ARM for the file; per test a firewall and a VM of their own. */
export function firewallSuite(names: { firewall: string; vm: string; subnet: number }, vmOptions: Partial<AddVmOptions> = {}): FirewallSuite {
  const suite = { n: 0 } as FirewallSuite;
  beforeAll(async () => {
    ({ fake: suite.fake, firewall: suite.provider } = await startFirewallFake());
  });
  afterAll(() => suite.fake.close());
  beforeEach(() => {
    suite.n += 1;
    suite.fw = suite.provider.addFirewall({ name: `${names.firewall}-${suite.n}` });
    suite.vm = addVm(suite.fake, `${names.vm}-${suite.n}`, `10.${names.subnet}.0.${suite.n + 3}`, vmOptions);
  });
  return suite;
}
