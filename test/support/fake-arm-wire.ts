// How the fake ARM world looks on the wire: the JSON shapes Azure returns for
// VMs, NICs, subnets, NSGs and security rules, and for Azure Firewalls and
// their policies' rule collection groups (properties nested, ids absolute).

import type { FakeFirewall, FakeGroup, FakePolicy } from './fake-arm-firewall.js';
import type { FakeArmWorld, FakeNsg, FakeRule } from './fake-arm-world.js';

type Json = Record<string, unknown>;

const DEFAULT_RULES: [string, string, string, number, string, string][] = [
  ['AllowVnetInBound', 'VirtualNetwork', 'Allow', 65000, 'Inbound', 'VirtualNetwork'],
  ['AllowAzureLoadBalancerInBound', 'AzureLoadBalancer', 'Allow', 65001, 'Inbound', '*'],
  ['DenyAllInBound', '*', 'Deny', 65500, 'Inbound', '*'],
  ['AllowVnetOutBound', 'VirtualNetwork', 'Allow', 65000, 'Outbound', 'VirtualNetwork'],
  ['AllowInternetOutBound', '*', 'Allow', 65001, 'Outbound', 'Internet'],
  ['DenyAllOutBound', '*', 'Deny', 65500, 'Outbound', '*'],
];

export function ruleToWire(nsg: FakeNsg, rule: FakeRule): Json {
  return {
    name: rule.name,
    id: `${nsg.id}/securityRules/${rule.name}`,
    etag: nsg.etag,
    type: 'Microsoft.Network/networkSecurityGroups/securityRules',
    properties: { ...rule.properties, provisioningState: nsg.provisioningState === 'Updating' ? 'Updating' : 'Succeeded' },
  };
}

export function nsgToWire(nsg: FakeNsg): Json {
  return {
    name: nsg.name,
    id: nsg.id,
    etag: nsg.etag,
    type: 'Microsoft.Network/networkSecurityGroups',
    location: nsg.location,
    tags: nsg.tags,
    properties: {
      provisioningState: nsg.provisioningState,
      resourceGuid: '3c0b3b8c-1b4e-4a43-9a5b-2f5a4f0e8d11',
      securityRules: nsg.rules.map((rule) => ruleToWire(nsg, rule)),
      defaultSecurityRules: DEFAULT_RULES.map(([name, source, access, priority, direction, destination]) => ({
        name,
        id: `${nsg.id}/defaultSecurityRules/${name}`,
        etag: nsg.etag,
        type: 'Microsoft.Network/networkSecurityGroups/defaultSecurityRules',
        properties: {
          provisioningState: 'Succeeded',
          protocol: '*',
          sourcePortRange: '*',
          destinationPortRange: '*',
          sourceAddressPrefix: source,
          destinationAddressPrefix: destination,
          access,
          priority,
          direction,
        },
      })),
    },
  };
}

export function vmToWire(world: FakeArmWorld, id: string): Json | undefined {
  const vm = world.vm(id);
  if (!vm) return undefined;
  return {
    name: vm.name,
    id: vm.id,
    type: 'Microsoft.Compute/virtualMachines',
    location: vm.location,
    properties: {
      vmId: '6f1e1d9c-0b8a-4a55-8f43-2b2f7c1e9a10',
      hardwareProfile: { vmSize: 'Standard_B1s' },
      provisioningState: 'Succeeded',
      networkProfile: {
        networkInterfaces: vm.nics.map((nic) => ({ id: nic.id, properties: { primary: nic.primary } })),
        ...(vm.scaleSetNics
          ? { networkApiVersion: '2020-11-01', networkInterfaceConfigurations: [{ name: `${vm.name}-nic-config`, properties: { primary: true } }] }
          : {}),
      },
    },
  };
}

export function nicToWire(world: FakeArmWorld, id: string): Json | undefined {
  const nic = world.nic(id);
  if (!nic) return undefined;
  return {
    name: nic.name,
    id: nic.id,
    etag: 'W/"00000000-0000-0000-0000-0000000000c1"',
    type: 'Microsoft.Network/networkInterfaces',
    location: nic.location,
    properties: {
      provisioningState: 'Succeeded',
      ...(nic.nsgId ? { networkSecurityGroup: { id: nic.nsgId } } : {}),
      ipConfigurations: nic.ipConfigurations.map((config) => ({
        name: config.name,
        id: `${nic.id}/ipConfigurations/${config.name}`,
        type: 'Microsoft.Network/networkInterfaces/ipConfigurations',
        properties: {
          provisioningState: 'Succeeded',
          privateIPAddress: config.privateIp,
          privateIPAllocationMethod: 'Dynamic',
          privateIPAddressVersion: config.privateIp.includes(':') ? 'IPv6' : 'IPv4',
          subnet: { id: config.subnetId },
          primary: config.primary,
        },
      })),
    },
  };
}

