import { describe, expect, it } from 'vitest';
import { isJitError, JitError } from '../../src/domain/errors.js';
import { plainText } from '../../src/domain/message.js';
import { refusalToError, refuse } from '../../src/domain/errors.js';
import { REFUSAL_CODES, refusal, refusalError, refusalMessage } from '../../src/domain/refusals.js';
import { ACCESS_REFUSALS } from '../../src/domain/refusals/access.js';
import { DECIDE_REFUSALS } from '../../src/domain/refusals/decide.js';
import { END_REFUSALS } from '../../src/domain/refusals/end.js';
import { EXTEND_REFUSALS } from '../../src/domain/refusals/extend.js';
import { CATEGORY, SAMPLES, sample } from '../support/refusal-samples.js';

describe('the catalogue', () => {
  it('catalogue_everyCode_hasASampleAndACategory', () => {
    expect([...REFUSAL_CODES].sort()).toEqual(Object.keys(SAMPLES).sort());
    expect([...REFUSAL_CODES].sort()).toEqual(Object.keys(CATEGORY).sort());
  });

  it('catalogue_parts_neverReuseACode', () => {
    const parts = [ACCESS_REFUSALS, DECIDE_REFUSALS, END_REFUSALS, EXTEND_REFUSALS].flatMap((part) => Object.keys(part));
    expect(new Set(parts).size).toBe(parts.length);
    expect(REFUSAL_CODES).toHaveLength(parts.length);
  });

  it.each(REFUSAL_CODES)('refusalError_%s_isItsCategory', (code) => {
    expect(refusalError(sample(code))).toBe(CATEGORY[code]);
  });

  it.each(REFUSAL_CODES)('refusalMessage_%s_isOneSentenceEndingInAFullStop', (code) => {
    const text = plainText(refusalMessage(sample(code)));
    expect(text.length).toBeGreaterThan(10);
    expect(text).toMatch(/\.$/);
  });

  it('refusal_paramsOfAnotherCode_doNotTypeCheck', () => {
    // @ts-expect-error: not_found takes an id, not readers.
    const wrong = refusal('not_found', { readers: [] });
    // @ts-expect-error: already_decided needs the state.
    const missing = refusal('already_decided', { id: 'abc123' });
    expect([wrong.code, missing.code]).toEqual(['not_found', 'already_decided']);
  });

  it('refusal_isPlainData_thatSurvivesJson', () => {
    const r = refusal('extend_denied', { id: 'abc123', totalSeconds: 14_400, reasons: ['more than 2h needs a change ticket'] });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    expect(refusalMessage(JSON.parse(JSON.stringify(r)))).toEqual(refusalMessage(r));
  });
});

describe('refuse', () => {
  it('refuse_givesAJitErrorCarryingTheRefusal', () => {
    const error = refuse('already_decided', { id: 'abc123', state: 'denied', decidedBy: 'UAPPROVER2' });
    expect(error).toBeInstanceOf(JitError);
    expect(isJitError(error, 'jit_wrong_state')).toBe(true);
    expect(error.refusal).toEqual({ code: 'already_decided', params: { id: 'abc123', state: 'denied', decidedBy: 'UAPPROVER2' } });
    expect(error.reason).toEqual(['Request #abc123 was not changed: it is already denied (by ', { user: 'UAPPROVER2' }, ').']);
  });

  it('refuse_message_isThePlainTextForLogs', () => {
    const error = refuse('deny_own_request', { id: 'k7m2qp' });
    expect(error.message).toBe('You cannot deny your own request #k7m2qp: use `jit cancel k7m2qp` to withdraw it.');
    expect(error.code).toBe('jit_not_allowed');
  });

  it('refusalToError_ofASample_isTheSameAsRefuse', () => {
    const r = sample('not_found');
    expect(refusalToError(r).reason).toEqual(refuse('not_found', SAMPLES.not_found).reason);
  });
});
