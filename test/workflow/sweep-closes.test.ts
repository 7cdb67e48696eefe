// After an outage many grants can be due at once: the sweep closes them side by
// side, so a backend can batch them, and never one slow close at a time.

import { afterEach, describe, expect, it } from 'vitest';
import type { FirewallBackend, GrantSpec, OpenRule } from '../../src/ports/firewall.js';
import type { MemoryBackend } from '../../src/ports/memory-firewall.js';
import { BackendRegistry } from '../../src/workflow/backends.js';
import { createHarness, policyOf, type Harness } from '../support/workflow-harness.js';

let h: Harness;
afterEach(() => h.cleanup());

/** Each close waits until `together` closes are in flight (or gives up after a while, failing the close). */
class BarrierClose implements FirewallBackend {
  readonly name = 'memory';
  private waiting: Array<() => void> = [];
  constructor(
    private readonly inner: MemoryBackend,
    private readonly together: number,
  ) {}
  protect = (ports: Parameters<FirewallBackend['protect']>[0]) => this.inner.protect(ports);
  open = (grant: GrantSpec) => this.inner.open(grant);
  extend = (grant: GrantSpec) => this.inner.extend(grant);
  list = (): Promise<OpenRule[]> => this.inner.list();
  health = () => this.inner.health();
  async close(grant: GrantSpec): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.waiting.push(resolve);
      if (this.waiting.length >= this.together) for (const release of this.waiting.splice(0)) release();
      else setTimeout(() => reject(new Error(`only ${this.waiting.length} close(s) in flight`)), 2000).unref();
    });
    await this.inner.close(grant);
  }
}

describe('sweep closing due grants', () => {
  it('closesThemSideBySide_soABackendCanBatchThem', async () => {
    h = createHarness({ policy: policyOf({ rules: [{ name: 'auto', match: { vms: ['web-*'] }, effect: 'approve' }] }) });
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const result = await h.workflow.request(h.input({ requester: `UREQ${i}`, duration: '1h' }));
      if (!result.ok) throw new Error('setup failed');
      ids.push(result.request.id);
    }
    h.ctx.backends = new BackendRegistry([new BarrierClose(h.backend, ids.length)], 'memory');
    h.clock.advance(2 * 3_600_000);

    const report = await h.workflow.sweep();

    expect(report).toMatchObject({ closed: 8, stillClosing: 0 });
    for (const id of ids) expect([(await h.store.getRequest(id))?.state, h.backend.isOpen(id)]).toEqual(['closed', false]);
  });
});
