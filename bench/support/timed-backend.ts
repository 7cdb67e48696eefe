// A firewall backend wrapped so the benchmark knows the moment the real backend
// confirmed each open and close (its promise resolved): the port is open, or
// closed, from then on. Everything else passes straight through.

import type { BackendHealth, FirewallBackend, GrantSpec, OpenRule, ProtectedPort } from '../../src/ports/firewall.js';
import { epochNow } from './stats.js';

type Waiter = { id: string; resolve: (at: number) => void };

export class TimedBackend implements FirewallBackend {
  readonly name: string;
  /** Request id → epoch ms of the first confirmed open / close. */
  readonly opened = new Map<string, number>();
  readonly closed = new Map<string, number>();
  private openWaiters: Waiter[] = [];
  private closeTarget: { count: number; resolve: () => void } | undefined;

  constructor(readonly inner: FirewallBackend) {
    this.name = inner.name;
  }

  protect(ports: ProtectedPort[]): Promise<void> {
    return this.inner.protect(ports);
  }

  async open(grant: GrantSpec): Promise<void> {
    await this.inner.open(grant);
    const at = epochNow();
    if (!this.opened.has(grant.requestId)) this.opened.set(grant.requestId, at);
    this.openWaiters = this.openWaiters.filter((waiter) => {
      if (waiter.id !== grant.requestId) return true;
      waiter.resolve(at);
      return false;
    });
  }

  async close(grant: GrantSpec): Promise<void> {
    await this.inner.close(grant);
    if (!this.closed.has(grant.requestId)) this.closed.set(grant.requestId, epochNow());
    if (this.closeTarget && this.closed.size >= this.closeTarget.count) this.closeTarget.resolve();
  }

  extend(grant: GrantSpec): Promise<void> {
    return this.inner.extend(grant);
  }

  list(): Promise<OpenRule[]> {
    return this.inner.list();
  }

  health(): Promise<BackendHealth> {
    return this.inner.health();
  }

  /** Resolves with the epoch ms the backend confirmed the open of `id`. */
  whenOpened(id: string): Promise<number> {
    const at = this.opened.get(id);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve) => this.openWaiters.push({ id, resolve }));
  }

  /** Resolves once `count` distinct grants have been confirmed closed. */
  whenClosed(count: number): Promise<void> {
    if (this.closed.size >= count) return Promise.resolve();
    return new Promise((resolve) => (this.closeTarget = { count, resolve }));
  }
}
