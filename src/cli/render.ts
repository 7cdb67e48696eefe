// A Message (domain/message.ts) as a terminal shows it: IDs bare, a command as
// `jit …` (what is typed here, without Slack's slash), a moment in UTC. Nothing
// is markup in a terminal, so nothing is escaped; control characters (a newline
// in a justification, a terminal escape sequence) are replaced instead.

import { type Message, plainText } from '../domain/message.js';
import { oneLine } from './io.js';

export function plain(message: Message): string {
  return oneLine(plainText(message));
}
