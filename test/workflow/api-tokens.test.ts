// Token use cases on the in-memory twins with a manual clock: create (shown
// once, stored hashed, bounded lifetime and count), list, revoke (owner or
// admin), and authenticate: good, expired, revoked, forged and missing tokens,
// each use recorded before the call acts, and a failed record failing closed.

import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { hashSecret, parseToken } from '../../src/domain/api-token.js';
import type { Notification } from '../../src/domain/notification.js';
import type { SystemEvent } from '../../src/domain/types.js';
import { ManualClock } from '../../src/ports/clock.js';
import { MemoryLogger } from '../../src/ports/logger.js';
import { MemoryApiTokenStore } from '../../src/ports/memory-api-tokens.js';
import { MemoryStore } from '../../src/ports/memory-store.js';
import type { AccountAnswer } from '../../src/ports/api-tokens.js';
import { ApiTokens, MAX_LIVE_TOKENS } from '../../src/workflow/api-tokens.js';

const DAY = 86_400_000;
const CALL = { method: 'GET', path: '/api/v1/policy' };

let clock: ManualClock;
let audit: MemoryStore;
let store: MemoryApiTokenStore;
let logger: MemoryLogger;
let tokens: ApiTokens;
let notified: number;

beforeEach(() => {
  clock = new ManualClock();
  audit = new MemoryStore({ clock });
  store = new MemoryApiTokenStore(audit);
  logger = new MemoryLogger();
  notified = 0;
  tokens = new ApiTokens({
    store,
    clock,
    randomBytes: (n) => randomBytes(n),
    maxDays: 90,
    isAdmin: async (user) => user === 'UADMIN',
    logger,
    notified: () => notified++,
  });
});

const bearer = (token: string) => `Bearer ${token}`;

describe('creating tokens', () => {
  it('create_returnsTheTokenOnce_storesOnlyItsHash_andAudits', async () => {
    const { token, record } = await tokens.create('UOWNER', { name: 'deploy' });
    const parsed = parseToken(token)!;
    expect(parsed.id).toBe(record.id);
    const stored = await store.tokenById(record.id);
    expect(stored?.secretHash).toBe(hashSecret(parsed.secret));
    expect(JSON.stringify(stored)).not.toContain(parsed.secret);
    expect(stored?.expiresAt).toBe(clock.now() + 30 * DAY);
    const events = await audit.systemEvents();
    expect(events).toEqual([
      expect.objectContaining({ name: 'api.token_created', actor: 'UOWNER', detail: expect.stringContaining(`token ${record.id} "deploy"`) }),
    ]);
    expect(JSON.stringify(events)).not.toContain(parsed.secret);
    expect(notified).toBe(1);
  });

  it('create_longerThanTheMaximum_orWithABadName_isRefusedSayingWhatToDo', async () => {
    await expect(tokens.create('UOWNER', { lifetimeSeconds: 91 * 86_400 })).rejects.toThrow('at most 90 days (JIT_API_TOKEN_MAX_DAYS): ask for 90d or less');
    await expect(tokens.create('UOWNER', { name: 'x'.repeat(65) })).rejects.toThrow('at most 64 characters');
    await expect(tokens.create('UOWNER', { name: '<!channel>' })).rejects.toMatchObject({ code: 'jit_input_invalid' });
    expect(await audit.systemEvents()).toEqual([]);
  });

  it('create_pastTheLiveLimit_isRefused_untilOneIsRevoked', async () => {
    const made = [];
    for (let i = 0; i < MAX_LIVE_TOKENS; i++) made.push(await tokens.create('UOWNER'));
    await expect(tokens.create('UOWNER')).rejects.toThrow(/You have 10 API tokens already.*revoke one/);
    await tokens.revoke(made[0]!.record.id, 'UOWNER');
    await expect(tokens.create('UOWNER')).resolves.toBeDefined();
  });
});

describe('revoking tokens', () => {
  it('revoke_byTheOwnerOrAnAdmin_works_bySomeoneElse_isRefused', async () => {
    const a = await tokens.create('UOWNER');
    const b = await tokens.create('UOWNER');
    await expect(tokens.revoke(a.record.id, 'USTRANGER')).rejects.toMatchObject({ code: 'jit_not_allowed' });
    await tokens.revoke(a.record.id, 'UOWNER');
    await tokens.revoke(b.record.id.toUpperCase(), 'UADMIN');
    await expect(tokens.revoke(a.record.id, 'UOWNER')).rejects.toMatchObject({ code: 'jit_wrong_state' });
    await expect(tokens.revoke('nosuchid', 'UOWNER')).rejects.toMatchObject({ code: 'jit_not_found' });
    expect(await tokens.list('UOWNER')).toEqual([]);
    expect((await audit.systemEvents()).filter((e) => e.name === 'api.token_revoked').map((e) => e.actor)).toEqual(['UOWNER', 'UADMIN']);
  });
});

