// The effective policy written back in the policy file's own form: the file
// with the applied overlay entries merged in, so a team can commit what the
// bot runs. YAML keeps the file's comments and layout wherever the overlay did
// not replace a VM (edited through yaml's Document API); JSON has no comments.

import { parseDocument, stringify } from 'yaml';
import { readDocument, type PolicyFormat } from './document.js';
import type { Composed } from './overlay.js';

export interface RenderInput {
  /** The policy file's text and form, as read. */
  text: string;
  format: PolicyFormat;
  composed: Pick<Composed, 'document' | 'slots' | 'applied'>;
}

export function renderPolicy(input: RenderInput): string {
  const { composed } = input;
  // Nothing from the overlay applies: the file is already what the bot runs, byte for byte.
  if (composed.applied.length === 0) return input.text;
  if (input.format === 'json') return `${JSON.stringify(composed.document, null, 2)}\n`;
  const edited = editInPlace(input);
  // The in-place edit must read back as exactly the merged document; anything else
  // (an alias in the way, an unusual layout) falls back to a plain, comment-free rendering.
  if (edited !== undefined) {
    const reread = readDocument(edited, 'yaml');
    if (reread.ok && JSON.stringify(reread.value) === JSON.stringify(composed.document)) return edited;
  }
  return stringify(composed.document);
}

function editInPlace({ text, composed }: RenderInput): string | undefined {
  try {
    const doc = parseDocument(text, { uniqueKeys: true });
    if (doc.errors.length > 0) return undefined;
    composed.slots.forEach((slot, index) => {
      const vm = composed.applied[index]?.vm;
      if (vm === undefined) throw new Error('slots and entries disagree');
      if (slot.replaced) {
        doc.setIn(slot.path, doc.createNode(vm));
        return;
      }
      const list = slot.path.slice(0, -1);
      if (doc.hasIn(list)) doc.addIn(list, doc.createNode(vm));
      else doc.setIn(list, doc.createNode([vm]));
    });
    // No folding and no padding inside [ ]: untouched lines keep the look they had.
    return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  } catch {
    return undefined;
  }
}
