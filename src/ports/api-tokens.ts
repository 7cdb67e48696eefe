// The store role of REST API tokens (STYLE.md §2: narrow, named by intent).
// Every change is written with its audit event in one transaction: a token
// exists, is revoked or was used exactly when the audit log says so.

import type { ApiToken } from '../domain/api-token-record.js';
import type { Notification } from '../domain/notification.js';
import type { SystemEvent } from '../domain/types.js';

export type CreateTokenOutcome = 'created' | 'duplicate_id' | 'too_many';

export interface ApiTokenStore {
  /**
   * Stores a new token with its event, unless its id is taken (`duplicate_id`)
   * or its owner already has `maxLive` tokens neither revoked nor expired at
   * `token.createdAt` (`too_many`); then nothing is written.
   */
  createToken(token: ApiToken, maxLive: number, event: SystemEvent, notifications: Notification[]): Promise<CreateTokenOutcome>;
  tokenById(id: string): Promise<ApiToken | undefined>;
  /** The owner's tokens not revoked and not expired at `now`, soonest expiry first. */
  liveTokensOf(owner: string, now: number): Promise<ApiToken[]>;
  /**
   * Revokes a token not yet revoked (compare-and-swap) with its event; false
   * when it was revoked already (nothing written).
   */
  revokeToken(id: string, by: string, at: number, event: SystemEvent, notifications: Notification[]): Promise<boolean>;
  /**
   * Marks a use of a live token with its `api.token_used` event; false when
   * the token is no longer live at `at` (revoked or expired meanwhile: nothing
   * written). Throws when the write fails: the caller must then not act.
   */
  recordTokenUse(id: string, at: number, event: SystemEvent): Promise<boolean>;
}

/** Whether a user is still a member of the workspace: `unknown` (with why) when it could not be told. */
export type AccountAnswer = 'active' | 'deactivated' | { unknown: string };

/** Who may still act: a token acts as its owner only while the owner is an active member (Slack's users.info `deleted`). */
export interface UserAccounts {
  accountOf(user: string): Promise<AccountAnswer>;
}
