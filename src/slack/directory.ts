// Slack user groups for authorisation, read with usergroups.users.list and kept
// for a short time. A lookup that fails counts as "not a member": fail closed.

import type { Logger } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Clock, Directory } from '../workflow/ports.js';

const DEFAULT_TTL_MS = 5 * 60_000;

export class SlackDirectory implements Directory {
  private readonly cache = new Map<string, { members: string[]; until: number }>();

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
        if ((await this.membersOf(group)).includes(user)) memberOf.push(group);
      } catch (error) {
        this.logger.warn(`user group ${group} could not be read; treating ${user} as not a member:`, error);
      }
    }
    return memberOf;
  }

  async membersOf(group: string): Promise<string[]> {
    const cached = this.cache.get(group);
    if (cached && cached.until > this.clock.now()) return cached.members;
    const result = await this.client.usergroups.users.list({ usergroup: group });
    const members = result.users ?? [];
    this.cache.set(group, { members, until: this.clock.now() + this.ttlMs });
    return members;
  }
}

/** A directory with fixed groups, for tests and the CLI. */
export class StaticDirectory implements Directory {
  constructor(private readonly groups: Record<string, string[]> = {}) {}

  async groupsOf(user: string, groups: string[]): Promise<string[]> {
    return groups.filter((group) => this.groups[group]?.includes(user));
  }

  async membersOf(group: string): Promise<string[]> {
    return this.groups[group] ?? [];
  }
}
