import { describe, expect, it } from 'vitest';
import { noApproversWarning } from '../../src/domain/policy/checks.js';
import { parsePolicy } from '../../src/domain/policy/parse.js';
import type { Policy } from '../../src/domain/types.js';

const VM = 'virtualMachines:\n  - { id: web-1, ports: [{ number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H }] }\n';

function policy(yaml: string): Policy {
  const parsed = parsePolicy(VM + yaml, 'yaml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.policy;
}

describe('noApproversWarning', () => {
  it('noApprovers_andNoRules_warnsNamingTheFile', () => {
    expect(noApproversWarning(policy(''), 'policy.json')).toBe(
      'the policy has no approvers, so every request that needs approval is denied: add `approvers: [U…]` at the root of policy.json (or rules that approve)',
    );
  });

  it('approversAtTheRoot_noWarning', () => {
    expect(noApproversWarning(policy('approvers: [UAPPROVER1]\n'), 'p.yaml')).toBeUndefined();
  });

  it('aCatchAllRuleThatApproves_leavesNothingForApprovers_noWarning', () => {
    expect(noApproversWarning(policy('rules:\n  - { name: all, match: {}, effect: approve }\n'), 'p.yaml')).toBeUndefined();
  });

  it('rulesThatNameTheirOwnApprovers_thenACatchAll_noWarning', () => {
    const rules =
      'rules:\n  - { name: ssh, match: { ports: [22] }, effect: require_approval, approvers: [UAPPROVER2] }\n  - { name: rest, match: {}, effect: deny }\n';
    expect(noApproversWarning(policy(rules), 'p.yaml')).toBeUndefined();
  });

  it('aRequireApprovalRuleWithoutApprovers_orNoCatchAll_warns', () => {
    expect(noApproversWarning(policy('rules:\n  - { name: ssh, match: { ports: [22] }, effect: approve }\n'), 'p.yaml')).toBeDefined();
    const asksPolicy = 'rules:\n  - { name: all, match: {}, effect: require_approval }\n';
    expect(noApproversWarning(policy(asksPolicy), 'p.yaml')).toBeDefined();
  });
});
