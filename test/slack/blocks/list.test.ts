import type { ContextBlock, KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { requestListBlocks } from '../../../src/slack/blocks/list.js';
import { validateBlocks } from '../../support/block-kit.js';
import { HOSTILE, T0, hostileIsInert, request } from './fixtures.js';

const many = (n: number) => Array.from({ length: n }, (_, i) => request({ id: `r${i}`, state: i % 2 ? 'active' : 'pending', endAt: T0 + 3_600_000 }));

describe('requestListBlocks', () => {
  it('requestListBlocks_empty_pointsToRequest', () => {
    const msg = requestListBlocks([], T0);
    expect(msg.text).toBe('You have no pending or active requests. Start one with `/jit request`.');
    expect(validateBlocks(msg.blocks, 'message')).toEqual([]);
  });

  it('requestListBlocks_200_isCappedWithMoreLine', () => {
    const msg = requestListBlocks(many(200), T0);
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
    expect(validateBlocks(msg.blocks, 'message')).toEqual([]);
    const last = msg.blocks.at(-1) as ContextBlock;
    expect(last.type).toBe('context');
    expect(JSON.stringify(last)).toContain('…and 152 more');
  });

  it('requestListBlocks_49_fitsWithoutMoreLine', () => {
    const msg = requestListBlocks(many(49), T0);
    expect(msg.blocks).toHaveLength(50);
    expect(msg.blocks.some((b: KnownBlock) => b.type === 'context')).toBe(false);
  });

  it('requestListBlocks_activeRequest_showsEndAndRemaining', () => {
    const msg = requestListBlocks([request({ state: 'active', endAt: T0 + 5_400_000, ports: [{ number: 22, protocol: 'TCP' }] })], T0);
    const text = JSON.stringify(msg.blocks);
    for (const s of ['#abc123', 'web-1', '22/TCP', '198.51.100.7/32', `<!date^${(T0 + 5_400_000) / 1000}^`, '1h 30m left']) expect(text).toContain(s);
  });

  it('requestListBlocks_activeBehindAFirewall_showsTheConnectionDetails', () => {
    const endpoints = [{ port: 22, protocol: 'TCP' as const, host: '20.1.2.3', hostPort: 50022 }];
    const msg = requestListBlocks([request({ state: 'active', endAt: T0 + 3_600_000, endpoints })], T0);
    expect(JSON.stringify(msg.blocks)).toContain('Connect: `ssh -p 50022 user@20.1.2.3`');
    expect(validateBlocks(msg.blocks, 'message')).toEqual([]);
  });

  it('requestListBlocks_activeOnTheVmItself_hasNoConnectLine', () => {
    const msg = requestListBlocks([request({ state: 'active', endAt: T0 + 3_600_000 })], T0);
    expect(JSON.stringify(msg.blocks)).not.toContain('Connect:');
  });

  it('requestListBlocks_hostileVm_isInert', () => {
    const msg = requestListBlocks([request({ vm: HOSTILE, source: '<!channel>' })], T0);
    expect(hostileIsInert(JSON.stringify(msg.blocks))).toBe(true);
  });
});
