import type { AnyBlock, InputBlock, MultiExternalSelect, MultiStaticSelect, PlainTextInput } from '@slack/types';
import type { ViewOutput } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { MODAL_IDS, NO_VMS_TEXT, readModalValues, requestModal, vmOptions, type ModalStateValues } from '../../../src/slack/blocks/modal.js';
import { validateView } from '../../support/block-kit.js';
import { port, vm, vms } from './fixtures.js';

const input = (blocks: AnyBlock[], id: string): InputBlock | undefined => blocks.find((b): b is InputBlock => b.type === 'input' && b.block_id === id);

describe('requestModal', () => {
  it('requestModal_0_vms_explainsWithoutInputs', () => {
    const view = requestModal({ vms: [] });
    expect(validateView(view)).toEqual([]);
    expect(view.blocks.some((b) => b.type === 'input')).toBe(false);
    expect(view.submit).toBeUndefined();
    expect(JSON.stringify(view.blocks)).toContain(NO_VMS_TEXT);
  });

  it.each([1, 100])('requestModal_%i_vms_usesAMultiSelect', (count) => {
    const view = requestModal({ vms: vms(count) });
    expect(validateView(view)).toEqual([]);
    const block = input(view.blocks, 'vm');
    expect(block?.dispatch_action).toBe(true);
    const el = block?.element as MultiStaticSelect;
    expect(el.type).toBe('multi_static_select');
    expect(el.action_id).toBe('vm_select');
    expect(el.options).toHaveLength(count);
    expect(el.max_selected_items).toBe(10);
  });

  it('requestModal_101_vms_usesAMultiExternalSelect', () => {
    const view = requestModal({ vms: vms(101), selectedVms: ['vm-100'] });
    expect(validateView(view)).toEqual([]);
    const el = input(view.blocks, 'vm')?.element as MultiExternalSelect;
    expect(el.type).toBe('multi_external_select');
    expect(el.action_id).toBe('vm_select');
    expect(el.min_query_length).toBe(0);
    expect(el.initial_options?.map((o) => o.value)).toEqual(['vm-100']);
  });

  it('requestModal_frame_hasIdsAndButtons', () => {
    const view = requestModal({ vms: vms(3) });
    expect(view.type).toBe('modal');
    expect(view.callback_id).toBe('jit_request_modal');
    expect(view.title.text).toBe('Request access');
    expect(view.submit?.text).toBe('Request');
    expect(view.close?.text).toBe('Cancel');
    expect(view.private_metadata).toBeUndefined();
  });

  it('requestModal_noVmSelected_promptsInsteadOfPorts', () => {
    const view = requestModal({ vms: vms(3) });
    expect(input(view.blocks, 'ports')).toBeUndefined();
    expect(JSON.stringify(view.blocks)).toContain('Choose a VM to see its ports.');
  });

  it('requestModal_vmSelected_listsItsPorts', () => {
    const web = vm('web-1', { address: '10.0.0.4', ports: [port(22), port(3389, { maxDurationSeconds: 3600 })] });
    const view = requestModal({ vms: [web, vm('db-1')], selectedVms: ['web-1'] });
    expect(validateView(view)).toEqual([]);
    expect(JSON.parse(view.private_metadata ?? '')).toEqual({ vms: ['web-1'] });
    const vmSelect = input(view.blocks, 'vm')?.element as MultiStaticSelect;
    expect(vmSelect.initial_options?.map((o) => o.value)).toEqual(['web-1']);
    expect(vmSelect.initial_options?.[0]?.text.text).toBe('web-1 (10.0.0.4)');
    const ports = input(view.blocks, 'ports')?.element as MultiStaticSelect;
    expect(ports.action_id).toBe('ports_select');
    expect(ports.options?.map((o) => [o.text.text, o.value])).toEqual([
      ['22/TCP — max 3h', '22'],
      ['3389/TCP — max 1h', '3389'],
    ]);
  });

  it('requestModal_textInputs_haveIdsPlaceholdersAndInitialValues', () => {
    const view = requestModal({ vms: vms(1), initial: { source: '203.0.113.7', duration: '2h', justification: 'why' } });
    const el = (id: string) => input(view.blocks, id)?.element as PlainTextInput;
    expect(el('source').action_id).toBe('source_input');
    expect(el('source').placeholder?.text).toBe('203.0.113.7 or 203.0.113.0/24');
    expect(el('source').initial_value).toBe('203.0.113.7');
    expect(el('duration').action_id).toBe('duration_input');
    expect(el('duration').placeholder?.text).toBe('90m, 2h, 1d or PT3H');
    expect(el('justification').action_id).toBe('justification_input');
    expect(el('justification').multiline).toBe(true);
    expect(el('justification').max_length).toBe(1000);
    expect(input(view.blocks, 'justification')?.optional).toBe(true);
  });

  it('requestModal_longNames_areCutToOptionLimit', () => {
    const view = requestModal({ vms: [vm('v'.repeat(100), { address: '10.0.0.1' })] });
    expect(validateView(view)).toEqual([]);
  });
});

