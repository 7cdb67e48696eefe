// The nftables backend against the real kernel, with real TCP connections
// between network namespaces (topology in test/support/netns.ts). Grants are
// 2–3 s long so expiry is observed, not assumed.

import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GrantSpec, ProtectedPort } from '../../../src/ports/firewall.js';
import { NftablesBackend } from '../../../src/firewall/nftables/backend.js';
import {
  ADDRESSES,
  createTopology,
  destroyTopology,
  holdConnection,
  netnsUnavailable,
  probe,
  removeStaleNamespaces,
  run,
  startListener,
  type HeldConnection,
  type Topology,
} from '../../support/netns.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const unavailable = await netnsUnavailable();
if (unavailable) console.warn(`nftables netns suite skipped: ${unavailable}`);

const sleepUntil = (at: number): Promise<void> => new Promise((done) => setTimeout(done, Math.max(0, at - Date.now())));
/** The kernel timeout ends KERNEL_MARGIN_MS (10 ms) after the grant; allow for that and for scheduling. */
const AFTER_END_MS = 700;

function vmPort(address: string, protocol: ProtectedPort['protocol'] = 'TCP'): ProtectedPort {
  return { vmId: 'vm', vmName: 'vm', address, port: 22, protocol };
}

function grant(requestId: string, address: string, source: string, endAt: number): GrantSpec {
  return { requestId, vmId: 'vm', vmName: 'vm', address, ports: [{ number: 22, protocol: 'TCP' }], source, endAt };
}

