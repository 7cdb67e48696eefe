// Sentences as data. The core says what a user is told as a list of parts:
// literal text, people, groups, commands and moments. Each surface renders
// them its own way (Slack mrkdwn in slack/render.ts, a terminal line in
// cli/render.ts, a log line here), so no sentence carries one surface's markup
// and nothing has to guess what to escape or strip. Pure.

import { formatUtc } from './duration.js';
import { isGroupId } from './wording.js';

export type Part =
  /** Literal text: shown as written (the Slack renderer escapes it). */
  | string
  /** A person by Slack user ID (U…/W…), or `system`. */
  | { readonly user: string }
  /** A Slack user group by ID (S…). */
  | { readonly group: string }
  /** A jit command line without any slash, e.g. `jit cancel k7m2qp`. */
  | { readonly command: string }
  /** A moment, epoch ms. */
  | { readonly date: number };

export type Message = readonly Part[];

/** What a `msg` template may interpolate: numbers become text, a Message is spliced in. */
export type Value = number | Part | Message;

/** How one surface shows each kind of part; `renderMessage` joins the pieces. */
export interface PartRenderer {
  text(text: string): string;
  user(id: string): string;
  group(id: string): string;
  command(line: string): string;
  date(epochMs: number): string;
}

/** `msg\`Request #${id} is ${state}.\``: adjacent text is merged, empty text dropped. */
export function msg(strings: TemplateStringsArray, ...values: readonly Value[]): Message {
  const parts: Part[] = [];
  strings.forEach((text, i) => {
    push(parts, text);
    if (i < values.length) append(parts, values[i]!);
  });
  return parts;
}

export function user(id: string): Part {
  return { user: id };
}

export function group(id: string): Part {
  return { group: id };
}

/** A leading slash is dropped: the Slack renderer adds it, the terminal shows none. */
export function command(line: string): Part {
  return { command: line.replace(/^\/+/, '') };
}

export function date(epochMs: number): Part {
  return { date: epochMs };
}

/** A principal ID as a part: group IDs start with S, everything else is a user. */
export function principal(id: string): Part {
  return isGroupId(id) ? group(id) : user(id);
}

/**
 * "U1, U2 or a member of S1 or S2", worded like `describePrincipals` in
 * wording.ts but with user and group parts, so Slack shows mentions; "nobody"
 * for an empty list.
 */
export function principals(ids: readonly string[]): Message {
  if (ids.length === 0) return ['nobody'];
  const groups = ids.filter(isGroupId).map(group);
  const items: Message[] = ids.filter((id) => !isGroupId(id)).map((id) => [user(id)]);
  if (groups.length > 0) items.push(msg`a member of ${orList(groups.map((g) => [g]))}`);
  return orList(items);
}

/**
 * "U1, S1, U2 and 3 more": every principal named on its own, the rest counted
 * past `max` (as `mentionList` in slack/blocks/escape.ts); "nobody" when empty.
 */
export function principalList(ids: readonly string[], max = 20): Message {
  if (ids.length === 0) return ['nobody'];
  const shown = join(
    ids.slice(0, max).map((id) => [principal(id)]),
    ', ',
  );
  const rest = ids.length - max;
  return rest > 0 ? msg`${shown} and ${rest} more` : shown;
}

/** "a", "a or b", "a, b or c" (as `orList` in wording.ts). */
function orList(items: readonly Message[]): Message {
  if (items.length <= 1) return items[0] ?? [];
  return msg`${join(items.slice(0, -1), ', ')} or ${items[items.length - 1]!}`;
}

function join(items: readonly Message[], separator: string): Message {
  const parts: Part[] = [];
  items.forEach((item, i) => {
    if (i > 0) push(parts, separator);
    append(parts, item);
  });
  return parts;
}

export function renderMessage(message: Message, renderer: PartRenderer): string {
  return message.map((part) => renderPart(part, renderer)).join('');
}

function renderPart(part: Part, renderer: PartRenderer): string {
  if (typeof part === 'string') return renderer.text(part);
  if ('user' in part) return renderer.user(part.user);
  if ('group' in part) return renderer.group(part.group);
  if ('command' in part) return renderer.command(part.command);
  return renderer.date(part.date);
}

/**
 * The message for logs and `Error.message`: users and groups as their bare
 * IDs, a command as `` `jit cancel k7m2qp` ``, a moment as `formatUtc` writes
 * it (`2026-11-28 09:00:00 UTC`, the form error messages have always used).
 */
export function plainText(message: Message): string {
  return renderMessage(message, PLAIN);
}

const PLAIN: PartRenderer = {
  text: (text) => text,
  user: (id) => id,
  group: (id) => id,
  command: (line) => `\`${line}\``,
  date: utcText,
};

/** `formatUtc`, or words for a moment no Date can hold (formatUtc would throw). */
export function utcText(epochMs: number): string {
  return Number.isNaN(new Date(epochMs).getTime()) ? 'an unknown time' : formatUtc(epochMs);
}

function append(parts: Part[], value: Value): void {
  if (typeof value === 'number') push(parts, String(value));
  else if (isMessage(value)) for (const part of value) push(parts, part);
  else push(parts, value);
}

function push(parts: Part[], part: Part): void {
  if (typeof part !== 'string') {
    parts.push(part);
    return;
  }
  if (part === '') return;
  const last = parts[parts.length - 1];
  if (typeof last === 'string') parts[parts.length - 1] = last + part;
  else parts.push(part);
}

function isMessage(value: Value): value is Message {
  return Array.isArray(value);
}
