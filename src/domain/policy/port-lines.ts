// The edit modal's text form of a VM's ports: one port per line,
// `<port> <protocol> <sources> <max duration> [min=<duration>]`, e.g.
//   22 TCP * PT3H
//   3389 TCP 203.0.113.0/24,198.51.100.0/24 PT1H min=PT5M
// Lines become raw port objects in the native policy form; the policy's own
// schema then judges them, and its problems are told back by line.

import { parseDuration, toIsoDuration } from '../duration.js';
import type { PortPolicy } from '../types.js';
import type { PolicyProblem } from './problems.js';

/** Slack's own cap on a plain-text input; a forged submission may send more. */
export const MAX_PORT_TEXT = 3000;
/** Far more than any VM needs; a longer list belongs in the policy file. */
export const MAX_PORT_LINES = 64;

export const PORT_LINE_FORMAT = '<port> <protocol> <sources> <max duration> [min=<duration>]';
export const PORT_LINE_EXAMPLE = '22 TCP * PT3H';

export interface PortLine {
  /** 1-based line number in the text as typed. */
  line: number;
  text: string;
}

export type PortLinesResult = { ok: true; ports: Record<string, unknown>[]; lines: PortLine[] } | { ok: false; problems: string[] };

/** The ports as lines, in the format parsePortLines reads. */
export function formatPortLines(ports: readonly PortPolicy[]): string {
  return ports
    .map((port) => {
      const sources = port.anySource ? '*' : port.allowedSourcePrefixes.join(',');
      const min = port.minDurationSeconds > 1 ? ` min=${toIsoDuration(port.minDurationSeconds)}` : '';
      return `${port.number} ${port.protocol} ${sources} ${toIsoDuration(port.maxDurationSeconds)}${min}`;
    })
    .join('\n');
}

/** Splits and shapes the lines; whether each value is valid is the policy schema's call. */
export function parsePortLines(text: unknown): PortLinesResult {
  if (typeof text !== 'string') return { ok: false, problems: ['No ports arrived: type one port per line, e.g. `22 TCP * PT3H`.'] };
  if (text.length > MAX_PORT_TEXT)
    return { ok: false, problems: [`That is ${text.length} characters; the limit is ${MAX_PORT_TEXT}. Longer lists belong in the policy file.`] };
  const lines = text.split(/\r?\n/).flatMap((raw, index) => {
    const trimmed = raw.trim();
    return trimmed === '' || trimmed.startsWith('#') ? [] : [{ line: index + 1, text: trimmed }];
  });
  if (lines.length === 0) return { ok: false, problems: [`Give at least one port, one per line as ${PORT_LINE_FORMAT}, e.g. \`${PORT_LINE_EXAMPLE}\`.`] };
  if (lines.length > MAX_PORT_LINES)
    return { ok: false, problems: [`That is ${lines.length} ports; at most ${MAX_PORT_LINES} can be edited here. Longer lists belong in the policy file.`] };
  const problems: string[] = [];
  const ports = lines.map((line) => {
    const shaped = shapeLine(line.text);
    if (typeof shaped === 'string') problems.push(`Line ${line.line} (${quote(line.text)}): ${shaped}`);
    return typeof shaped === 'string' ? {} : shaped;
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, ports, lines };
}

/** The schema's problems about a VM (paths relative to it) told by line: `Line 2 (`22 TCP * 3 hours`): max duration: …`. */
export function lineProblems(problems: readonly PolicyProblem[], lines: readonly PortLine[]): string[] {
  const lineOf = (index: number) => lines[index]?.line ?? index + 1;
  const byLine = (message: string) => message.replace(/\bports\[(\d+)\]/g, (_, index: string) => `line ${lineOf(Number(index))}`);
  return problems.map(({ path, message }) => {
    const match = /^ports\[(\d+)\](?:\.(\w+))?/.exec(path);
    if (!match) return byLine(path === 'ports' || path === '(vm)' ? message : `${path}: ${message}`);
    const index = Number(match[1]);
    const field = match[2] === undefined ? '' : `${FIELD_NAMES[match[2]] ?? match[2]}: `;
    return `Line ${lineOf(index)} (${quote(lines[index]?.text ?? '')}): ${field}${byLine(message)}`;
  });
}

const FIELD_NAMES: Record<string, string> = {
  number: 'port',
  protocol: 'protocol',
  allowedSourceAddressPrefix: 'sources',
  allowedSourceAddressPrefixes: 'sources',
  maxRequestAccessDuration: 'max duration',
  minRequestAccessDuration: 'min',
};

function shapeLine(text: string): Record<string, unknown> | string {
  // `203.0.113.0/24, 198.51.100.0/24` is one list, however it was spaced.
  const words = text.replace(/\s*,\s*/g, ',').split(/\s+/);
  if (words.length < 4 || words.length > 5) {
    return `expected 4 parts, ${PORT_LINE_FORMAT}, e.g. \`${PORT_LINE_EXAMPLE}\`; got ${words.length}`;
  }
  const [number = '', protocol = '', sources = '', max = '', min] = words;
  if (min !== undefined && !/^min=/i.test(min)) return 'the fifth part, when given, is the minimum duration as min=<duration>, e.g. min=PT5M';
  const prefixes = sources.toLowerCase() === 'any' ? ['*'] : sources.split(',').filter((prefix) => prefix !== '');
  return {
    // Digits become a number for the schema to range-check; anything else stays text for it to name.
    number: /^\d{1,9}$/.test(number) ? Number(number) : number,
    protocol: protocol.toLowerCase() === 'any' ? '*' : protocol,
    ...(prefixes.length === 1 ? { allowedSourceAddressPrefix: prefixes[0] } : { allowedSourceAddressPrefixes: prefixes }),
    maxRequestAccessDuration: iso(max),
    ...(min === undefined ? {} : { minRequestAccessDuration: iso(min.slice(4)) }),
  };
}

/** `3h` is accepted here and stored as Azure's `PT3H`; anything unreadable is left for the schema to name. */
function iso(text: string): string {
  const parsed = parseDuration(text);
  return parsed.ok ? toIsoDuration(parsed.seconds) : text;
}

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return `\`${flat.length > 40 ? `${flat.slice(0, 40)}…` : flat}\``;
}
