// Text into a plain value, with syntax errors located by line and column.
// JSON goes through JSON.parse rather than the YAML parser (which accepts JSON)
// because its errors speak JSON: a YAML parser explains a stray comma in YAML terms.

import { parseDocument } from 'yaml';
import type { PolicyProblem } from './problems.js';

export type PolicyFormat = 'yaml' | 'json';

export type DocumentResult = { ok: true; value: unknown } | { ok: false; problems: PolicyProblem[] };

const FILE = '(file)';

export function readDocument(text: string, format: PolicyFormat): DocumentResult {
  return format === 'json' ? readJson(text) : readYaml(text);
}

function readJson(text: string): DocumentResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const offset = jsonErrorOffset(text, message);
    // V8 quotes the whole input in some messages; the location says enough.
    const reason = message.replace(/, (?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/, '').replace(/ in JSON at position \d+.*$/, '');
    return { ok: false, problems: [{ path: FILE, message: `invalid JSON at ${lineAndColumn(text, offset)}: ${reason}` }] };
  }
}

function readYaml(text: string): DocumentResult {
  // `uniqueKeys` makes a repeated key an error instead of silently keeping the last one.
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error) => {
      const reason = error.message.split('\n')[0] ?? error.message;
      // `allowedSourceAddressPrefix: *` is Azure's "any source", but bare `*` starts a YAML alias.
      const hint = /^\*(?=[\s,}\]#]|$)/.test(text.slice(error.pos[0])) ? '; a bare * starts a YAML alias: write "*" in quotes' : '';
      return { path: FILE, message: `invalid YAML at ${lineAndColumn(text, error.pos[0])}: ${reason}${hint}` };
    });
    return { ok: false, problems };
  }
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: 100 }) as unknown };
  } catch (error) {
    // Only alias-expansion limits throw here (a "billion laughs" document).
    return { ok: false, problems: [{ path: FILE, message: `invalid YAML: ${error instanceof Error ? error.message : String(error)}` }] };
  }
}

/** Character offset of a JSON.parse failure. */
function jsonErrorOffset(text: string, message: string): number {
  const position = /at position (\d+)/.exec(message);
  if (position) return Number(position[1]);
  if (/end of JSON input/.test(message)) return text.length;
  // V8 gives no position for "Unexpected token" (a trailing comma, say). The
  // shortest prefix that already fails for a reason other than ending early ends
  // at the bad character; failing that way is monotone in the prefix length.
  let good = 0;
  let bad = text.length;
  while (bad - good > 1) {
    const middle = Math.floor((good + bad) / 2);
    if (failsBeforeEnd(text.slice(0, middle))) bad = middle;
    else good = middle;
  }
  return bad - 1;
}

function failsBeforeEnd(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return false;
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    if (/end of JSON input/.test(message)) return false;
    const position = /at position (\d+)/.exec(message);
    return !position || Number(position[1]) < prefix.length;
  }
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}
