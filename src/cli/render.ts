// A Message (domain/message.ts) as a terminal shows it: people and groups by
// name when the CLI could look them up (names.ts), else their bare IDs; a
// command as `jit …` (what is typed here, without Slack's slash), a moment in
// UTC. Nothing is markup in a terminal, so nothing is escaped; control
// characters (a newline in a justification, a terminal escape sequence) are
// replaced instead.

import { type Message, renderMessage, utcText } from '../domain/message.js';
import { oneLine } from './io.js';
import { IDS, type Names } from './names.js';

export function plain(message: Message, names: Names = IDS): string {
  return oneLine(
    renderMessage(message, {
      text: (text) => text,
      user: (id) => names.of(id),
      group: (id) => names.of(id),
      command: (line) => `\`${line}\``,
      date: utcText,
    }),
  );
}

/** The user and group IDs a message names, to look up before it is shown. */
export function principalsIn(message: Message): string[] {
  return message.flatMap((part) => (typeof part === 'string' ? [] : 'user' in part ? [part.user] : 'group' in part ? [part.group] : []));
}
