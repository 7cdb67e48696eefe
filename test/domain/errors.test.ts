import { describe, expect, it } from 'vitest';
import { isJitError, JitError } from '../../src/domain/errors.js';
import { command, msg, user } from '../../src/domain/message.js';

describe('JitError', () => {
  it('jitError_fromAString_keepsItsMessageAndMakesItTheOnlyPart', () => {
    const error = new JitError('jit_backend_failed', 'the firewall <refused> & gave up');
    expect(error.message).toBe('the firewall <refused> & gave up');
    expect(error.reason).toEqual(['the firewall <refused> & gave up']);
    expect(error.code).toBe('jit_backend_failed');
    expect(error.name).toBe('JitError');
    expect('refusal' in error).toBe(false);
    expect(isJitError(error, 'jit_backend_failed')).toBe(true);
  });

  it('jitError_keepsItsCause_andHasNoneWhenNotGiven', () => {
    expect(new JitError('jit_store_failed', 'could not store the request', { cause: 'duplicate_id' }).cause).toBe('duplicate_id');
    expect('cause' in new JitError('jit_store_failed', 'x')).toBe(false);
  });

  it('jitError_fromAMessage_logsItsPlainText', () => {
    const error = new JitError('jit_not_allowed', msg`Ask ${user('U1')} or use ${command('jit list')}.`);
    expect(error.message).toBe('Ask U1 or use `jit list`.');
    expect(error.reason).toEqual(['Ask ', { user: 'U1' }, ' or use ', { command: 'jit list' }, '.']);
  });

  it('isJitError_ofAnotherError_isFalse', () => {
    expect(isJitError(new Error('x'))).toBe(false);
    expect(isJitError(new JitError('jit_not_found', 'x'), 'jit_wrong_state')).toBe(false);
  });
});
