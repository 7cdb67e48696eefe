// A recording stand-in for `nft` that keeps allow elements the way the kernel
// does for the lines our backend writes: a transaction applies fully or not at
// all, deleting a missing element fails with ENOENT, and `add element` of an
// existing element refreshes its timeout (Linux 6.18). Everything else in a
// script (tables, chains, rules) is recorded but not modelled.

import { NftCommandError, type NftRunner } from '../../../src/firewall/nftables/runner.js';

interface FakeElement {
  set: string;
  key: string;
  /** ms, as the backend writes it. */
  timeout?: number;
  comment?: string;
}

const ELEMENT_LINE = /^(add|delete) element inet (\w+) (allow[46]_\d+) \{ (.+?)(?: timeout (\d+)ms)?(?: comment "([^"]*)")? \}$/;

export class FakeNft implements NftRunner {
  readonly calls: { args: string[]; input?: string }[] = [];
  elements = new Map<string, FakeElement>();
  /** Called before each `nft -f -` (simulate the kernel expiring something meanwhile). */
  beforeApply?: () => void;
  /** Returns nft's stderr to fail a script with, or undefined to apply it. */
  failApply?: (script: string) => string | undefined;
  /** When set, every run fails like this (nft missing, no permission). */
  broken?: NftCommandError;
  tableExists = true;

  get transactions(): string[] {
    return this.calls.filter((call) => call.args.join(' ') === '-f -').map((call) => call.input ?? '');
  }

  async run(args: string[], input?: string): Promise<string> {
    this.calls.push({ args, input });
    if (this.broken) throw this.broken;
    if (args[0] === '-f') return this.apply(input ?? '');
    if (!this.tableExists) throw this.error('Error: No such file or directory\nlist table inet jit');
    return args[0] === '-j' ? this.json() : '';
  }

  private apply(script: string): string {
    this.beforeApply?.();
    const stderr = this.failApply?.(script);
    if (stderr) throw this.error(stderr);
    const next = new Map(this.elements);
    for (const line of script.split('\n')) {
      const match = ELEMENT_LINE.exec(line);
      if (!match) continue;
      const [, verb, , set, key, timeout, comment] = match as unknown as [string, string, string, string, string, string?, string?];
      const id = `${set} ${key}`;
      if (verb === 'delete') {
        if (!next.delete(id)) throw this.error(`/dev/stdin:1:1-2: Error: Could not process rule: No such file or directory\n${line}`);
        continue;
      }
      const existing = next.get(id);
      next.set(id, { set, key, timeout: timeout ? Number(timeout) : undefined, comment: existing ? existing.comment : comment });
    }
    this.elements = next;
    this.tableExists = true;
    return '';
  }

  private json(): string {
    const sets = new Map<string, unknown[]>();
    for (const element of this.elements.values()) {
      const [src, dst, proto, port] = element.key.split(' . ') as [string, string, string, string];
      const [addr, len] = src.split('/') as [string, string];
      const val = { concat: [{ prefix: { addr, len: Number(len) } }, dst, proto, Number(port)] };
      const extra = {
        // nft -j reports whole seconds, truncated (nft 1.0.6).
        ...(element.timeout ? { timeout: Math.floor(element.timeout / 1000), expires: Math.floor(element.timeout / 1000) } : {}),
        ...(element.comment ? { comment: element.comment } : {}),
      };
      sets.set(element.set, [...(sets.get(element.set) ?? []), { elem: { val, ...extra } }]);
    }
    const nftables = [...sets].map(([name, elem]) => ({ set: { family: 'inet', name, table: 'jit', elem } }));
    return JSON.stringify({ nftables: [{ metainfo: { version: '1.0.6' } }, ...nftables] });
  }

  private error(stderr: string): NftCommandError {
    return new NftCommandError(`nft failed (exit 1): ${stderr}`, stderr, 1);
  }
}
