// What an admin reads after `/jit enable`, the edit modal, or the Home's
// Enable JIT button. VM names and ports come from a validated policy; any
// other text is escaped.

import { describePorts } from '../../domain/policy/vm-entry.js';
import type { EditResult, EnableResult } from '../../workflow/admin.js';
import type { Message } from '../../domain/message.js';
import { mrkdwn, slackPlainText } from '../render.js';
import { escapeTruncated, truncate } from './escape.js';
import { requestIdText, vmText } from './request-summary.js';

/** Slack shows a modal's error under the input; beyond a screenful it helps nobody. */
const MODAL_ERROR_MAX = 1500;

const OS_FROM = {
  asked: (os: string) => `${os} defaults, as asked`,
  backend: (os: string) => `${os} defaults: the backend reports a ${os} VM`,
  default: (os: string) => `${os} defaults: the backend does not say which OS it runs; add \`windows\` for RDP and WinRM`,
} as const;

export function enabledText(result: EnableResult): string {
  // The refusal may quote what the admin typed: rendered inert.
  if (!result.ok) return truncate(mrkdwn(result.message), 3000);
  const name = vmText(result.vm.name);
  const os = result.os === 'linux' ? 'Linux' : 'Windows';
  return (
    `JIT is on for *${name}* (${OS_FROM[result.osFrom](os)}): ${escapeTruncated(describePorts(result.vm.ports), 1500)}; backend \`${escapeTruncated(result.backend, 40)}\`. ` +
    `In effect now and recorded in the audit channel. \`/jit edit ${name}\` changes the ports; \`/jit request ${name} …\` asks for access.`
  );
}

export function savedText(result: Extract<EditResult, { ok: true }>): string {
  const name = vmText(result.before.name);
  if (result.change === 'no change') return `Nothing changed on *${name}*: the ports are as they were.`;
  const open =
    result.openGrants.length === 0
      ? ''
      : ` Open grants on ${name} (${result.openGrants
          .slice(0, 10)
          .map((grant) => requestIdText(grant.id))
          .join(', ')}${result.openGrants.length > 10 ? ', …' : ''}) keep their ports and sources until they end; the change applies to new requests.`;
  return `Saved *${name}*: ${escapeTruncated(result.change, 2000)}. In effect now and recorded in the audit channel.${open}`;
}

/** Problems under the modal's input (plain text: nothing is escaped there): one per line, as many as fit. */
export function modalErrorText(messages: readonly Message[]): string {
  const problems = messages.map(slackPlainText);
  let text = '';
  for (const [index, problem] of problems.entries()) {
    const next = text === '' ? problem : `${text}\n${problem}`;
    if (next.length > MODAL_ERROR_MAX) {
      const rest = problems.length - index;
      return text === '' ? truncate(problem, MODAL_ERROR_MAX) : `${text}\n…and ${rest} more`;
    }
    text = next;
  }
  return text;
}
