import { afterEach, describe, expect, it } from 'vitest';
import type { Rule } from '../../src/domain/types.js';
import { StaticOnCall } from '../../src/ports/on-call.js';
import { createHarness, policyOf, type Harness } from '../support/workflow-harness.js';

// The workflow asks the on-call port only when a rule with `match.onCall` could
// decide, hands the answers to the rule engine, and fails closed without a port.

let h: Harness;
afterEach(() => h?.cleanup());

const ON_CALL: Rule = {
  name: 'oncall-ssh',
  match: { ports: [22], maxDurationSeconds: 3600, requesters: ['S0SRE'], onCall: { pagerduty: { schedules: ['PABC123'] } } },
  effect: 'approve',
};
const FALLBACK: Rule = { name: 'needs-approval', match: {}, effect: 'require_approval' };

function withOnCall(rules: Rule[], onCall: StaticOnCall | undefined): Harness {
  const harness = createHarness({ policy: policyOf({ rules }), groups: { S0SRE: ['UREQ'] } });
  if (onCall) harness.ctx.onCall = onCall;
  return harness;
}

describe('on-call conditions in the workflow', () => {
  it('request_onCallAndInTheGroup_isApprovedByTheRule', async () => {
    const port = new StaticOnCall({ 'PagerDuty schedule PABC123': ['UREQ'] });
    h = withOnCall([ON_CALL, FALLBACK], port);
    const result = await h.workflow.request(h.input({ duration: '1h' }));
    expect(result.ok && result.request.decision.matchedRule).toBe('oncall-ssh');
    expect(result.ok && result.request.state).toBe('active');
    expect(port.asked).toEqual([{ user: 'UREQ', where: ON_CALL.match.onCall }]);
  });

  it('request_theRuleCannotHoldAnyway_asksNothing', async () => {
    const port = new StaticOnCall({ 'PagerDuty schedule PABC123': ['UREQ'] });
    h = withOnCall([ON_CALL, FALLBACK], port);
    await h.workflow.request(h.input({ duration: '2h' }));
    await h.workflow.request(h.input({ requester: 'UOTHER', duration: '1h' }));
    expect(port.asked).toEqual([]);
  });

  it('request_anEarlierRuleDecides_asksNothing', async () => {
    const port = new StaticOnCall();
    h = withOnCall([{ name: 'first', match: {}, effect: 'require_approval' }, ON_CALL], port);
    await h.workflow.request(h.input({ duration: '1h' }));
    expect(port.asked).toEqual([]);
  });

  it('request_serviceDown_needsApproval_andTheReasonSaysWhy', async () => {
    h = withOnCall([ON_CALL, FALLBACK], new StaticOnCall({ 'PagerDuty schedule PABC123': ['UREQ'] }, { PagerDuty: 'PagerDuty answered HTTP 500' }));
    const result = await h.workflow.request(h.input({ duration: '1h' }));
    expect(result.ok && result.request.state).toBe('pending');
    expect(result.ok && result.request.decision.reasons).toContain('PagerDuty answered HTTP 500: the on-call condition of rule oncall-ssh does not hold');
  });

  it('explain_withoutAnOnCallPort_failsClosed_andSaysSo', async () => {
    h = withOnCall([ON_CALL, FALLBACK], undefined);
    const result = await h.workflow.explain(h.input({ duration: '1h' }));
    expect(result.ok && result.decision.matchedRule).toBe('needs-approval');
    expect(result.ok && result.lines.map((line) => line.join(''))).toContain(
      'rule oncall-ssh did not match: on-call lookups are not set up in this process: the on-call condition of rule oncall-ssh does not hold',
    );
  });

  it('extend_onCall_isApprovedByTheRuleLikeANewRequest', async () => {
    // An extension is judged on the whole span from the original start: 30 min + 30 min fits the rule's 1 h.
    const port = new StaticOnCall({ 'PagerDuty schedule PABC123': ['UREQ'] });
    h = withOnCall([ON_CALL, FALLBACK], port);
    const result = await h.workflow.request(h.input({ duration: '30m' }));
    if (!result.ok) throw new Error('refused');
    const extended = await h.workflow.extend(result.request.id, 'UREQ', { duration: '30m' });
    expect(extended.request.state).toBe('active');
    expect(extended.request.endAt).toBe((result.request.endAt ?? 0) + 30 * 60_000);
    expect(port.asked).toHaveLength(2);
  });
});
