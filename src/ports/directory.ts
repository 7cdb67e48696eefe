// Who is in which user group, as far as authorisation needs it. The Slack
// adapter reads user groups from Slack (slack/directory.ts); the twin below
// has fixed groups, for tests (a CLI without a Slack token uses ports/unreadable-directory.ts: it refuses a decision that needs groups).

export interface Directory {
  /** Which of `groups` (user-group IDs) the user belongs to. */
  groupsOf(user: string, groups: string[]): Promise<string[]>;
  /** Members of one user group. */
  membersOf(group: string): Promise<string[]>;
}

/** The in-memory twin: fixed groups; nobody is in a group it does not list. */
export class StaticDirectory implements Directory {
  constructor(private readonly groups: Record<string, string[]> = {}) {}

  async groupsOf(user: string, groups: string[]): Promise<string[]> {
    return groups.filter((group) => this.groups[group]?.includes(user));
  }

  async membersOf(group: string): Promise<string[]> {
    return this.groups[group] ?? [];
  }
}
