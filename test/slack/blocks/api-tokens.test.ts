// API tokens in Slack's Block Kit: the creation reply shows the token once
// with a call that works as pasted; the list and the Home show name, id,
// expiry and last use (never the secret's hash); the Home keeps within 100
// blocks with the most tokens a user may have beside every other list full.

import { describe, expect, it } from 'vitest';
import type { ApiToken } from '../../../src/domain/api-token-record.js';
import type { ConfiguredVm, Inventory } from '../../../src/domain/inventory.js';
import { TOKEN_REVOKE_ACTION, tokenCreatedText, tokenHomeBlocks, tokenListText } from '../../../src/slack/blocks/api-tokens.js';
import { homeView } from '../../../src/slack/blocks/home.js';
import { MAX_LIVE_TOKENS } from '../../../src/workflow/api-tokens.js';
import { validateBlocks, validateView } from '../../support/block-kit.js';
import { request, T0 } from './fixtures.js';

const NOW = T0;
const token = (i: number, overrides: Partial<ApiToken> = {}): ApiToken => ({
  id: `k7m2qp${String.fromCharCode(97 + i)}b`,
  owner: 'UOWNER',
  name: `deploy ${i} <!channel> *bold*`,
  secretHash: 'f'.repeat(64),
  createdAt: NOW,
  expiresAt: NOW + 86_400_000,
  ...overrides,
});
const many = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));
const pad = (i: number) => String(i).padStart(3, '0');

describe('API token blocks', () => {
  it('createdText_showsTheTokenAndACurlThatUsesIt_atThePublicUrl', () => {
    const text = tokenCreatedText('jit_k7m2qpab_SECRET', token(0, { name: 'deploy' }), 'https://jit.example.com');
    expect(text).toContain('```jit_k7m2qpab_SECRET```');
    expect(text).toContain('`curl -H "Authorization: Bearer jit_k7m2qpab_SECRET" https://jit.example.com/api/v1/policy`');
    expect(text).toContain('not shown again');
    expect(text).toContain('`/jit token revoke k7m2qpab`');
  });

  it('listText_namesEachTokenInert_withExpiryAndLastUse_neverItsHash', () => {
    const text = tokenListText([token(0), token(1, { lastUsedAt: NOW + 5000 })]);
    expect(text).toContain('never used');
    expect(text).toMatch(/last used <!date\^/);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('f'.repeat(64));
    expect(tokenListText([])).toContain('/jit token create');
  });

  it('homeBlocks_aRevokeButtonPerToken_withAConfirmDialog', () => {
    const blocks = tokenHomeBlocks([token(0), token(1)]);
    expect(validateBlocks(blocks, 'home')).toEqual([]);
    const buttons = blocks.flatMap((b) => ('accessory' in b && b.accessory ? [b.accessory] : []));
    expect(buttons).toEqual([
      expect.objectContaining({
        action_id: TOKEN_REVOKE_ACTION,
        value: 'k7m2qpab',
        confirm: expect.objectContaining({ title: { type: 'plain_text', text: 'Revoke API token?' } }),
      }),
      expect.objectContaining({ action_id: TOKEN_REVOKE_ACTION, value: 'k7m2qpbb' }),
    ]);
    expect(tokenHomeBlocks([])).toEqual([]);
  });

  it('home_withTheMostTokens_andEveryOtherListFull_staysWithinSlacksLimits', () => {
    const configured = (name: string): ConfiguredVm =>
      ({
        id: name,
        name,
        backend: 'memory',
        ports: [],
        recent: { approved: 0 },
        activeGrants: many(9, (j) => ({ id: `g${pad(j)}xx`, requester: 'U0X', ports: [], endAt: NOW })),
      }) as unknown as ConfiguredVm;
    const inventory: Inventory = {
      configured: many(500, (i) => configured(`vm-${pad(i)}`)),
      notConfigured: many(500, (i) => ({ id: `spare-${pad(i)}`, name: `spare-${pad(i)}`, backend: 'azure-nsg' })),
      unsupported: many(500, (i) => ({ id: `old-${pad(i)}`, name: `old-${pad(i)}`, backend: 'azure-nsg', reason: 'no network security group guards it' })),
      failures: many(20, (i) => ({ backend: `b${i}`, error: 'x'.repeat(2000) })),
    } as unknown as Inventory;
    const home = homeView({
      inventory,
      isAdmin: true,
      now: NOW,
      mine: many(40, (i) => request({ id: `m${pad(i)}aa`, state: i % 2 ? 'active' : 'pending', endAt: NOW + 60_000 })),
      awaiting: many(40, (i) => request({ id: `w${pad(i)}aa` })),
      tokens: many(MAX_LIVE_TOKENS, (i) => token(i)),
    });
    expect(validateView(home)).toEqual([]);
    expect(home.blocks.length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(home)).toContain('Your API tokens');
  });
});
