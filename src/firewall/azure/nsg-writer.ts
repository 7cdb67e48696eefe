// Every change to an NSG's rules goes through here, as an optimistic
// read-modify-write of the whole NSG: GET (rules + ETag), plan, PUT with
// `If-Match: <etag>`, let the SDK poll the long-running operation to the end.
// A write that lost a race (412, SecurityRuleConflict, operation in progress)
// is planned again on a fresh read after a jittered backoff, so writers in
// other processes never overwrite each other or share a priority.
//
// Within this process, changes to one NSG queue up and the ones that arrive
// while a write is in flight go out together in the next PUT: twenty grants
// at once cost a couple of NSG writes, not twenty racing ones. Each change is
// still all-or-nothing: a plan that cannot apply (no free priority) fails that
// change alone, and a batch ARM refuses up front is retried change by change.

import type { NetworkSecurityGroup, SecurityRule } from '@azure/arm-network';
import { JitError } from '../../domain/errors.js';
import { describeArmError, isNotFound, writeConflict } from './arm-errors.js';
import type { ArmClients } from './clients.js';
import type { Logger } from '../../ports/logger.js';
import type { NsgRef } from './resource-id.js';

export interface NsgChange {
  /** For logs and errors: `open grant abc234`. */
  label: string;
  /**
   * The rule list the NSG should have, given the one it has; undefined when
   * nothing needs to change. Throwing fails this change alone.
   */
  apply(rules: SecurityRule[]): SecurityRule[] | undefined;
}

export interface NsgWriterOptions {
  pollIntervalMs?: number;
  timeoutMs: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  logger: Logger;
}

interface Pending {
  change: NsgChange;
  resolve(): void;
  reject(error: unknown): void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class NsgWriter {
  private readonly queues = new Map<string, { nsg: NsgRef; waiting: Pending[] }>();

  constructor(
    private readonly clients: ArmClients,
    private readonly options: NsgWriterOptions,
  ) {}

  /** Resolves once ARM has confirmed the write that carried `change` (or nothing needed writing). */
  submit(nsg: NsgRef, change: NsgChange): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const pending = { change, resolve, reject };
      const queue = this.queues.get(nsg.key);
      if (queue) {
        queue.waiting.push(pending);
        return;
      }
      const fresh = { nsg, waiting: [pending] };
      this.queues.set(nsg.key, fresh);
      void this.drain(fresh);
    });
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

  private async drain(queue: { nsg: NsgRef; waiting: Pending[] }): Promise<void> {
    try {
      while (queue.waiting.length > 0) {
        const batch = queue.waiting.splice(0);
        await this.writeBatch(queue.nsg, batch).catch((error: unknown) => batch.forEach((p) => p.reject(error)));
      }
    } finally {
      this.queues.delete(queue.nsg.key);
    }
  }

  private async writeBatch(nsg: NsgRef, batch: Pending[]): Promise<void> {
    let live = batch;
    for (let attempt = 1; ; attempt++) {
      let current: NetworkSecurityGroup;
      try {
        current = await this.read(nsg);
      } catch (error) {
        live.forEach((p) => p.reject(error));
        return;
      }
      const original = current.securityRules ?? [];
      let rules = original;
      const planned: Pending[] = [];
      for (const pending of live) {
        try {
          rules = pending.change.apply(rules) ?? rules;
          planned.push(pending);
        } catch (error) {
          pending.reject(error);
        }
      }
      live = planned;
      if (live.length === 0) return;
      if (rules === original) {
        live.forEach((p) => p.resolve());
        return;
      }
      const outcome = await this.put(nsg, current, rules);
      if (outcome.ok) {
        live.forEach((p) => p.resolve());
        return;
      }
      const conflict = writeConflict(outcome.error);
      const labels = live.map((p) => p.change.label).join(', ');
      // Only a write ARM never took on is replanned: one it accepted but could
      // not confirm is reported as such, never quietly taken for done.
      if (conflict && !outcome.accepted && attempt < this.options.maxAttempts) {
        const delay = Math.random() * Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (attempt - 1));
        this.options.logger.debug(`NSG ${nsg.name}: ${conflict} on attempt ${attempt} (${labels}); reading again in ${Math.round(delay)} ms`);
        await sleep(delay);
        continue;
      }
      if (!conflict && !outcome.accepted && live.length > 1) {
        // ARM refused the batch before applying any of it; one change may be to
        // blame, so each goes alone and the others still land.
        for (const pending of live) await this.writeBatch(nsg, [pending]);
        return;
      }
      const message =
        conflict && !outcome.accepted
          ? `NSG ${nsg.name}: gave up after ${attempt} attempts, another writer kept changing it (${describeArmError(outcome.error)})`
          : outcome.accepted
            ? `NSG ${nsg.name}: ARM accepted the change (${labels}) but did not confirm it: ${describeArmError(outcome.error)}`
            : `NSG ${nsg.name}: ARM refused the change (${labels}): ${describeArmError(outcome.error)}`;
      live.forEach((p) => p.reject(new JitError('jit_backend_failed', message, { cause: outcome.error })));
      return;
    }
  }

  /** One PUT of the whole NSG, guarded by its ETag, polled until ARM says Succeeded. */
  private async put(
    nsg: NsgRef,
    current: NetworkSecurityGroup,
    rules: SecurityRule[],
  ): Promise<{ ok: true } | { ok: false; accepted: boolean; error: unknown }> {
    if (!current.etag) {
      return { ok: false, accepted: false, error: new Error(`ARM returned NSG ${nsg.name} without an ETag; refusing to write without If-Match`) };
    }
    let accepted = false;
    try {
      await (await this.clients.network(nsg.subscriptionId)).networkSecurityGroups.beginCreateOrUpdateAndWait(
        nsg.resourceGroup,
        nsg.name,
        { ...current, securityRules: rules },
        {
          updateIntervalInMs: this.options.pollIntervalMs,
          abortSignal: AbortSignal.timeout(this.options.timeoutMs),
          // Kept off the polling GETs by the ifMatchOnWritesOnly policy (clients.ts).
          requestOptions: { customHeaders: { 'If-Match': current.etag } },
          onResponse: (response: { request: { method: string }; status: number }) => {
            if (response.request.method === 'PUT' && response.status < 300) accepted = true;
          },
        },
      );
      return { ok: true };
    } catch (error) {
      return { ok: false, accepted, error };
    }
  }
}
