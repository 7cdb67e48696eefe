// Renders outbox notifications with the pure builders in slack/blocks/ and
// sends them through the Slack Web API. Throws on any failure so the outbox
// worker retries (a DestinationError when Slack refuses the destination itself,
// e.g. the bot is not in the audit channel); reports the messages it posted so
// later rows can thread on them or update them in place. Audit-channel posts
// carry the (seq, hash) of their event's audit row in their metadata, and a
// checkpoint its signature (domain/audit-anchor.ts).

import type { Logger } from '../../ports/logger.js';
import type { WebClient } from '@slack/web-api';
import type { AccessRequest, Policy } from '../../domain/types.js';
import { approvalMessage, approvalResolvedMessage } from '../blocks/approval.js';
import { breakGlassMessage } from '../blocks/break-glass.js';
import { auditAlertText, auditReplyText, auditRootMessage, systemEventText } from '../blocks/audit.js';
import { grantConnectHint } from '../blocks/dm.js';
import { requesterDmMessage } from '../blocks/grant-dm.js';
import { approvalReminderText } from '../blocks/reminder.js';
import { batchApprovalMessage, batchReminderText, batchSummaryText } from '../blocks/batch.js';
import type { Clock } from '../../ports/clock.js';
import type { MessageRef, Notification, Notifier, PostJournal } from '../../ports/notifier.js';
import { OncePoster, slackError } from './once-poster.js';
import { DestinationError, type DestinationRole, isDestinationError } from '../../domain/delivery-problem.js';
import { batchIdOf } from '../../domain/request-kind.js';
import { checkpointOfDetail, type ChainLink } from '../../domain/audit-anchor.js';

export interface SlackNotifierOptions {
  client: WebClient;
  logger: Logger;
  auditChannel: string;
  policy: () => Policy;
  clock: Clock;
  /** Reads a batch's members and the leader's messages; without it a batch renders as separate requests. */
  batches?: BatchReader;
}

/**
 * A batch (several VMs in one request) has one approval message per destination,
 * stored under its leader's id and rendered from the current state of every
 * member, so a member's own notification updates the leader's messages.
 */
export interface BatchReader {
  batchMembers(batchId: string): Promise<AccessRequest[]>;
  messageRefs(requestId: string): Promise<MessageRef[]>;
}

export class SlackNotifier implements Notifier {
  constructor(private readonly options: SlackNotifierOptions) {}

  async deliver(notification: Notification, refs: MessageRef[], journal: PostJournal): Promise<MessageRef[]> {
    const poster = new OncePoster(this.options.client, journal, this.options.logger, (channel, error) => this.refusal(notification, channel, error));
    switch (notification.kind) {
      case 'audit':
        return this.audit(notification, refs, poster);
      case 'approval_request':
        return this.approvalRequest(notification, poster);
      case 'approval_update':
        await this.approvalUpdate(notification, refs, poster);
        return [];
      case 'approval_reminder':
        await this.approvalReminder(notification, refs, poster);
        return [];
      case 'requester_dm':
        await this.requesterDm(notification, poster);
        return [];
      case 'break_glass':
        return this.breakGlass(notification.request, poster);
      case 'alert':
        await poster.post(
          'alert',
          { channel: this.options.auditChannel, text: auditAlertText(notification.event, notification.request), unfurl_links: false },
          chainMetadata(notification),
        );
        return [];
      case 'system':
        await poster.post(
          'system',
          { channel: this.options.auditChannel, text: systemEventText(notification.event), unfurl_links: false },
          systemMetadata(notification),
        );
        return [];
    }
  }

  private async audit(notification: Extract<Notification, { kind: 'audit' }>, refs: MessageRef[], poster: OncePoster): Promise<MessageRef[]> {
    const { auditChannel } = this.options;
    if (notification.event.name === 'request.created') {
      const message = auditRootMessage(notification.request);
      const posted = await poster.post(
        'audit',
        { channel: auditChannel, text: message.text, blocks: message.blocks, unfurl_links: false },
        chainMetadata(notification),
      );
      return [{ requestId: notification.request.id, role: 'audit', ...posted }];
    }
    const root = refs.find((ref) => ref.role === 'audit');
    if (!root) throw new Error(`audit thread of request ${notification.request.id} has no root message yet`);
    await poster.post(
      'audit',
      {
        channel: root.channel,
        thread_ts: root.ts,
        text: auditReplyText(notification.event, notification.request),
        unfurl_links: false,
      },
      chainMetadata(notification),
    );
    return [];
  }

  private async approvalRequest(notification: Extract<Notification, { kind: 'approval_request' }>, poster: OncePoster): Promise<MessageRef[]> {
    const members = await this.batchOf(notification.request);
    const message = members ? batchApprovalMessage(members) : approvalMessage(notification.request);
    const posted = await poster.post('approval', { channel: notification.target, text: message.text, blocks: message.blocks, unfurl_links: false });
    return [{ requestId: notification.request.id, role: 'approval', ...posted }];
  }

