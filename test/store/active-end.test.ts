// The timers' lean read of an active request: a row stored before requests had
// kinds must read as the kind `withKind` gives it, or the overdue watch (which
// acts on grants only) would pass over an old grant and leave its port open.

import { describe, expect, it } from 'vitest';
import { activeEndOf } from '../../src/ports/store.js';

describe('activeEndOf', () => {
  it('rowWithoutKind_andNoExtends_readsAsAGrant', () => {
    expect(activeEndOf({ id: 'old001', kind: null, extends: null, state: 'active', endAt: '3000', startAt: null, expiryWarnedFor: null })).toEqual({
      id: 'old001',
      kind: 'grant',
      state: 'active',
      endAt: 3000,
    });
  });

  it('rowWithoutKind_thatExtendsAnother_readsAsAnExtension', () => {
    expect(activeEndOf({ id: 'old002', kind: null, extends: 'old001', state: 'active', endAt: 3000 }).kind).toBe('extension');
  });

  it('numbersReadAsText_areNumbers', () => {
    expect(activeEndOf({ id: 'new001', kind: 'grant', extends: null, state: 'active', endAt: '3000', startAt: '100', expiryWarnedFor: '3000' })).toEqual({
      id: 'new001',
      kind: 'grant',
      state: 'active',
      endAt: 3000,
      startAt: 100,
      expiryWarnedFor: 3000,
    });
  });
});
