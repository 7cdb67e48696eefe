// `jit request` without SLACK_BOT_TOKEN: the CLI cannot read user groups, so it
// first asks what the rules would decide if the requester were in none of the
// groups they name and if they were in all of them. The same rule either way:
// membership cannot change the decision, and the request is made. Different
// rules: refused (exit 2), nothing stored. A request for several VMs is not
// guessed at: any group question refuses it.

import type { CreateResult, RequestInput } from '../workflow/create-request.js';
import type { AccessWorkflow } from '../workflow/access-workflow.js';
import { GROUPS_WAY_OUT, GroupsUnreadable, type UnreadableDirectory } from '../ports/unreadable-directory.js';

export function requestWithoutGroups(workflow: AccessWorkflow, directory: UnreadableDirectory): (input: RequestInput) => Promise<CreateResult> {
  return async (input) => {
    if (input.vm.includes(',')) return workflow.request(input);
    const none = await directory.assuming('none', () => workflow.explain(input));
    const groups = [...directory.asked];
    if (none.ok && groups.length > 0) {
      const all = await directory.assuming('all', () => workflow.explain(input));
      const rule = (decision: { matchedRule: string | null }) => decision.matchedRule ?? 'the default';
      if (all.ok && rule(all.decision) !== rule(none.decision)) {
        throw new GroupsUnreadable(
          `whether ${input.requester} is in user group ${groups.join(' or ')} decides this request (rule ${rule(all.decision)} if so, ${rule(none.decision)} if not); ${GROUPS_WAY_OUT}`,
        );
      }
    }
    return directory.assuming('none', () => workflow.request(input));
  };
}
