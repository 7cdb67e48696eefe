import { describe, it, expect } from 'vitest';
import { OPEN_STATES, TERMINAL_STATES, assertTransition, canTransition, isTerminal } from '../../src/domain/lifecycle.js';
import { isJitError } from '../../src/domain/errors.js';
import type { RequestState } from '../../src/domain/types.js';

const ALL_STATES: RequestState[] = ['pending', 'approved', 'active', 'closing', 'closed', 'denied', 'cancelled', 'timed_out', 'failed'];

const ALLOWED: [RequestState, RequestState, string][] = [
  ['pending', 'approved', 'enough approvals arrived'],
  ['pending', 'denied', 'an approver or a rule denied'],
  ['pending', 'cancelled', 'the requester cancelled'],
  ['pending', 'timed_out', 'nobody decided in time'],
  ['approved', 'active', 'the backend opened the port'],
  ['approved', 'failed', 'the backend could not open the port'],
  ['approved', 'closing', 'revoked or expired before the backend opened'],
  ['approved', 'closed', 'an approved extension was applied to its original (it holds no grant)'],
  ['active', 'closing', 'end time reached or revoked'],
  ['closing', 'closed', 'the backend confirmed the close'],
];

describe('canTransition', () => {
  it.each(ALLOWED)('%s_to_%s_isAllowed (%s)', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  const forbidden: [RequestState, RequestState, string][] = [
    ['pending', 'active', 'nothing opens without approval'],
    ['pending', 'closed', 'a pending request has nothing to close'],
    ['pending', 'failed', 'nothing was attempted yet'],
    ['approved', 'pending', 'approvals are not withdrawn'],
    ['active', 'closed', 'never closed before the backend says so'],
    ['active', 'approved', 'no way back'],
    ['active', 'failed', 'an open grant that breaks is closed, not failed'],
    ['closing', 'active', 'a closing grant is not reopened'],
    ['closing', 'closing', 'a retry is not a transition'],
    ['closed', 'active', 'terminal'],
    ['denied', 'approved', 'terminal'],
    ['cancelled', 'pending', 'terminal'],
    ['timed_out', 'approved', 'terminal'],
    ['failed', 'active', 'terminal'],
  ];
  it.each(forbidden)('%s_to_%s_isRefused (%s)', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('everyPairNotListed_isRefused', () => {
    for (const from of ALL_STATES) {
      for (const to of ALL_STATES) {
        const listed = ALLOWED.some(([f, t]) => f === from && t === to);
        expect(canTransition(from, to), `${from} -> ${to}`).toBe(listed);
      }
    }
  });
});

describe('state sets', () => {
  const rows: { state: RequestState; terminal: boolean; open: boolean }[] = [
    { state: 'pending', terminal: false, open: false },
    { state: 'approved', terminal: false, open: true },
    { state: 'active', terminal: false, open: true },
    { state: 'closing', terminal: false, open: true },
    { state: 'closed', terminal: true, open: false },
    { state: 'denied', terminal: true, open: false },
    { state: 'cancelled', terminal: true, open: false },
    { state: 'timed_out', terminal: true, open: false },
    { state: 'failed', terminal: true, open: false },
  ];
  it.each(rows)('$state_isTerminal_$terminal_isOpen_$open', ({ state, terminal, open }) => {
    expect(isTerminal(state)).toBe(terminal);
    expect(TERMINAL_STATES.includes(state)).toBe(terminal);
    expect(OPEN_STATES.includes(state)).toBe(open);
  });

  it('terminalStates_haveNoWayOut', () => {
    for (const from of TERMINAL_STATES) {
      for (const to of ALL_STATES) expect(canTransition(from, to)).toBe(false);
    }
  });
});

describe('assertTransition', () => {
  it('allowedTransition_returnsQuietly', () => {
    expect(() => assertTransition('pending', 'approved', 'ab23cd')).not.toThrow();
  });

  it('forbiddenTransition_throwsWrongStateNamingTheRequest', () => {
    let caught: unknown;
    try {
      assertTransition('closed', 'active', 'ab23cd');
    } catch (error) {
      caught = error;
    }
    expect(isJitError(caught, 'jit_wrong_state')).toBe(true);
    expect((caught as Error).message).toBe('request ab23cd is closed and cannot become active');
  });
});
