// Reads the policy file named by JIT_POLICY. The only I/O on the policy's path;
// everything after the read is domain/policy, so tests can feed text directly.

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { readDocument, type PolicyFormat } from '../domain/policy/document.js';
import { formatPolicyProblems, parsePolicy, type PolicyProblem, type PolicyResult } from '../domain/policy/parse.js';
import type { PolicyText } from '../workflow/policy-export.js';
import type { Policy } from '../domain/types.js';

/** A valid policy file: its text and form (the export writes the same form back), its document and its policy. */
export type PolicySource = { ok: true; text: string; format: PolicyFormat; document: unknown; policy: Policy } | { ok: false; problems: PolicyProblem[] };

export function loadPolicyFile(path: string): PolicyResult {
  const source = readPolicySource(path);
  return source.ok ? { ok: true, policy: source.policy } : source;
}

/** The file as `jit policy export` needs it; throws a sentence naming every problem when it is invalid. */
export function readPolicyText(path: string): PolicyText {
  const source = readPolicySource(path);
  if (!source.ok) throw new Error(`JIT_POLICY (${path}) is invalid:\n${formatPolicyProblems(source.problems)}`);
  return source;
}

export function readPolicySource(path: string): PolicySource {
  let text: string;
  try {
    // Editors on Windows often start a UTF-8 file with a byte-order mark, which JSON.parse refuses as an invisible token.
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    return { ok: false, problems: [unreadable(path, error)] };
  }
  const format = formatOf(path, text);
  const parsed = parsePolicy(text, format);
  if (!parsed.ok) return parsed;
  const document = readDocument(text, format);
  // parsePolicy read the same text in the same form a moment ago.
  if (!document.ok) return document;
  return { ok: true, text, format, document: document.value, policy: parsed.policy };
}

function formatOf(path: string, text: string): PolicyFormat {
  const extension = extname(path).toLowerCase();
  if (extension === '.json') return 'json';
  if (extension === '.yaml' || extension === '.yml') return 'yaml';
  // No telling extension: JSON first for its sharper errors, then YAML, which reads both.
  return readDocument(text, 'json').ok ? 'json' : 'yaml';
}

function unreadable(path: string, error: unknown): PolicyProblem {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const fix = 'set JIT_POLICY to the path of a readable YAML or JSON policy file';
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES' || code === 'EPERM'
        ? "permission denied (check who the bot runs as and the file's permissions)"
        : code === 'EISDIR'
          ? 'it is a directory, not a file'
          : error instanceof Error
            ? error.message
            : String(error);
  return { path: '(file)', message: `cannot read ${path}: ${reason}; ${fix}` };
}
