// The memory firewall, except that one open or close of one grant can be held
// mid-call, as a slow `nft` run or ARM request would hold it. A race test holds
// the first actor inside the firewall, starts the second one, then lets go: the
// interleaving it wants happens every time, however fast or busy the machine.

import type { GrantSpec } from '../../src/ports/firewall.js';
import { MemoryBackend } from '../../src/ports/memory-firewall.js';

type Held = 'open' | 'close';

interface Gate {
  op: Held;
  requestId: string;
  enter(): void;
  released: Promise<void>;
}

export interface Hold {
  /** Resolves once the held call has started (and is waiting). */
  entered: Promise<void>;
  /** Lets the held call go on. */
  release(): void;
}

export class GatedFirewall extends MemoryBackend {
  private gates: Gate[] = [];

  /** Holds the next `op` of `requestId` (only that one call) until `release()`. */
  hold(op: Held, requestId: string): Hold {
    let enter = (): void => undefined;
    let release = (): void => undefined;
    const entered = new Promise<void>((resolve) => (enter = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.gates.push({ op, requestId, enter, released });
    return { entered, release };
  }

  override async open(grant: GrantSpec): Promise<void> {
    await this.pass('open', grant.requestId);
    return super.open(grant);
  }

  override async close(grant: GrantSpec): Promise<void> {
    await this.pass('close', grant.requestId);
    return super.close(grant);
  }

  private async pass(op: Held, requestId: string): Promise<void> {
    const gate = this.gates.find((g) => g.op === op && g.requestId === requestId);
    if (!gate) return;
    this.gates = this.gates.filter((g) => g !== gate);
    gate.enter();
    await gate.released;
  }
}
