// The in-memory twin of ApiTokenStore, for workflow tests. Its events go to a
// store's recordSystemEvent (a MemoryStore), written before the change is kept,
// so a failing event write leaves the token as it was, as the real stores do.

import type { ApiToken } from '../domain/api-token-record.js';
import { tokenStatus } from '../domain/api-token-record.js';
import type { Notification } from '../domain/notification.js';
import type { SystemEvent } from '../domain/types.js';
import type { ApiTokenStore, CreateTokenOutcome } from './api-tokens.js';

export interface EventSink {
  recordSystemEvent(event: SystemEvent, notifications: Notification[]): Promise<void>;
}

export class MemoryApiTokenStore implements ApiTokenStore {
  private readonly tokens = new Map<string, ApiToken>();

  constructor(private readonly events: EventSink) {}

  async createToken(token: ApiToken, maxLive: number, event: SystemEvent, notifications: Notification[]): Promise<CreateTokenOutcome> {
    if (this.tokens.has(token.id)) return 'duplicate_id';
    if ((await this.liveTokensOf(token.owner, token.createdAt)).length >= maxLive) return 'too_many';
    await this.events.recordSystemEvent(event, notifications);
    this.tokens.set(token.id, { ...token });
    return 'created';
  }

  async tokenById(id: string): Promise<ApiToken | undefined> {
    const token = this.tokens.get(id);
    return token === undefined ? undefined : { ...token };
  }

  async liveTokensOf(owner: string, now: number): Promise<ApiToken[]> {
    return [...this.tokens.values()]
      .filter((token) => token.owner === owner && tokenStatus(token, now) === 'live')
      .sort((a, b) => a.expiresAt - b.expiresAt || a.id.localeCompare(b.id))
      .map((token) => ({ ...token }));
  }

  async revokeToken(id: string, by: string, at: number, event: SystemEvent, notifications: Notification[]): Promise<boolean> {
    const token = this.tokens.get(id);
    if (token === undefined || token.revokedAt !== undefined) return false;
    await this.events.recordSystemEvent(event, notifications);
    this.tokens.set(id, { ...token, revokedAt: at, revokedBy: by });
    return true;
  }

  async recordTokenUse(id: string, at: number, event: SystemEvent): Promise<boolean> {
    const token = this.tokens.get(id);
    if (token === undefined || tokenStatus(token, at) !== 'live') return false;
    await this.events.recordSystemEvent(event, []);
    this.tokens.set(id, { ...token, lastUsedAt: at });
    return true;
  }
}
