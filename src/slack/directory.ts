// Slack user groups for authorisation, read with usergroups.users.list and kept
// for a short time (TTL). A user not found in a cached list triggers a refresh
// (at most one per group every MISS_REFRESH_MS), so someone just added to a group
// can act at once; someone removed loses the right at the next refresh.
// A lookup that fails counts as "not a member": fail closed.

import type { Logger } from '../ports/logger.js';
import type { WebClient } from '@slack/web-api';
import type { Clock } from '../ports/clock.js';
import type { Directory } from '../ports/directory.js';

const DEFAULT_TTL_MS = 5 * 60_000;
const MISS_REFRESH_MS = 30_000;

export class SlackDirectory implements Directory {
  private readonly cache = new Map<string, { members: string[]; until: number; fetchedAt: number }>();

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
}
