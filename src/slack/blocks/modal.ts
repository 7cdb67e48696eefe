// The `/jit request` modal. Choosing a VM fires a block_action (dispatch_action)
// and the listener answers with views.update built here again, so the ports
// list always shows the chosen VM's configured ports and nothing else.

import type { InputBlock, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { formatDuration } from '../../domain/duration.js';
import type { PortPolicy, VmPolicy } from '../../domain/types.js';
import { truncate } from './escape.js';

/** Shared with the listeners, so a renamed block cannot silently break the submission handler. */
export const MODAL_IDS = {
  callbackId: 'jit_request_modal',
  vmBlock: 'vm',
  vmAction: 'vm_select',
  portsBlock: 'ports',
  portsAction: 'ports_select',
  sourceBlock: 'source',
  sourceAction: 'source_input',
  durationBlock: 'duration',
  durationAction: 'duration_input',
  justificationBlock: 'justification',
  justificationAction: 'justification_input',
  myIpBlock: 'my_ip',
  myIpAction: 'jit_my_ip',
} as const;

/** Slack's cap on options in a static select, and on options returned to an external select. */
export const MAX_OPTIONS = 100;
const OPTION_TEXT_MAX = 75;
const OPTION_VALUE_MAX = 150;
export const JUSTIFICATION_MAX = 1000;
/** The most VMs one request may name (the batch limit). */
const MAX_VMS = 10;

export interface RequestModalOptions {
  vms: readonly VmPolicy[];
  /** VMs chosen so far (several make one multi-VM request). */
  selectedVms?: readonly string[];
  initial?: { source?: string; duration?: string; justification?: string };
  /** A "Use my IP" link for this user; with it the source may be left empty. */
  myIpUrl?: string;
}

export function requestModal(opts: RequestModalOptions): ModalView {
  // Slack refuses a select without options, and there would be nothing to request.
  if (opts.vms.length === 0) return noVmsModal();
  const chosen = (opts.selectedVms ?? []).flatMap((name) => opts.vms.filter((v) => v.name === name));
  const blocks: KnownBlock[] = [
    vmInput(opts.vms, chosen),
    chosen.length === 0 ? choosePrompt() : portsInput(chosen),
    textInput(MODAL_IDS.sourceBlock, MODAL_IDS.sourceAction, 'Your source IP or CIDR', {
      placeholder: '203.0.113.7 or 203.0.113.0/24',
      initial: opts.initial?.source,
      ...(opts.myIpUrl ? { optional: true, hint: 'Or open "Use my IP" below in your browser, then leave this empty.' } : {}),
    }),
    ...(opts.myIpUrl ? [myIpButton(opts.myIpUrl)] : []),
    textInput(MODAL_IDS.durationBlock, MODAL_IDS.durationAction, 'Duration', {
      placeholder: '90m, 2h, 1d or PT3H',
      initial: opts.initial?.duration,
    }),
    textInput(MODAL_IDS.justificationBlock, MODAL_IDS.justificationAction, 'Justification', {
      placeholder: 'Why do you need access?',
      initial: opts.initial?.justification,
      optional: true,
      multiline: true,
      maxLength: JUSTIFICATION_MAX,
    }),
  ];
  const view: ModalView = {
    type: 'modal',
    callback_id: MODAL_IDS.callbackId,
    title: { type: 'plain_text', text: 'Request access' },
    submit: { type: 'plain_text', text: 'Request' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  };
  if (chosen.length > 0) view.private_metadata = JSON.stringify({ vms: chosen.map((v) => v.name) });
  return view;
}

export const NO_VMS_TEXT = 'No VMs are set up for just-in-time access yet. Ask an admin to add one to the policy.';

function noVmsModal(): ModalView {
  return {
    type: 'modal',
    callback_id: MODAL_IDS.callbackId,
    title: { type: 'plain_text', text: 'Request access' },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: NO_VMS_TEXT } }],
  };
}

/** `web-1 (10.0.0.4)`, cut to Slack's 75-character option text. */
export function vmOption(vm: VmPolicy): PlainTextOption {
  const label = vm.address ? `${vm.name} (${vm.address})` : vm.name;
  return {
    text: { type: 'plain_text', text: truncate(label, OPTION_TEXT_MAX) },
    value: truncate(vm.name, OPTION_VALUE_MAX),
  };
}

/**
 * Options for the external select's options handler: VMs whose name or address
 * contains the query (case-insensitive), names starting with it first, at most 100.
 */
export function vmOptions(vms: readonly VmPolicy[], query: unknown): PlainTextOption[] {
  const q = typeof query === 'string' ? query.trim().toLowerCase() : '';
  const prefix: VmPolicy[] = [];
  const contains: VmPolicy[] = [];
  for (const vm of vms) {
    const name = vm.name.toLowerCase();
    if (name.startsWith(q)) prefix.push(vm);
    else if (name.includes(q) || (vm.address ?? '').toLowerCase().includes(q)) contains.push(vm);
  }
  return [...prefix, ...contains].slice(0, MAX_OPTIONS).map(vmOption);
}

function vmInput(vms: readonly VmPolicy[], selected: readonly VmPolicy[]): InputBlock {
  const placeholder = { type: 'plain_text' as const, text: 'Choose one or more VMs' };
  const initial = selected.length === 0 ? {} : { initial_options: selected.map(vmOption) };
  // Past 100 VMs a static select cannot list them all; Slack asks our options handler instead.
  const element: InputBlock['element'] =
    vms.length > MAX_OPTIONS
      ? { type: 'multi_external_select', action_id: MODAL_IDS.vmAction, placeholder, min_query_length: 0, max_selected_items: MAX_VMS, ...initial }
      : { type: 'multi_static_select', action_id: MODAL_IDS.vmAction, placeholder, options: vms.map(vmOption), max_selected_items: MAX_VMS, ...initial };
  return {
    type: 'input',
    block_id: MODAL_IDS.vmBlock,
    dispatch_action: true,
    label: { type: 'plain_text', text: 'VMs' },
    element,
  };
}

