// A Message (domain/message.ts) as a terminal shows it: IDs bare, a command as
// `jit …` (what is typed here, without Slack's slash), a moment in UTC. Nothing
// is markup in a terminal, so nothing is escaped; control characters (a newline
// in a justification, a terminal escape sequence) are replaced instead.

import { type Message, plainText } from '../domain/message.js';

export function plain(message: Message): string {
  return withoutControlCharacters(plainText(message));
}

/** As `oneLine` in io.ts: a run of control characters becomes one space. */
function withoutControlCharacters(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}
