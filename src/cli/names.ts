// People and user groups by name in the CLI's human output (`@alice`, `@sre`),
// read from Slack when SLACK_BOT_TOKEN is set: users.info per user, one
// usergroups.list for the groups. Each name is looked up once per run, with a
// short timeout; a lookup that fails leaves the ID, and after the first that
// cannot reach Slack no more are tried: a name never fails or stalls a command.
// Without a token, and in --json output, IDs stay as they are.

import { isGroupId } from '../domain/wording.js';

export interface Names {
  /** Looks up the names of these user and group IDs that are not known yet; never rejects. */
  learn(ids: Iterable<string>): Promise<void>;
  /** `@name` once learned, else the ID itself. */
  of(id: string): string;
}

/** IDs as they are. */
export const IDS: Names = { learn: async () => {}, of: (id) => id };

const CALL_TIMEOUT_MS = 2000;
const PARALLEL = 8;
const SLACK_ID = /^[UWS][A-Z0-9]{2,}$/;

export function namesFor(env: NodeJS.ProcessEnv, fetchImpl: typeof fetch = fetch): Names {
  const token = env.SLACK_BOT_TOKEN?.trim();
  if (!token) return IDS;
  const base = (env.SLACK_API_URL?.trim() || 'https://slack.com/api/').replace(/\/?$/, '/');
  const known = new Map<string, string>();
  const tried = new Set<string>();
  let reachable = true;
  let groupsRead = false;

  async function call(method: string, args: Record<string, string>): Promise<Record<string, unknown> | undefined> {
    if (!reachable) return undefined;
    try {
      const response = await fetchImpl(`${base}${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(args).toString(),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      const body = (await response.json()) as Record<string, unknown>;
      return body.ok === true ? body : undefined;
    } catch {
      reachable = false;
      return undefined;
    }
  }

  async function learnUser(id: string): Promise<void> {
    const user = (await call('users.info', { user: id }))?.user as { name?: string; profile?: { display_name?: string; real_name?: string } } | undefined;
    const name = user?.profile?.display_name || user?.name || user?.profile?.real_name;
    if (name) known.set(id, `@${name}`);
  }

  async function learnGroups(): Promise<void> {
    groupsRead = true;
    const groups = (await call('usergroups.list', {}))?.usergroups;
    if (!Array.isArray(groups)) return;
    for (const group of groups as { id?: unknown; handle?: unknown }[]) {
      if (typeof group.id === 'string' && typeof group.handle === 'string' && group.handle !== '') known.set(group.id, `@${group.handle}`);
    }
  }

  return {
    async learn(ids) {
      const fresh = [...new Set(ids)].filter((id) => SLACK_ID.test(id) && !tried.has(id));
      for (const id of fresh) tried.add(id);
      const users = fresh.filter((id) => !isGroupId(id));
      const work: Promise<void>[] = [];
      if (!groupsRead && fresh.some(isGroupId)) work.push(learnGroups());
      let next = 0;
      const worker = async () => {
        while (next < users.length) await learnUser(users[next++]!);
      };
      for (let i = 0; i < Math.min(PARALLEL, users.length); i++) work.push(worker());
      await Promise.all(work);
    },
    of: (id) => known.get(id) ?? id,
  };
}