export function subnetToWire(world: FakeArmWorld, id: string): Json | undefined {
  const subnet = world.subnet(id);
  if (!subnet) return undefined;
  return {
    name: subnet.name,
    id: subnet.id,
    etag: 'W/"00000000-0000-0000-0000-0000000000d1"',
    type: 'Microsoft.Network/virtualNetworks/subnets',
    properties: {
      provisioningState: 'Succeeded',
      addressPrefix: subnet.addressPrefix,
      ...(subnet.nsgId ? { networkSecurityGroup: { id: subnet.nsgId } } : {}),
    },
  };
}

/** Virtual networks as ARM lists them: each with its subnets inline (the fake keeps subnets only, so vnets are grouped from their ids). */
export function vnetsToWire(world: FakeArmWorld, subscriptionId: string): Json[] {
  const vnets = new Map<string, Json & { properties: { subnets: Json[] } }>();
  for (const subnet of world.subnetsIn(subscriptionId)) {
    const vnetId = subnet.id.replace(/\/subnets\/[^/]+$/i, '');
    const vnet = vnets.get(vnetId.toLowerCase()) ?? {
      name: vnetId.split('/').pop(),
      id: vnetId,
      type: 'Microsoft.Network/virtualNetworks',
      location: 'westeurope',
      properties: { provisioningState: 'Succeeded', addressSpace: { addressPrefixes: ['10.0.0.0/16'] }, subnets: [] as Json[] },
    };
    vnet.properties.subnets.push(subnetToWire(world, subnet.id)!);
    vnets.set(vnetId.toLowerCase(), vnet);
  }
  return [...vnets.values()];
}

export function firewallToWire(fw: FakeFirewall): Json {
  return {
    id: fw.id,
    name: fw.name,
    location: fw.location,
    etag: 'W/"00000000-0000-0000-0000-0000000000f1"',
    type: 'Microsoft.Network/azureFirewalls',
    properties: {
      provisioningState: 'Succeeded',
      sku: { name: fw.hubId ? 'AZFW_Hub' : 'AZFW_VNet', tier: 'Standard' },
      threatIntelMode: 'Alert',
      ipConfigurations: fw.publicIpId
        ? [
            {
              name: 'ipconfig1',
              id: `${fw.id}/azureFirewallIpConfigurations/ipconfig1`,
              properties: {
                privateIPAddress: '10.0.100.4',
                publicIPAddress: { id: fw.publicIpId },
                ...(fw.subnetId ? { subnet: { id: fw.subnetId } } : {}),
                provisioningState: 'Succeeded',
              },
            },
          ]
        : [],
      // A firewall without a policy has classic rule collections of its own.
      ...(fw.policyId ? { firewallPolicy: { id: fw.policyId } } : { natRuleCollections: [], networkRuleCollections: [], applicationRuleCollections: [] }),
      ...(fw.hubId ? { virtualHub: { id: fw.hubId }, hubIPAddresses: { publicIPs: { addresses: [{ address: '20.60.0.1' }], count: 1 } } } : {}),
    },
  };
}

export function publicIpToWire(ip: { id: string; name: string; address: string }): Json {
  return {
    id: ip.id,
    name: ip.name,
    location: 'westeurope',
    sku: { name: 'Standard' },
    properties: { ipAddress: ip.address, publicIPAllocationMethod: 'Static' },
  };
}

export function policyToWire(policy: FakePolicy): Json {
  return {
    id: policy.id,
    name: policy.name,
    location: policy.location,
    properties: { provisioningState: 'Succeeded', ruleCollectionGroups: policy.groups.map((g) => ({ id: `${policy.id}/ruleCollectionGroups/${g.name}` })) },
  };
}

export function groupToWire(policy: FakePolicy, group: FakeGroup): Json {
  return {
    id: `${policy.id}/ruleCollectionGroups/${group.name}`,
    name: group.name,
    etag: group.etag,
    type: 'Microsoft.Network/FirewallPolicies/RuleCollectionGroups',
    properties: { priority: group.priority, ruleCollections: group.ruleCollections, provisioningState: group.provisioningState },
  };
}
