// Small pieces of English shared by the rule engine's sentences, so a trace
// row, a refusal and an explain reply name people and lists the same way.

/** "U1 or a member of S1": Slack user-group IDs start with S, everything else is a user. */
export function describePrincipals(ids: readonly string[]): string {
  const groups = ids.filter(isGroupId);
  const users = ids.filter((id) => !isGroupId(id));
  const parts = [...users];
  if (groups.length > 0) parts.push(`a member of ${orList(groups)}`);
  return orList(parts);
}

export function isGroupId(id: string): boolean {
  return id.startsWith('S');
}

/** "a", "a or b", "a, b or c"; "nothing listed" for an empty list (which matches nothing). */
export function orList(items: readonly string[]): string {
  if (items.length === 0) return 'nothing listed';
  if (items.length === 1) return items[0] as string;
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
