// Reads the policy file named by JIT_POLICY. The only I/O on the policy's path;
// everything after the read is domain/policy, so tests can feed text directly.
// JIT_POLICY may instead name Defender for Cloud (azure://…): its shape is
// checked here, where the CLI can check it too; azure-policy.ts reads it.

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { readDocument, type PolicyFormat } from '../domain/policy/document.js';
import { formatPolicyProblems, parsePolicy, type PolicyProblem, type PolicyResult } from '../domain/policy/parse.js';
import type { PolicyText } from '../workflow/policy-export.js';
import type { Policy } from '../domain/types.js';

/** A valid policy file: its text and form (the export writes the same form back), its document and its policy. */
/** `warnings`: what loaded but deserves a person's look (an extension for a VM Defender for Cloud no longer lists). */
export type PolicySource =
  | { ok: true; text: string; format: PolicyFormat; document: unknown; policy: Policy; warnings?: string[] }
  | { ok: false; problems: PolicyProblem[] };

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

export function formatOf(path: string, text: string): PolicyFormat {
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

/** Where Defender for Cloud's JIT policies are read: a subscription, or one resource group of it. */
export interface AzurePolicyScope {
  /** The URL as configured, for messages. */
  url: string;
  subscriptionId: string;
  resourceGroup?: string;
}

const AZURE_SHAPE = 'azure://subscriptions/<subscription id>[/resourceGroups/<resource group>]';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// ARM's rule for resource group names: up to 90 of these, not ending in a period.
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/u;

/** Whether JIT_POLICY names Defender for Cloud rather than a file (any `azure:` prefix, so a malformed URL is told its shape, not looked for on disk). */
export function isAzurePolicyUrl(value: string): boolean {
  return /^azure:/i.test(value.trim());
}

export function parseAzurePolicyUrl(value: string): { ok: true; scope: AzurePolicyScope } | { ok: false; error: string } {
  const url = value.trim();
  const bad = (why: string) => ({ ok: false as const, error: `${url.slice(0, 200)} is not a Defender for Cloud policy URL: ${why}; write ${AZURE_SHAPE}` });
  const rest = /^azure:\/\/(.*)$/i.exec(url)?.[1];
  if (rest === undefined) return bad('it must start with azure://');
  const parts = rest.replace(/\/+$/, '').split('/');
  if (parts[0]?.toLowerCase() !== 'subscriptions' || parts[1] === undefined || parts[1] === '') return bad('it must name a subscription');
  const subscriptionId = parts[1];
  if (!GUID.test(subscriptionId))
    return bad(`\`${subscriptionId.slice(0, 60)}\` is not a subscription id (a GUID such as 00000000-0000-0000-0000-000000000000)`);
  if (parts.length === 2) return { ok: true, scope: { url, subscriptionId } };
  if (parts[2]?.toLowerCase() !== 'resourcegroups' || parts.length !== 4) return bad('after the subscription only /resourceGroups/<resource group> may follow');
  const resourceGroup = parts[3] ?? '';
  if (!RESOURCE_GROUP.test(resourceGroup))
    return bad(`\`${resourceGroup.slice(0, 60)}\` is not a resource group name (letters, digits, - _ . ( ), up to 90, not ending in .)`);
  return { ok: true, scope: { url, subscriptionId, resourceGroup } };
}