describe('vmOptions', () => {
  it('vmOptions_emptyQuery_returnsAtMost100', () => expect(vmOptions(vms(250), '')).toHaveLength(100));
  it('vmOptions_query_prefixMatchesFirst', () => {
    const list = [vm('a-web'), vm('web-2'), vm('db', { address: '10.9.9.9' }), vm('web-1')];
    expect(vmOptions(list, 'WEB').map((o) => o.value)).toEqual(['web-2', 'web-1', 'a-web']);
    expect(vmOptions(list, '10.9').map((o) => o.value)).toEqual(['db']);
  });
});

describe('readModalValues', () => {
  it('readModalValues_roundTrip', () => {
    const state: ModalStateValues = {
      [MODAL_IDS.vmBlock]: { [MODAL_IDS.vmAction]: { selected_option: { value: 'web-1' } } },
      [MODAL_IDS.portsBlock]: { [MODAL_IDS.portsAction]: { selected_options: [{ value: '22' }, { value: '3389' }] } },
      [MODAL_IDS.sourceBlock]: { [MODAL_IDS.sourceAction]: { value: ' 203.0.113.7 ' } },
      [MODAL_IDS.durationBlock]: { [MODAL_IDS.durationAction]: { value: '2h' } },
      [MODAL_IDS.justificationBlock]: { [MODAL_IDS.justificationAction]: { value: null } },
    };
    expect(readModalValues(state)).toEqual({ vm: 'web-1', ports: '22,3389', source: '203.0.113.7', duration: '2h', justification: '' });
  });

  it('readModalValues_optionsBuiltByModal_roundTrip', () => {
    const view = requestModal({ vms: [vm('web-1', { ports: [port(22)] })], selectedVms: ['web-1'] });
    const vmEl = input(view.blocks, 'vm')?.element as MultiStaticSelect;
    const portsEl = input(view.blocks, 'ports')?.element as MultiStaticSelect;
    const state: ModalStateValues = {
      vm: { vm_select: { selected_options: vmEl.initial_options ?? [] } },
      ports: { ports_select: { selected_options: portsEl.initial_options ?? [] } },
      source: { source_input: { value: '198.51.100.7' } },
      duration: { duration_input: { value: 'PT3H' } },
      justification: { justification_input: { value: 'deploy' } },
    };
    expect(readModalValues(state)).toEqual({ vm: 'web-1', ports: '22', source: '198.51.100.7', duration: 'PT3H', justification: 'deploy' });
  });

  it('readModalValues_acceptsBoltsViewState', () => {
    // Type-level check: the listener passes `view.state.values` from Bolt straight in.
    const boltState: ViewOutput['state']['values'] = {
      vm: { vm_select: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'web-1' }, value: 'web-1' } } },
    };
    const values: ModalStateValues = boltState;
    expect(readModalValues(values).vm).toBe('web-1');
  });

  it('requestModal_severalVms_listTheUnionOfTheirPorts_andReadBackAsACommaList', () => {
    const view = requestModal({ vms: [vm('web-1', { ports: [port(22)] }), vm('db-1', { ports: [port(22), port(5432)] })], selectedVms: ['web-1', 'db-1'] });
    expect(validateView(view)).toEqual([]);
    const ports = input(view.blocks, 'ports')?.element as MultiStaticSelect;
    expect(ports.options?.map((o) => o.value)).toEqual(['22', '5432']);
    const state: ModalStateValues = { vm: { vm_select: { selected_options: [{ value: 'web-1' }, { value: 'db-1' }] } } };
    expect(readModalValues(state).vm).toBe('web-1,db-1');
  });

  it('readModalValues_empty_givesEmptyStrings', () => {
    expect(readModalValues({})).toEqual({ vm: '', ports: '', source: '', duration: '', justification: '' });
  });
});
