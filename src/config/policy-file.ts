// Reads the policy file named by JIT_POLICY. The only I/O on the policy's path;
// everything after the read is domain/policy, so tests can feed text directly.

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { readDocument } from '../domain/policy/document.js';
import { parsePolicy, parsePolicyDocument, type PolicyProblem, type PolicyResult } from '../domain/policy/parse.js';

export function loadPolicyFile(path: string): PolicyResult {
  let text: string;
  try {
    // Editors on Windows often start a UTF-8 file with a byte-order mark, which JSON.parse refuses as an invisible token.
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    return { ok: false, problems: [unreadable(path, error)] };
  }
  const extension = extname(path).toLowerCase();
  if (extension === '.json') return parsePolicy(text, 'json');
  if (extension === '.yaml' || extension === '.yml') return parsePolicy(text, 'yaml');
  // No telling extension: JSON first for its sharper errors, then YAML, which reads both.
  const json = readDocument(text, 'json');
  return json.ok ? parsePolicyDocument(json.value) : parsePolicy(text, 'yaml');
}

function unreadable(path: string, error: unknown): PolicyProblem {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const fix = 'set JIT_POLICY to the path of a readable YAML or JSON policy file';
  const reason =
    code === 'ENOENT' ? 'no such file' :
    code === 'EACCES' || code === 'EPERM' ? 'permission denied (check who the bot runs as and the file\'s permissions)' :
    code === 'EISDIR' ? 'it is a directory, not a file' :
    error instanceof Error ? error.message : String(error);
  return { path: '(file)', message: `cannot read ${path}: ${reason}; ${fix}` };
}