describe.skipIf(unavailable !== undefined)('nftables backend in network namespaces', () => {
  let topology: Topology;
  let listener: ChildProcess | undefined;
  const spawned: ChildProcess[] = [];
  const held: HeldConnection[] = [];

  beforeAll(async () => {
    await removeStaleNamespaces();
    topology = await createTopology();
    listener = await startListener(topology.vm, 22);
  });

  afterEach(async () => {
    for (const child of spawned.splice(0)) child.kill('SIGKILL');
    for (const connection of held.splice(0)) connection.child.kill('SIGKILL');
    if (!topology) return;
    // Each test starts from a host with no rules at all.
    for (const ns of [topology.gw, topology.vm]) await run(['ip', 'netns', 'exec', ns, 'nft', 'flush', 'ruleset']);
  });

  afterAll(async () => {
    listener?.kill('SIGKILL');
    if (topology) await destroyTopology(topology);
  });

  const viaGateway = (): NftablesBackend => new NftablesBackend({ command: ['ip', 'netns', 'exec', topology.gw, 'nft'] });
  const vm4 = ADDRESSES.vm.v4;
  const vm6 = ADDRESSES.vm.v6;

  it('forwardHook_grantToOneSource_opensForItOnlyUntilTheEndTime', async () => {
    expect([await probe(topology.c1, vm4), await probe(topology.c2, vm4)]).toEqual(['open', 'open']);
    const backend = viaGateway();
    await backend.protect([vmPort(vm4)]);
    expect(await Promise.all([probe(topology.c1, vm4), probe(topology.c2, vm4)])).toEqual(['blocked', 'blocked']);

    const endAt = Date.now() + 3_000;
    await backend.open(grant('grant1', vm4, ADDRESSES.c1.v4, endAt));
    expect(await Promise.all([probe(topology.c1, vm4), probe(topology.c2, vm4)])).toEqual(['open', 'blocked']);
    const connection = await holdConnection(topology.c1, vm4);
    held.push(connection);
    expect(await backend.list()).toEqual([
      { requestId: 'grant1', vmName: 'vm', port: 22, protocol: 'TCP', source: `${ADDRESSES.c1.v4}/32`, endAt: expect.any(Number) },
    ]);

    await sleepUntil(endAt + AFTER_END_MS);
    expect(await Promise.all([probe(topology.c1, vm4), probe(topology.c2, vm4)])).toEqual(['blocked', 'blocked']);
    // Like Azure's NSG, the end of a grant stops new connections, not established ones.
    expect(await connection.ping()).toBe('echo ping');
    expect(await backend.list()).toEqual([]);
  });

  it('forwardHook_ipv6Grant_opensForTheGrantedSourceAndCloseShutsItAtOnce', async () => {
    const backend = viaGateway();
    await backend.protect([vmPort(vm6, '*')]);
    expect(await Promise.all([probe(topology.c1, vm6), probe(topology.c2, vm6)])).toEqual(['blocked', 'blocked']);

    const spec = grant('grant6', vm6, `${ADDRESSES.c2.v6}/128`, Date.now() + 60_000);
    await backend.open(spec);
    expect(await Promise.all([probe(topology.c1, vm6), probe(topology.c2, vm6)])).toEqual(['blocked', 'open']);

    await backend.close(spec);
    await backend.close(spec);
    expect(await probe(topology.c2, vm6)).toBe('blocked');
    expect(await backend.list()).toEqual([]);
  });

  it('inputHook_backendManagingTheVmItself_opensOnlyForTheGrantUntilTheEndTime', async () => {
    const backend = new NftablesBackend({ command: ['ip', 'netns', 'exec', topology.vm, 'nft'], table: 'jit_host' });
    await backend.protect([vmPort(vm4)]);
    expect(await Promise.all([probe(topology.c1, vm4), probe(topology.c2, vm4)])).toEqual(['blocked', 'blocked']);

    const endAt = Date.now() + 2_000;
    await backend.open(grant('grant2', vm4, '10.201.2.0/24', endAt));
    expect(await Promise.all([probe(topology.c1, vm4), probe(topology.c2, vm4)])).toEqual(['blocked', 'open']);

    await sleepUntil(endAt + AFTER_END_MS);
    expect(await probe(topology.c2, vm4)).toBe('blocked');
    expect(await backend.health()).toEqual({ ok: true });
  });

  it('restart_protectAndReopenAgain_neitherResetsNorLengthensTheTimeout', async () => {
    const first = viaGateway();
    await first.protect([vmPort(vm4)]);
    const spec = grant('grant3', vm4, ADDRESSES.c1.v4, Date.now() + 20_000);
    await first.open(spec);
    await sleepUntil(Date.now() + 1_100);
    const [before] = await expiresSeconds(topology.gw);

    const restarted = viaGateway();
    await restarted.protect([vmPort(vm4)]);
    // A bot resuming after a crash computes a later end for the same request.
    await restarted.open({ ...spec, endAt: Date.now() + 20_000 });
    const [after] = await expiresSeconds(topology.gw);

    expect(before).toBeLessThan(20);
    expect(after).toBeLessThanOrEqual(before!);
    expect(await probe(topology.c1, vm4)).toBe('open');
    await restarted.close(spec);
    expect(await probe(topology.c1, vm4)).toBe('blocked');
  });

  it('botKilledBySigkill_duringAGrant_theKernelStillClosesAtTheEndTime', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/firewall/nftables/netns-child.ts', topology.gw, vm4, ADDRESSES.c1.v4, '3000'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    spawned.push(child);
    const endAt = await new Promise<number>((done, fail) => {
      let out = '';
      let err = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /opened (\d+)/.exec(out);
        if (match) done(Number(match[1]));
      });
      child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.on('exit', (code) => fail(new Error(`child exited (${code}) before opening: ${err.trim()}`)));
    });
    const exited = new Promise((done) => child.on('exit', done));
    child.kill('SIGKILL');
    await exited;

    expect(await Promise.all([probe(topology.c1, vm4), probe(topology.c2, vm4)])).toEqual(['open', 'blocked']);
    await sleepUntil(endAt + AFTER_END_MS);
    expect(await probe(topology.c1, vm4)).toBe('blocked');
  });

  it('protectNothing_removesTheDenyButKeepsRunningGrants', async () => {
    const backend = viaGateway();
    await backend.protect([vmPort(vm4), vmPort(vm6)]);
    await backend.open(grant('grant4', vm4, ADDRESSES.c1.v4, Date.now() + 60_000));
    expect(await probe(topology.c2, vm4)).toBe('blocked');

    await backend.protect([]);
    expect(await Promise.all([probe(topology.c2, vm4), probe(topology.c2, vm6)])).toEqual(['open', 'open']);
    expect((await backend.list()).map((rule) => rule.requestId)).toEqual(['grant4']);
  });
});

/** `expires` (whole seconds) of every allow element in the gateway's jit table. */
async function expiresSeconds(ns: string): Promise<number[]> {
  const out = await run(['ip', 'netns', 'exec', ns, 'nft', '-j', 'list', 'table', 'inet', 'jit']);
  return [...out.matchAll(/"expires": (\d+)/g)].map((match) => Number(match[1]));
}
