// The OS Azure reports for a VM (storageProfile.osDisk.osType) travels with
// its sighting, so enabling JIT can propose that OS's default ports.

import { describe, expect, it } from 'vitest';
import type { VirtualMachine } from '@azure/arm-compute';
import type { NetworkInterface } from '@azure/arm-network';
import { supportOf } from '../../../src/firewall/azure/inventory.js';

const NIC_ID = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic-1';
const nic: NetworkInterface = { id: NIC_ID, networkSecurityGroup: { id: 'nsg' }, ipConfigurations: [{ primary: true, privateIPAddress: '10.0.0.4' }] };
const vm = (osType?: 'Linux' | 'Windows'): VirtualMachine => ({
  id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-1',
  name: 'vm-1',
  location: 'westeurope',
  networkProfile: { networkInterfaces: [{ id: NIC_ID, primary: true }] },
  ...(osType ? { storageProfile: { osDisk: { osType, createOption: 'FromImage' } } } : {}),
});

describe('supportOf', () => {
  it('carriesTheOsAzureReports_andNoneWhenAzureSaysNothing', () => {
    const nics = new Map([[NIC_ID.toLowerCase(), nic]]);
    expect(supportOf(vm('Windows'), nics, new Map(), 'nic')).toMatchObject({ name: 'vm-1', os: 'windows', support: 'supported' });
    expect(supportOf(vm('Linux'), nics, new Map(), 'nic')).toMatchObject({ os: 'linux' });
    expect(supportOf(vm(), nics, new Map(), 'nic')).not.toHaveProperty('os');
  });
});
