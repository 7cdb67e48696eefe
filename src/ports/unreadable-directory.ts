// A directory that cannot read user groups: the `jit` CLI's when it has no
// SLACK_BOT_TOKEN. Answering "nobody is in any group" would decide differently
// from the bot (a `requesters: [S…]` rule would not match) and store that
// decision; so a question that needs a group is refused instead, before
// anything is stored, and the CLI turns the refusal into exit 2.
//
// `assuming` answers membership questions with a fixed guess for the length of
// one call: the CLI asks what the rules decide if the requester is in none of
// the groups and if they are in all of them; when both are the same rule the
// membership cannot matter (matching only ever gains from a group), and the
// request goes ahead.

import type { Directory } from './directory.js';

/** A decision needed group membership this directory cannot read. */
export class GroupsUnreadable extends Error {}

export const GROUPS_WAY_OUT =
  'the CLI reads user groups only through Slack: set SLACK_BOT_TOKEN as the bot has it (and SLACK_API_URL if the bot sets one), or do this in Slack';

export class UnreadableDirectory implements Directory {
  private guess: 'none' | 'all' | undefined;
  /** The groups asked about since the last `assuming` began. */
  readonly asked = new Set<string>();

  async groupsOf(user: string, groups: string[]): Promise<string[]> {
    if (groups.length === 0) return [];
    for (const group of groups) this.asked.add(group);
    if (this.guess === 'none') return [];
    if (this.guess === 'all') return [...groups];
    throw new GroupsUnreadable(`deciding this needs to know whether ${user} is in user group ${groups.join(' or ')}; ${GROUPS_WAY_OUT}`);
  }

  /** Listing members is never guessed: approval messages go to them. */
  async membersOf(group: string): Promise<string[]> {
    throw new GroupsUnreadable(`deciding this needs the members of user group ${group}; ${GROUPS_WAY_OUT}`);
  }

  async assuming<T>(guess: 'none' | 'all', run: () => Promise<T>): Promise<T> {
    this.guess = guess;
    this.asked.clear();
    try {
      return await run();
    } finally {
      this.guess = undefined;
    }
  }
}