/** The ports of every chosen VM, one option per port number (each VM gets those it has). */
function portsInput(vms: readonly VmPolicy[]): InputBlock {
  const options = portOptions(vms.flatMap((vm) => vm.ports));
  // One configured port: preselect it, there is nothing to choose.
  const only = options.length === 1 ? { initial_options: options } : {};
  return {
    type: 'input',
    block_id: MODAL_IDS.portsBlock,
    label: { type: 'plain_text', text: 'Ports' },
    element: {
      type: 'multi_static_select',
      action_id: MODAL_IDS.portsAction,
      placeholder: { type: 'plain_text', text: 'Choose ports' },
      options,
      ...only,
    },
  };
}

/**
 * `22/TCP — max 3h`, value `22`. A port number configured for two protocols
 * becomes one option (values must be unique, and requests name ports by number).
 */
export function portOptions(ports: readonly PortPolicy[]): PlainTextOption[] {
  const byNumber = new Map<number, PortPolicy[]>();
  for (const port of ports) byNumber.set(port.number, [...(byNumber.get(port.number) ?? []), port]);
  const options: PlainTextOption[] = [];
  for (const [number, group] of byNumber) {
    const protocols = group.map((p) => (p.protocol === '*' ? 'any' : p.protocol)).join('+');
    const max = Math.min(...group.map((p) => p.maxDurationSeconds));
    options.push({
      text: { type: 'plain_text', text: truncate(`${number}/${protocols} — max ${formatDuration(max)}`, OPTION_TEXT_MAX) },
      value: String(number),
    });
  }
  return options.slice(0, MAX_OPTIONS);
}

/** A link button: Slack opens it in the browser, where the bot sees the requester's address. */
function myIpButton(url: string): KnownBlock {
  return {
    type: 'actions',
    block_id: MODAL_IDS.myIpBlock,
    elements: [{ type: 'button', action_id: MODAL_IDS.myIpAction, text: { type: 'plain_text', text: 'Use my IP' }, url }],
  };
}

function choosePrompt(): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: 'Choose a VM to see its ports.' }] };
}

interface TextInputOptions {
  placeholder: string;
  hint?: string;
  initial?: string | undefined;
  optional?: boolean;
  multiline?: boolean;
  maxLength?: number;
}

function textInput(blockId: string, actionId: string, label: string, opts: TextInputOptions): InputBlock {
  const max = opts.maxLength ?? 3000;
  return {
    type: 'input',
    block_id: blockId,
    optional: opts.optional ?? false,
    label: { type: 'plain_text', text: label },
    ...(opts.hint ? { hint: { type: 'plain_text', text: opts.hint } } : {}),
    element: {
      type: 'plain_text_input',
      action_id: actionId,
      placeholder: { type: 'plain_text', text: opts.placeholder },
      ...(opts.multiline ? { multiline: true } : {}),
      ...(opts.maxLength === undefined ? {} : { max_length: opts.maxLength }),
      // Slack rejects an initial value longer than max_length.
      ...(opts.initial ? { initial_value: opts.initial.slice(0, max) } : {}),
    },
  };
}

/** A structural copy of Bolt's `view.state.values`, so this file stays free of Bolt. */
export type ModalStateValues = Record<
  string,
  Record<
    string,
    {
      value?: string | null;
      selected_option?: { value?: string } | null;
      selected_options?: { value?: string }[];
    }
  >
>;

export interface ModalValues {
  vm: string;
  /** Comma-joined port numbers as chosen, e.g. `22,3389`; the parser validates them. */
  ports: string;
  source: string;
  duration: string;
  justification: string;
}

function vmValues(state: ModalStateValues[string][string] | undefined): string {
  if (state?.selected_options !== undefined) return optionValues(state.selected_options);
  const single = state?.selected_option?.value;
  return typeof single === 'string' ? single : '';
}

/** The values of selected options; anything a forged payload puts there that is not a list of options counts as none. */
function optionValues(options: unknown): string {
  if (!Array.isArray(options)) return '';
  return options
    .map((o: unknown) => (typeof o === 'object' && o !== null && typeof (o as { value?: unknown }).value === 'string' ? (o as { value: string }).value : ''))
    .filter((v) => v !== '')
    .join(',');
}

/** Pulls the submission back out; missing fields come back empty for the validators to report. */
export function readModalValues(stateValues: ModalStateValues | undefined): ModalValues {
  const get = (block: string, action: string) => stateValues?.[block]?.[action];
  const text = (block: string, action: string) => {
    const value: unknown = get(block, action)?.value;
    return typeof value === 'string' ? value.trim() : '';
  };
  return {
    // Several VMs (multi-select) become the comma list a typed request uses.
    vm: vmValues(get(MODAL_IDS.vmBlock, MODAL_IDS.vmAction)),
    ports: optionValues(get(MODAL_IDS.portsBlock, MODAL_IDS.portsAction)?.selected_options ?? []),
    source: text(MODAL_IDS.sourceBlock, MODAL_IDS.sourceAction),
    duration: text(MODAL_IDS.durationBlock, MODAL_IDS.durationAction),
    justification: text(MODAL_IDS.justificationBlock, MODAL_IDS.justificationAction),
  };
}
