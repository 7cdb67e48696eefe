// Text into a plain value, with syntax errors located by line and column.
// JSON goes through JSON.parse rather than the YAML parser (which accepts JSON)
// because its errors speak JSON: a YAML parser explains a stray comma in YAML terms.

import { parseDocument, Parser } from 'yaml';
import type { PolicyProblem } from './problems.js';

export type PolicyFormat = 'yaml' | 'json';

export type DocumentResult = { ok: true; value: unknown } | { ok: false; problems: PolicyProblem[] };

const FILE = '(file)';

export function readDocument(text: string, format: PolicyFormat): DocumentResult {
  return format === 'json' ? readJson(text) : readYaml(text);
}

function readJson(text: string): DocumentResult {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const offset = jsonErrorOffset(text, message);
    // V8 quotes the whole input in some messages; the location says enough.
    const reason = message.replace(/, (?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/, '').replace(/ in JSON at position \d+.*$/, '');
    return { ok: false, problems: [{ path: FILE, message: `invalid JSON at ${lineAndColumn(text, offset)}: ${reason}` }] };
  }
  // JSON.parse keeps the last of two equal keys without a word, so a reviewer could
  // approve one value while the bot reads another (YAML refuses them: uniqueKeys).
  const duplicates = duplicateKeyOffsets(text);
  if (duplicates.length === 0) return { ok: true, value };
  return {
    ok: false,
    problems: duplicates.map((offset) => ({
      path: FILE,
      message: `invalid JSON at ${lineAndColumn(text, offset)}: this key repeats in the same object; keep one`,
    })),
  };
}

/** Offsets of keys repeated within one object. Only for text JSON.parse accepted; one pass, no recursion. */
function duplicateKeyOffsets(text: string): number[] {
  const offsets: number[] = [];
  const open: (Set<string> | null)[] = []; // a Set per enclosing object, null per array
  let expectKey = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '{' || c === '[') {
      open.push(c === '{' ? new Set() : null);
      expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      open.pop();
    } else if (c === ',') {
      expectKey = (open.at(-1) ?? null) !== null;
    } else if (c === '"') {
      const start = i;
      for (i += 1; i < text.length && text[i] !== '"'; i += 1) if (text[i] === '\\') i += 1;
      const keys = open.at(-1);
      if (!expectKey || !keys) continue;
      expectKey = false;
      const key = JSON.parse(text.slice(start, i + 1)) as string;
      if (keys.has(key)) offsets.push(start);
      else keys.add(key);
    }
  }
  return offsets;
}

/** Far beyond any policy (under ten levels), far below where the YAML composer's recursion runs out of stack. */
const MAX_YAML_NESTING = 64;

function readYaml(text: string): DocumentResult {
  // Checked first: the composer recurses per level, and a stack overflow inside its
  // regular expressions aborts the whole process (V8 calls it out of memory), past any catch.
  const depth = yamlNesting(text);
  if (depth > MAX_YAML_NESTING) {
    return {
      ok: false,
      problems: [
        { path: FILE, message: `invalid YAML: nested ${depth} levels deep, more than the ${MAX_YAML_NESTING} allowed (a policy needs fewer than ten)` },
      ],
    };
  }
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

/** How deeply the YAML nests, read from the parser's token tree (the parser keeps its own stack; this walk too). */
function yamlNesting(text: string): number {
  let deepest = 0;
  const stack: { node: unknown; depth: number }[] = [];
  for (const token of new Parser().parse(text)) stack.push({ node: token, depth: 0 });
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { node, depth } = next;
    deepest = Math.max(deepest, depth);
    if (typeof node !== 'object' || node === null) continue;
    const { value, items } = node as { value?: unknown; items?: { key?: unknown; value?: unknown }[] };
    if (value !== undefined) stack.push({ node: value, depth });
    for (const item of items ?? []) {
      if (item.key !== undefined) stack.push({ node: item.key, depth: depth + 1 });
      if (item.value !== undefined) stack.push({ node: item.value, depth: depth + 1 });
    }
  }
  return deepest;
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