  private async breakGlass(request: AccessRequest, poster: OncePoster): Promise<MessageRef[]> {
    const message = breakGlassMessage(request);
    const posted = await poster.post('break-glass', { channel: this.options.auditChannel, text: message.text, blocks: message.blocks, unfurl_links: false });
    return [{ requestId: request.id, role: 'approval', ...posted }];
  }

  private async approvalUpdate(notification: Extract<Notification, { kind: 'approval_update' }>, refs: MessageRef[], poster: OncePoster): Promise<void> {
    const { request } = notification;
    // A break-glass member keeps its own alert; the rest of a batch shares the leader's messages.
    const members = request.decision.effect === 'break_glass' ? undefined : await this.batchOf(request);
    if (members) {
      const message = batchApprovalMessage(members, this.options.clock.now());
      for (const ref of await this.leaderRefs(members)) {
        await poster.edit({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks });
      }
      return;
    }
    const message =
      request.decision.effect === 'break_glass'
        ? breakGlassMessage(request)
        : request.state === 'pending'
          ? approvalMessage(request)
          : approvalResolvedMessage(request, this.options.clock.now());
    for (const ref of refs.filter((candidate) => candidate.role === 'approval')) {
      await poster.edit({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks });
    }
  }

  /** A thread reply under each approval message; a retry after a partial failure posts only the replies still missing. */
  private async approvalReminder(notification: Extract<Notification, { kind: 'approval_reminder' }>, refs: MessageRef[], poster: OncePoster): Promise<void> {
    const members = await this.batchOf(notification.request);
    const text = members ? batchReminderText(members, notification.timesOutAt) : approvalReminderText(notification.request, notification.timesOutAt);
    const targets = members ? await this.leaderRefs(members) : refs.filter((candidate) => candidate.role === 'approval');
    for (const ref of targets) {
      await poster.post(`reminder:${ref.channel}:${ref.ts}`, { channel: ref.channel, thread_ts: ref.ts, text, unfurl_links: false });
    }
  }

  /** A DestinationError when Slack refuses `channel` itself (a person must act), else `error` as it is. */
  private refusal(notification: Notification, channel: string, error: unknown): unknown {
    const code = slackError(error);
    if (!isDestinationError(code)) return error;
    return new DestinationError(channel, this.roleOf(notification, channel), code, { cause: error });
  }

  private roleOf(notification: Notification, channel: string): DestinationRole {
    if (channel === this.options.auditChannel) return 'audit_channel';
    if (notification.kind === 'requester_dm') return 'requester_dm';
    // A user ID, or the DM channel Slack answered with: an approver's DM.
    return /^[UWD][A-Z0-9]+$/.test(channel) ? 'approver_dm' : 'approval_channel';
  }

  /** The batch's members (leader first) when `request` belongs to one, else undefined. */
  private async batchOf(request: AccessRequest): Promise<AccessRequest[] | undefined> {
    const batchId = batchIdOf(request);
    if (batchId === undefined || !this.options.batches) return undefined;
    const members = await this.options.batches.batchMembers(batchId);
    return members.length > 0 ? members : undefined;
  }

  /** The batch's approval messages, stored under its leader. A break-glass leader's alert (audit channel) is its own. */
  private async leaderRefs(members: AccessRequest[]): Promise<MessageRef[]> {
    const leader = members[0];
    if (leader === undefined || !this.options.batches) return [];
    const alert = leader.decision.effect === 'break_glass' ? this.options.auditChannel : undefined;
    return (await this.options.batches.messageRefs(leader.id)).filter((ref) => ref.role === 'approval' && ref.channel !== alert);
  }

  private async requesterDm(notification: Extract<Notification, { kind: 'requester_dm' }>, poster: OncePoster): Promise<void> {
    const { request, event } = notification;
    const members = event === 'request.created' ? await this.batchOf(request) : undefined;
    if (members) {
      await poster.post('dm', { channel: request.requester, text: batchSummaryText(members, 'dm'), unfurl_links: false });
      return;
    }
    const vm = this.options.policy().vms.find((candidate) => candidate.name === request.vm);
    const hint = event === 'grant.opened' ? grantConnectHint(request, vm) : undefined;
    // An open grant's DMs carry its Extend / Revoke now buttons.
    const message = requesterDmMessage(event, request, hint);
    await poster.post('dm', { channel: request.requester, ...message, unfurl_links: false });
  }
}

/** The audit chain's head at the post's event (its own row), for `jit audit verify --against-slack`. */
function chainMetadata(notification: { chain?: ChainLink }): Record<string, string | number> {
  return notification.chain ? { seq: notification.chain.seq, hash: notification.chain.hash } : {};
}

/** A checkpoint's post carries the checkpoint (the head it anchors and the signature); any other event its own row. */
function systemMetadata(notification: Extract<Notification, { kind: 'system' }>): Record<string, string | number> {
  const checkpoint = notification.event.name === 'audit.checkpoint' ? checkpointOfDetail(notification.event.detail) : undefined;
  if (!checkpoint) return chainMetadata(notification);
  return {
    kind: 'checkpoint',
    seq: checkpoint.seq,
    hash: checkpoint.hash,
    alg: checkpoint.alg,
    sig: checkpoint.sig,
    ...(checkpoint.keyId ? { keyId: checkpoint.keyId } : {}),
  };
}
