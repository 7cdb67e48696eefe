// The admin's edit modal for one VM's ports: one multiline input, one port per
// line (domain/policy/port-lines.ts reads it), prefilled with what the policy
// says now. A plain text box reads and types the same on a phone as on a desk.

import type { KnownBlock, ModalView } from '@slack/types';
import { MAX_PORT_TEXT, PORT_LINE_EXAMPLE } from '../../domain/policy/port-lines.js';
import type { VmPolicy } from '../../domain/types.js';
import { escapeTruncated, truncate } from './escape.js';
import { vmText } from './request-summary.js';

/** Shared with the listener, so a renamed block cannot silently break the submission handler. */
export const EDIT_IDS = {
  callbackId: 'jit_edit_vm',
  portsBlock: 'ports',
  portsAction: 'ports_input',
  /** The Home's button beside a configured VM (admins). */
  homeButton: 'jit_edit_vm_open',
} as const;

const HINT =
  'One port per line: <port> <protocol> <sources> <max duration> [min=<duration>]. ' +
  'Protocol TCP, UDP or *. Sources: * for any source, or address prefixes separated by commas (203.0.113.0/24,198.51.100.7/32). ' +
  'Durations like PT3H or 3h. Delete a line to stop managing that port; grants already open keep running until their end. Lines starting with # are ignored.';

export function editVmModal(vm: VmPolicy, text: string, backend: string): ModalView {
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(`*${vmText(vm.name)}* · backend \`${escapeTruncated(backend, 40)}\`\n\`${escapeTruncated(vm.id, 500)}\``, 3000) },
    },
    {
      type: 'input',
      block_id: EDIT_IDS.portsBlock,
      label: { type: 'plain_text', text: 'Ports' },
      hint: { type: 'plain_text', text: HINT },
      element: {
        type: 'plain_text_input',
        action_id: EDIT_IDS.portsAction,
        multiline: true,
        max_length: MAX_PORT_TEXT,
        initial_value: text,
        placeholder: { type: 'plain_text', text: PORT_LINE_EXAMPLE },
      },
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: 'Saved in the Slack overlay over the policy file: it takes effect at once and is recorded in the audit channel. `jit policy export` writes the policy file with it.',
        },
      ],
    },
  ];
  return {
    type: 'modal',
    callback_id: EDIT_IDS.callbackId,
    title: { type: 'plain_text', text: 'Edit JIT ports' },
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify({ vm: vm.name }),
    blocks,
  };
}

/** The VM a submitted edit modal is about, or undefined when the payload does not say. */
export function editedVmOf(privateMetadata: unknown): string | undefined {
  if (typeof privateMetadata !== 'string' || privateMetadata.length > 3000) return undefined;
  try {
    const parsed = JSON.parse(privateMetadata) as unknown;
    const vm = typeof parsed === 'object' && parsed !== null ? (parsed as { vm?: unknown }).vm : undefined;
    return typeof vm === 'string' && vm !== '' ? vm : undefined;
  } catch {
    return undefined;
  }
}

/** The text typed into the ports box, whatever shape the payload's state has. */
export function typedPorts(values: unknown): unknown {
  const block = (values as Record<string, Record<string, { value?: unknown }> | undefined> | undefined)?.[EDIT_IDS.portsBlock];
  return block?.[EDIT_IDS.portsAction]?.value;
}