describe('authenticating calls', () => {
  it('good_authenticatesAsTheOwner_recordsTheUseFirst_andMovesLastUse', async () => {
    const { token, record } = await tokens.create('UOWNER');
    clock.advance(1000);
    const result = await tokens.authenticate(bearer(token), CALL);
    expect(result).toMatchObject({ ok: true, token: { id: record.id, owner: 'UOWNER', lastUsedAt: clock.now() } });
    expect((await audit.systemEvents()).at(-1)).toEqual({
      name: 'api.token_used',
      actor: 'UOWNER',
      at: clock.now(),
      detail: `token ${record.id}: GET /api/v1/policy`,
    });
    expect((await store.tokenById(record.id))?.lastUsedAt).toBe(clock.now());
  });

  it('expired_isSaid_afterItsSecretMatched', async () => {
    const { token, record } = await tokens.create('UOWNER', { lifetimeSeconds: 3600 });
    clock.advance(3600_000);
    expect(await tokens.authenticate(bearer(token), CALL)).toEqual({ ok: false, reason: 'expired', tokenId: record.id });
  });

  it('revoked_isSaid', async () => {
    const { token, record } = await tokens.create('UOWNER');
    await tokens.revoke(record.id, 'UOWNER');
    expect(await tokens.authenticate(bearer(token), CALL)).toEqual({ ok: false, reason: 'revoked', tokenId: record.id });
  });

  it('forged_aWrongSecretForARealId_isInvalid_neverExpiredOrRevoked', async () => {
    const { record } = await tokens.create('UOWNER', { lifetimeSeconds: 3600 });
    const forged = `jit_${record.id}_${'A'.repeat(43)}`;
    expect(await tokens.authenticate(bearer(forged), CALL)).toEqual({ ok: false, reason: 'invalid' });
    clock.advance(3600_000);
    expect(await tokens.authenticate(bearer(forged), CALL)).toEqual({ ok: false, reason: 'invalid' });
    await tokens.revoke(record.id, 'UOWNER');
    expect(await tokens.authenticate(bearer(forged), CALL)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('missingOrMalformed_areSaid_andNoFailureIsAudited_butEachIsLogged', async () => {
    const { token } = await tokens.create('UOWNER');
    expect(await tokens.authenticate(undefined, CALL)).toEqual({ ok: false, reason: 'missing' });
    expect(await tokens.authenticate(`Basic ${token}`, CALL)).toEqual({ ok: false, reason: 'malformed' });
    expect(await tokens.authenticate('Bearer xoxb-123', CALL)).toEqual({ ok: false, reason: 'malformed' });
    expect(await tokens.authenticate(`Bearer jit_zzzzzzzz_${'A'.repeat(43)}`, CALL)).toEqual({ ok: false, reason: 'invalid' });
    expect((await audit.systemEvents()).map((e) => e.name)).toEqual(['api.token_created']);
    expect(logger.lines.filter((l) => l.level === 'warn').length).toBe(4);
  });

  it('aUseThatCannotBeRecorded_throws_soTheCallFailsClosed', async () => {
    const failing = new MemoryApiTokenStore({
      recordSystemEvent: async (event: SystemEvent, _notes: Notification[]) => {
        if (event.name === 'api.token_used') throw new Error('disk full');
      },
    });
    const closed = new ApiTokens({ store: failing, clock, randomBytes: (n) => randomBytes(n), maxDays: 90, isAdmin: async () => false, logger });
    const { token, record } = await closed.create('UOWNER');
    await expect(closed.authenticate(bearer(token), CALL)).rejects.toThrow('disk full');
    expect((await failing.tokenById(record.id))?.lastUsedAt).toBeUndefined();
  });
});

describe('a token acts as its owner only while the owner is a member', () => {
  const withAccounts = (answer: AccountAnswer) =>
    new ApiTokens({
      store,
      clock,
      randomBytes: (n) => randomBytes(n),
      maxDays: 90,
      isAdmin: async () => false,
      logger,
      accounts: { accountOf: async (user) => (user === 'UOWNER' ? answer : 'active') },
    });

  it('anOwnerDeactivatedInSlack_isRefused_andTheTokenIsRevokedByTheSystem_audited', async () => {
    const { token, record } = await tokens.create('UOWNER');
    const leaver = withAccounts('deactivated');
    expect(await leaver.authenticate(bearer(token), CALL)).toEqual({ ok: false, reason: 'deactivated', tokenId: record.id });
    expect(await store.tokenById(record.id)).toMatchObject({ revokedBy: 'system', revokedAt: clock.now() });
    const events = await audit.systemEvents();
    expect(events.map((event) => event.name)).toEqual(['api.token_created', 'api.token_revoked']);
    expect(events.at(-1)).toMatchObject({ actor: 'system', detail: expect.stringContaining('its owner is deactivated in Slack') });
    // Revoked for good: even once Slack says otherwise, the token stays revoked.
    expect(await withAccounts('active').authenticate(bearer(token), CALL)).toEqual({ ok: false, reason: 'revoked', tokenId: record.id });
  });

  it('anOwnerSlackCannotConfirm_isRefusedWithoutAnyWrite_andWorksOnceSlackAnswers', async () => {
    const { token, record } = await tokens.create('UOWNER');
    const unsure = withAccounts({ unknown: 'Slack could not say whether UOWNER is still a member (fatal_error)' });
    expect(await unsure.authenticate(bearer(token), CALL)).toEqual({ ok: false, reason: 'unconfirmed', tokenId: record.id });
    expect((await audit.systemEvents()).map((event) => event.name)).toEqual(['api.token_created']);
    expect(await store.tokenById(record.id)).not.toHaveProperty('revokedAt');
    expect(await withAccounts('active').authenticate(bearer(token), CALL)).toMatchObject({ ok: true });
  });
});
