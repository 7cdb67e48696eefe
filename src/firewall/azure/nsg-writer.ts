// Every change to an NSG's rules goes through here: the NSG as a target of the
// optimistic ETag writer (etag-writer.ts), which reads it whole, plans, and PUTs
// the whole rule list back with If-Match. An NSG never written without an ETag:
// it exists before the bot touches it.

import type { NetworkSecurityGroup, SecurityRule } from '@azure/arm-network';
import { JitError } from '../../domain/errors.js';
import { describeArmError, isNotFound } from './arm-errors.js';
import type { ArmClients } from './clients.js';
import { type Change, EtagWriter, type EtagWriterOptions, type WriteTarget } from './etag-writer.js';
import type { NsgRef } from './resource-id.js';

export type NsgChange = Change<SecurityRule[]>;
export type NsgWriterOptions = EtagWriterOptions;

export class NsgWriter {
  private readonly writer: EtagWriter<SecurityRule[]>;

  constructor(
    private readonly clients: ArmClients,
    private readonly options: NsgWriterOptions,
  ) {
    this.writer = new EtagWriter(options);
  }

  /** Resolves once ARM has confirmed the write that carried `change` (or nothing needed writing). */
  submit(nsg: NsgRef, change: NsgChange): Promise<void> {
    return this.writer.submit(this.target(nsg), change);
  }

  async read(nsg: NsgRef): Promise<NetworkSecurityGroup> {
    try {
      return await (await this.clients.network(nsg.subscriptionId)).networkSecurityGroups.get(nsg.resourceGroup, nsg.name, {
        abortSignal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const why = isNotFound(error) ? 'was not found (deleted or moved?)' : `could not be read: ${describeArmError(error)}`;
      throw new JitError('jit_backend_failed', `network security group ${nsg.name} (resource group ${nsg.resourceGroup}) ${why}`, { cause: error });
    }
  }

  private target(nsg: NsgRef): WriteTarget<SecurityRule[]> {
    return {
      key: nsg.key,
      label: `NSG ${nsg.name}`,
      read: async () => {
        const current = await this.read(nsg);
        return {
          state: current.securityRules ?? [],
          etag: current.etag,
          // Everything but the rules goes back as ARM gave it.
          write: async (rules, options) => {
            if (!current.etag) throw new Error(`ARM returned NSG ${nsg.name} without an ETag; refusing to write without If-Match`);
            const network = await this.clients.network(nsg.subscriptionId);
            await network.networkSecurityGroups.beginCreateOrUpdateAndWait(nsg.resourceGroup, nsg.name, { ...current, securityRules: rules }, options);
          },
        };
      },
    };
  }
}
