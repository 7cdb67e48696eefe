// Slack user groups for authorisation, read with usergroups.users.list and kept
// for a short time (TTL). A user not found in a cached list triggers a refresh
// (at most one per group every MISS_REFRESH_MS), so someone just added to a group
// can act at once; someone removed loses the right at the next refresh.
// A lookup that fails counts as "not a member": fail closed.
//
// It also gives on-call rules (oncall/service.ts) a user's e-mail address, read
// with users.info (the users:read.email scope) and kept as long; a failed lookup
// is not kept, and says why in a sentence. And it tells the REST API whether a
// token's owner is still an active member (users.info `deleted`): an active
// answer is kept a minute, a deactivated one for good, a failure not at all.

import type { Logger } from '../ports/logger.js';
import type { WebClient } from '@slack/web-api';
import type { Clock } from '../ports/clock.js';
import type { Directory } from '../ports/directory.js';
import type { AccountAnswer, UserAccounts } from '../ports/api-tokens.js';
import type { EmailAnswer, UserEmails } from '../ports/on-call.js';

const DEFAULT_TTL_MS = 5 * 60_000;
const MISS_REFRESH_MS = 30_000;
/** How long an "active" answer stands: a member deactivated in Slack loses API access within it. */
export const ACCOUNT_TTL_MS = 60_000;

export class SlackDirectory implements Directory, UserEmails, UserAccounts {
  private readonly cache = new Map<string, { members: string[]; until: number; fetchedAt: number }>();
  private readonly emails = new Map<string, { email: string; until: number }>();
  private readonly accounts = new Map<string, { answer: 'active' | 'deactivated'; until: number }>();

  constructor(
    private readonly client: WebClient,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly ttlMs = DEFAULT_TTL_MS,
  ) {}

  async groupsOf(user: string, groups: string[]): Promise<string[]> {
    const memberOf: string[] = [];
    for (const group of groups) {
      try {
        let members = await this.membersOf(group);
        const cached = this.cache.get(group);
        if (!members.includes(user) && cached && this.clock.now() - cached.fetchedAt >= MISS_REFRESH_MS) {
          members = await this.fetch(group);
        }
        if (members.includes(user)) memberOf.push(group);
      } catch (error) {
        this.logger.warn(`user group ${group} could not be read; treating ${user} as not a member:`, error);
      }
    }
    return memberOf;
  }

  async membersOf(group: string): Promise<string[]> {
    const cached = this.cache.get(group);
    if (cached && cached.until > this.clock.now()) return cached.members;
    return this.fetch(group);
  }

  private async fetch(group: string): Promise<string[]> {
    const result = await this.client.usergroups.users.list({ usergroup: group });
    const members = result.users ?? [];
    const now = this.clock.now();
    this.cache.set(group, { members, until: now + this.ttlMs, fetchedAt: now });
    return members;
  }

  async accountOf(user: string): Promise<AccountAnswer> {
    const cached = this.accounts.get(user);
    if (cached && cached.until > this.clock.now()) return cached.answer;
    let deleted: unknown;
    try {
      deleted = (await this.client.users.info({ user })).user?.deleted;
    } catch (error) {
      const code = (error as { data?: { error?: unknown } }).data?.error;
      // Not a user of this workspace (any more): nobody to act as.
      if (code === 'user_not_found') return this.keepAccount(user, 'deactivated');
      this.logger.warn(`users.info for ${user} failed; their API calls are refused until it answers:`, error);
      return { unknown: `Slack could not say whether ${user} is still a member (${typeof code === 'string' ? code : 'users.info failed'})` };
    }
    return this.keepAccount(user, deleted === true ? 'deactivated' : 'active');
  }

  private keepAccount(user: string, answer: 'active' | 'deactivated'): AccountAnswer {
    this.accounts.set(user, { answer, until: answer === 'active' ? this.clock.now() + ACCOUNT_TTL_MS : Number.POSITIVE_INFINITY });
    return answer;
  }

  async emailOf(user: string): Promise<EmailAnswer> {
    const cached = this.emails.get(user);
    if (cached && cached.until > this.clock.now()) return { ok: true, email: cached.email };
    let email: unknown;
    try {
      const result = await this.client.users.info({ user });
      email = result.user?.profile?.email;
    } catch (error) {
      const code = (error as { data?: { error?: unknown } }).data?.error;
      this.logger.warn(`users.info for ${user} failed; on-call conditions do not hold for them:`, error);
      if (code === 'missing_scope')
        return {
          ok: false,
          problem: 'Slack does not give the bot e-mail addresses (missing_scope): add the users:read.email scope to the app and reinstall it',
        };
      return {
        ok: false,
        problem: `Slack could not say who ${user} is (${typeof code === 'string' ? code : 'users.info failed'}), so their e-mail address is unknown`,
      };
    }
    if (typeof email !== 'string' || email.trim() === '')
      return { ok: false, problem: `Slack has no e-mail address for ${user}, so they cannot be found in an on-call schedule` };
    this.emails.set(user, { email: email.trim(), until: this.clock.now() + this.ttlMs });
    return { ok: true, email: email.trim() };
  }
}
