// The one write path: a change the lifecycle does not allow is a bug that
// throws before anything is written; a lost race writes nothing and runs no
// hook; a written change wakes the outbox and arms or drops the grant's timers.

import { afterEach, describe, expect, it } from 'vitest';
import { auditEvent, decided } from '../../src/domain/change.js';
import { created, initialRequest } from '../../src/domain/changes/create.js';
import { approval } from '../../src/domain/changes/decide.js';
import { opened } from '../../src/domain/changes/grant.js';
import { isJitError } from '../../src/domain/errors.js';
import type { AccessRequest } from '../../src/domain/types.js';
import { commit, insert } from '../../src/workflow/commit.js';
import { createHarness, type Harness } from '../support/workflow-harness.js';

let h: Harness;
afterEach(() => h?.cleanup());

interface Heard {
  notified: number;
  activated: string[];
  ended: string[];
}

function listening(harness: Harness): Heard {
  const heard: Heard = { notified: 0, activated: [], ended: [] };
  harness.ctx.listener = {
    notified: () => heard.notified++,
    activated: (request) => heard.activated.push(request.id),
    ended: (request) => heard.ended.push(request.id),
  };
  return heard;
}

async function pending(harness: Harness): Promise<AccessRequest> {
  const result = await harness.workflow.request(harness.input());
  if (!result.ok || result.request.state !== 'pending') throw new Error('expected a pending request');
  return result.request;
}

async function written(harness: Harness, id: string) {
  return {
    request: await harness.store.getRequest(id),
    events: (await harness.store.auditEvents(id)).length,
    outbox: (await harness.store.pendingOutbox(1000)).length,
  };
}

async function thrown(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('commit', () => {
  it('commit_aTransitionTheLifecycleForbids_throwsWrongState_andWritesNothing', async () => {
    h = createHarness();
    const request = await pending(h);
    const before = await written(h, request.id);
    const heard = listening(h);

    // Opening a grant nobody approved: pending → active is not in the table.
    const error = await thrown(commit(h.ctx, request, opened(request, h.clock.now(), h.clock.now() + 60_000)));

    expect(isJitError(error, 'jit_wrong_state')).toBe(true);
    expect((error as Error).message).toMatch(/grant\.opened cannot happen now/);
    expect(await written(h, request.id)).toEqual(before);
    expect(heard).toEqual({ notified: 0, activated: [], ended: [] });
  });

  it('commit_anEventThatDoesNotMatchTheNewState_throws', async () => {
    h = createHarness();
    const request = await pending(h);
    // An approval event that claims the request became denied.
    const change = decided({ ...request, state: 'denied' }, 'request.approval_added', 'UAPPROVER1', h.clock.now());
    await expect(commit(h.ctx, request, change)).rejects.toThrow(/request\.approval_added cannot make it denied/);
    expect((await h.store.getRequest(request.id))?.state).toBe('pending');
  });

  it('commit_aChangeWithoutAnAuditEvent_throws', async () => {
    h = createHarness();
    const request = await pending(h);
    await expect(commit(h.ctx, request, { next: { ...request, remindedAt: 1 }, events: [], notifications: [] })).rejects.toThrow(/without an audit event/);
  });

  it('commit_aChangeThatTurnsItIntoAnotherRequest_throws', async () => {
    h = createHarness();
    const request = await pending(h);
    const change = approval(request, 'UAPPROVER1', h.clock.now());
    await expect(commit(h.ctx, request, { ...change, next: { ...change.next, id: 'zzzzzz' } })).rejects.toThrow(/another request/);
  });

  it('commit_lostTheRace_resolvesUndefined_writesNothing_andRunsNoHook', async () => {
    h = createHarness();
    const request = await pending(h);
    await h.workflow.approve(request.id, 'UAPPROVER1');
    const before = await written(h, request.id);
    const heard = listening(h);

    // A second approver decided on the stale copy: the compare-and-swap refuses it.
    expect(await commit(h.ctx, request, approval(request, 'UAPPROVER2', h.clock.now()))).toBeUndefined();

    expect(await written(h, request.id)).toEqual(before);
    expect(heard).toEqual({ notified: 0, activated: [], ended: [] });
  });

  it('commit_written_wakesTheOutbox_armsTheTimersOfAnOpenedGrant_andDropsThemAtTheEnd', async () => {
    h = createHarness();
    const request = await pending(h);
    const heard = listening(h);

    const approved = await commit(h.ctx, request, approval(request, 'UAPPROVER1', h.clock.now()));
    expect(approved?.state).toBe('approved');
    expect(heard).toEqual({ notified: 1, activated: [], ended: [] });

    const active = await commit(h.ctx, approved!, opened(approved!, h.clock.now(), h.clock.now() + 60_000));
    expect(active?.state).toBe('active');
    expect(heard).toEqual({ notified: 2, activated: [request.id], ended: [] });

    await h.workflow.revoke(request.id, 'UREQ');
    expect(heard.ended).toEqual([request.id]);
  });
});

describe('insert', () => {
  it('insert_aRequestThatStartsOpen_isABug_andStoresNothing', async () => {
    h = createHarness();
    const draft = { requester: 'UREQ', vm: 'web-1', ports: [{ number: 22, protocol: 'TCP' as const }], source: '*', durationSeconds: 60, justification: '' };
    const decision = { effect: 'approve' as const, approvalsNeeded: 0, approvers: [], matchedRule: 'auto', reasons: ['ok'] };
    const request: AccessRequest = {
      ...initialRequest('abc234', draft, decision, { vmId: 'web-1', address: '10.0.0.4', backend: 'memory' }, 0),
      state: 'active',
    };
    await expect(insert(h.ctx, [created(request, 0, [])])).rejects.toThrow(/cannot start active/);
    expect(await h.store.getRequest('abc234')).toBeUndefined();
  });

  it('insert_withAnEventOtherThanItsCreation_isABug', async () => {
    h = createHarness();
    const draft = { requester: 'UREQ', vm: 'web-1', ports: [{ number: 22, protocol: 'TCP' as const }], source: '*', durationSeconds: 60, justification: '' };
    const decision = { effect: 'require_approval' as const, approvalsNeeded: 1, approvers: ['UAPPROVER1'], matchedRule: null, reasons: [] };
    const request = initialRequest('abc234', draft, decision, { vmId: 'web-1', address: '10.0.0.4', backend: 'memory' }, 0);
    const item = created(request, 0, []);
    await expect(insert(h.ctx, [{ ...item, events: [...item.events, auditEvent('grant.opened', request, 'system', 0)] }])).rejects.toThrow(/only its creation/);
    expect(await h.store.getRequest('abc234')).toBeUndefined();
  });
});
