// Every change to the bot's rule collection group goes through here: the group
// as a target of the optimistic ETag writer (etag-writer.ts). A read lists all
// of the policy's groups (the plan needs the others' priorities and DNAT
// ports); the write PUTs ours whole with If-Match on its ETag. Azure applies
// one update to a policy at a time and answers 409 to the next meanwhile: the
// writer waits and reads again, and in this process changes to one policy go
// out together.

import type { FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import { JitError } from '../../domain/errors.js';
import { describeArmError, isNotFound } from './arm-errors.js';
import type { ArmClients } from './clients.js';
import type { PolicyRules, RuleCollectionGroup } from './dnat-plan.js';
import { type Change, EtagWriter, type EtagWriterOptions, type WriteTarget } from './etag-writer.js';
import type { NetworkRef } from './resource-id.js';

export type RcgChange = Change<PolicyRules>;

export class RcgWriter {
  private readonly writer: EtagWriter<PolicyRules>;

  constructor(
    private readonly clients: ArmClients,
    private readonly options: EtagWriterOptions,
  ) {
    this.writer = new EtagWriter(options);
  }

  /** Resolves once ARM has confirmed the write that carried `change` (or nothing needed writing). */
  submit(policy: NetworkRef, group: string, change: RcgChange): Promise<void> {
    return this.writer.submit(this.target(policy, group), change);
  }

  /** Our group (undefined when not created yet) and the policy's others, with our group's ETag. */
  async read(policy: NetworkRef, group: string): Promise<PolicyRules & { etag?: string }> {
    const network = await this.clients.network(policy.subscriptionId);
    const groups: FirewallPolicyRuleCollectionGroup[] = [];
    try {
      for await (const item of network.firewallPolicyRuleCollectionGroups.list(policy.resourceGroup, policy.name, {
        abortSignal: AbortSignal.timeout(this.options.timeoutMs),
      }))
        groups.push(item);
    } catch (error) {
      const why = isNotFound(error) ? 'was not found (deleted, or the firewall names another?)' : `could not be read: ${describeArmError(error)}`;
      throw new JitError('jit_backend_failed', `the rule collection groups of firewall policy ${policy.name} (resource group ${policy.resourceGroup}) ${why}`, {
        cause: error,
      });
    }
    const ours = groups.find((g) => g.name?.toLowerCase() === group.toLowerCase());
    return { group: ours as RuleCollectionGroup | undefined, others: groups.filter((g) => g !== ours) as RuleCollectionGroup[], etag: ours?.etag };
  }

  private target(policy: NetworkRef, group: string): WriteTarget<PolicyRules> {
    return {
      // One queue per policy: Azure applies one update to a policy at a time anyway.
      key: policy.key,
      label: `rule collection group ${group} of firewall policy ${policy.name}`,
      read: async () => {
        const { etag, ...state } = await this.read(policy, group);
        return {
          state,
          etag,
          // A group not created yet has no ETag to send; every later write does.
          write: async (next, options) => {
            const network = await this.clients.network(policy.subscriptionId);
            const body = { priority: next.group?.priority, ruleCollections: next.group?.ruleCollections ?? [] } as FirewallPolicyRuleCollectionGroup;
            await network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(policy.resourceGroup, policy.name, group, body, options);
          },
        };
      },
    };
  }
}
