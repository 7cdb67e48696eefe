// Use cases behind the REST API's request routes that the Slack surfaces do
// not have: reading one request (or batch) as a given user, who sees only
// what they are part of, and ending one (withdraw while waiting, revoke once
// open). Creating a request is the workflow's own `request`: same rules,
// approvals, rate limit and audit trail as Slack.

import type { AccessRequest } from '../domain/types.js';
import { batchIdOf } from '../domain/request-kind.js';
import { verdictOf } from './access.js';
import type { AccessWorkflow } from './access-workflow.js';

export class ApiRequests {
  constructor(private readonly workflow: AccessWorkflow) {}

  /**
   * The request `id` (a batch leader's id: every member, leader first) when
   * `user` may see it: its requester, an approver it names (directly or
   * through a user group), an admin, or an audit reader. Undefined otherwise, exactly as
   * for an id that does not exist, so ids cannot be probed.
   */
  async visible(id: string, user: string): Promise<AccessRequest[] | undefined> {
    const request = await this.workflow.ctx.store.getRequest(id);
    if (request === undefined || !(await this.mayRead(user, request))) return undefined;
    if (batchIdOf(request) !== request.id) return [request];
    const members = await this.workflow.batchMembers(request.id);
    return [request, ...members.filter((member) => member.id !== request.id)];
  }

  /** Pending: the requester withdraws it (a batch leader's id: every member still waiting); open: revoked as from Slack. */
  async end(request: AccessRequest, user: string): Promise<void> {
    if (request.state === 'pending') await this.workflow.cancelAll(request.id, user);
    else await this.workflow.revoke(request.id, user);
  }

  private async mayRead(user: string, request: AccessRequest): Promise<boolean> {
    return (await verdictOf(this.workflow.ctx, user, 'view', request)).ok;
  }
}
