import { describe, expect, it } from 'vitest';
import { MODAL_IDS, requestModal } from '../../../src/slack/blocks/modal.js';
import { validateView } from '../../support/block-kit.js';
import { vm } from '../../support/workflow-harness.js';

describe('the request modal with "Use my IP"', () => {
  it('myIpUrl_addsALinkButton_andMakesTheSourceOptional', () => {
    const view = requestModal({ vms: [vm('web-1')], myIpUrl: 'https://jit.example.com/jit/my-ip/abc.def' });
    expect(validateView(view)).toEqual([]);
    const blocks = view.blocks as { type: string; block_id?: string; optional?: boolean; elements?: { url?: string; text?: { text: string } }[] }[];
    expect(blocks.find((b) => b.block_id === MODAL_IDS.sourceBlock)?.optional).toBe(true);
    const button = blocks.find((b) => b.block_id === MODAL_IDS.myIpBlock)?.elements?.[0];
    expect([button?.text?.text, button?.url]).toEqual(['Use my IP', 'https://jit.example.com/jit/my-ip/abc.def']);
  });

  it('withoutMyIpUrl_theSourceIsRequired_andThereIsNoButton', () => {
    const view = requestModal({ vms: [vm('web-1')] });
    const blocks = view.blocks as { block_id?: string; optional?: boolean }[];
    expect(blocks.find((b) => b.block_id === MODAL_IDS.sourceBlock)?.optional).toBe(false);
    expect(blocks.some((b) => b.block_id === MODAL_IDS.myIpBlock)).toBe(false);
  });
});
