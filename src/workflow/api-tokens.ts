// Use cases of REST API tokens: a user creates one in Slack (shown once),
// lists and revokes theirs (an admin may revoke anyone's), and every API call
// authenticates with one. A token acts as its owner; each call is recorded in
// the audit log before it acts, and a call whose record cannot be written is
// refused (fail closed).

import { formatToken, hashSecret, newTokenId, newTokenSecret, normaliseTokenId, parseToken, secretMatches, TOKEN_NAME_MAX } from '../domain/api-token.js';
import { type ApiToken, tokenCreatedEvent, tokenLabel, tokenRevokedEvent, tokenStatus, tokenUsedEvent } from '../domain/api-token-record.js';
import { formatUtc } from '../domain/duration.js';
import { JitError } from '../domain/errors.js';
import type { ApiTokenStore, UserAccounts } from '../ports/api-tokens.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';

/** A token's lifetime when its creator names none (or the longest allowed, when that is shorter). */
export const DEFAULT_TOKEN_DAYS = 30;
/** Live tokens one user may have: enough for a few scripts, few enough to keep track of. */
export const MAX_LIVE_TOKENS = 10;
/** Fresh ids tried before a store that keeps reporting collisions is given up on. */
const ID_ATTEMPTS = 8;
const DAY_MS = 86_400_000;
// Letters, digits and a little punctuation: a name shows in Slack, logs and CSV.
const NAME_PATTERN = /^[\p{L}\p{N} ._:/@+#()-]*$/u;

export interface ApiTokensDeps {
  store: ApiTokenStore;
  clock: Clock;
  randomBytes: (size: number) => Uint8Array;
  /** JIT_API_TOKEN_MAX_DAYS. */
  maxDays: number;
  /** JIT_ADMINS or the policy's admins name the user (the workflow's isAdmin). */
  isAdmin: (user: string) => Promise<boolean>;
  /** Whether a token's owner is still an active member; absent: not asked (tests of other things). */
  accounts?: UserAccounts;
  logger: Logger;
  /** Outbox rows were written (the audit-channel post): wake the delivery worker. */
  notified?: () => void;
}

export interface NewToken {
  /** The whole token, `jit_<id>_<secret>`: shown once, never stored. */
  token: string;
  record: ApiToken;
}

/**
 * Why a call did not authenticate: `expired` and `revoked` only once the
 * secret matched; `deactivated`: its owner left the workspace (the token is
 * revoked then); `unconfirmed`: Slack could not say whether the owner is still
 * a member, so the call is refused (fail closed) and may be tried again.
 */
export type AuthFailure = 'missing' | 'malformed' | 'invalid' | 'expired' | 'revoked' | 'deactivated' | 'unconfirmed';

export type AuthResult = { ok: true; token: ApiToken } | { ok: false; reason: AuthFailure; tokenId?: string };

export class ApiTokens {
  constructor(private readonly deps: ApiTokensDeps) {}

  /** `lifetimeSeconds` absent: DEFAULT_TOKEN_DAYS (capped at the maximum). */
  async create(owner: string, options: { name?: string; lifetimeSeconds?: number } = {}): Promise<NewToken> {
    const { clock, maxDays } = this.deps;
    const name = (options.name ?? '').trim();
    if (name.length > TOKEN_NAME_MAX)
      throw new JitError('jit_input_invalid', `A token name can have at most ${TOKEN_NAME_MAX} characters; that one has ${name.length}.`);
    if (!NAME_PATTERN.test(name)) {
      throw new JitError(
        'jit_input_invalid',
        'A token name can have letters, digits, spaces and . _ : / @ + # ( ) -: name it after the script that uses it, e.g. `deploy`.',
      );
    }
    const lifetimeMs = options.lifetimeSeconds === undefined ? Math.min(DEFAULT_TOKEN_DAYS, maxDays) * DAY_MS : options.lifetimeSeconds * 1000;
    if (lifetimeMs > maxDays * DAY_MS) {
      throw new JitError('jit_input_invalid', `A token can last at most ${maxDays} days (JIT_API_TOKEN_MAX_DAYS): ask for ${maxDays}d or less.`);
    }
    if (!(lifetimeMs >= 60_000)) throw new JitError('jit_input_invalid', 'A token must last at least a minute: ask for 1d, 30d or another number of days.');

    const now = clock.now();
    for (let attempt = 1; attempt <= ID_ATTEMPTS; attempt++) {
      const secret = newTokenSecret(this.deps.randomBytes);
      const record: ApiToken = {
        id: newTokenId(this.deps.randomBytes),
        owner,
        name,
        secretHash: hashSecret(secret),
        createdAt: now,
        expiresAt: now + lifetimeMs,
      };
      const event = tokenCreatedEvent(record);
      const outcome = await this.deps.store.createToken(record, MAX_LIVE_TOKENS, event, [{ kind: 'system', event }]);
      if (outcome === 'too_many') {
        throw new JitError(
          'jit_not_allowed',
          `You have ${MAX_LIVE_TOKENS} API tokens already, the most one person may have: revoke one you no longer use (\`/jit token list\`, then \`/jit token revoke <id>\`).`,
        );
      }
      if (outcome === 'created') {
        this.deps.notified?.();
        this.deps.logger.info(`API token ${record.id} created by ${owner}, expires ${formatUtc(record.expiresAt)}`);
        return { token: formatToken({ id: record.id, secret }), record };
      }
    }
    throw new JitError('jit_store_failed', `could not find a free API token id in ${ID_ATTEMPTS} attempts`);
  }

  /** The owner's tokens neither revoked nor expired, soonest expiry first. */
  list(owner: string): Promise<ApiToken[]> {
    return this.deps.store.liveTokensOf(owner, this.deps.clock.now());
  }

  /** By its owner, or by an admin. */
  async revoke(typedId: string, user: string): Promise<ApiToken> {
    const id = normaliseTokenId(typedId);
    const token = id === undefined ? undefined : await this.deps.store.tokenById(id);
    if (token === undefined) {
      throw new JitError('jit_not_found', `There is no API token ${String(typedId).slice(0, 20)}: \`/jit token list\` shows yours (ids are eight characters).`);
    }
    if (token.owner !== user && !(await this.deps.isAdmin(user))) {
      throw new JitError('jit_not_allowed', `API token ${token.id} is not yours: only its owner or an admin can revoke it.`);
    }
    if (token.revokedAt !== undefined) throw new JitError('jit_wrong_state', `API token ${token.id} was revoked already (${formatUtc(token.revokedAt)}).`);
    const at = this.deps.clock.now();
    const event = tokenRevokedEvent(token, user, at);
    if (!(await this.deps.store.revokeToken(token.id, user, at, event, [{ kind: 'system', event }]))) {
      throw new JitError('jit_wrong_state', `API token ${token.id} was revoked already.`);
    }
    this.deps.notified?.();
    this.deps.logger.info(`API token ${tokenLabel(token)} of ${token.owner} revoked by ${user}`);
    return { ...token, revokedAt: at, revokedBy: user };
  }

  /**
   * The token an `Authorization` header carries, checked, and its use recorded
   * (`api.token_used`, before the call acts). A store that cannot record the
   * use throws: the call must then do nothing. A failure records no event
   * (nobody authenticated) but is logged.
   */
  async authenticate(authorization: string | undefined, call: { method: string; path: string }): Promise<AuthResult> {
    const failed = (reason: AuthFailure, tokenId?: string): AuthResult => {
      this.deps.logger.warn(`API call ${call.method} ${call.path} refused: ${reason} token${tokenId === undefined ? '' : ` ${tokenId}`}`);
      return tokenId === undefined ? { ok: false, reason } : { ok: false, reason, tokenId };
    };
    if (authorization === undefined || authorization.trim() === '') return failed('missing');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    const parsed = match ? parseToken(match[1]) : undefined;
    if (parsed === undefined) return failed('malformed');
    const token = await this.deps.store.tokenById(parsed.id);
    // The secret first: a forged secret for a real id learns nothing about that token.
    if (token === undefined || !secretMatches(parsed.secret, token.secretHash)) return failed('invalid');
    const now = this.deps.clock.now();
    const status = tokenStatus(token, now);
    if (status !== 'live') return failed(status, token.id);
    // A token acts as its owner only while the owner may act at all.
    const account = (await this.deps.accounts?.accountOf(token.owner)) ?? 'active';
    if (account === 'deactivated') {
      await this.revokeForLeaver(token, now);
      return failed('deactivated', token.id);
    }
    if (account !== 'active') {
      this.deps.logger.warn(`API token ${token.id} of ${token.owner}: ${account.unknown}; the call is refused until Slack answers`);
      return failed('unconfirmed', token.id);
    }
    if (!(await this.deps.store.recordTokenUse(token.id, now, tokenUsedEvent(token, call.method, call.path, now)))) {
      // Revoked or expired between the read and the write.
      const again = await this.deps.store.tokenById(token.id);
      return failed(again !== undefined && tokenStatus(again, now) === 'expired' ? 'expired' : 'revoked', token.id);
    }
    return { ok: true, token: { ...token, lastUsedAt: now } };
  }

  /** The owner was deactivated in Slack: the token is revoked by the system, audited like any revocation. */
  private async revokeForLeaver(token: ApiToken, at: number): Promise<void> {
    const revoked = tokenRevokedEvent(token, 'system', at);
    const event = { ...revoked, detail: `${revoked.detail}: its owner is deactivated in Slack` };
    if (await this.deps.store.revokeToken(token.id, 'system', at, event, [{ kind: 'system', event }])) {
      this.deps.notified?.();
      this.deps.logger.info(`API token ${tokenLabel(token)} revoked: its owner ${token.owner} is deactivated in Slack`);
    }
  }
}
