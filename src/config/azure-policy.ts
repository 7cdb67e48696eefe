// The policy of an azure:// JIT_POLICY: Defender for Cloud's JIT policies, as
// ARM lists them, with the bot's own extensions from JIT_POLICY_EXTENSIONS
// merged in, as ONE document that the policy parser validates exactly as it
// validates a file (so an azure:// policy can never hold what a file could
// not). Every problem is told where a person fixes it: the extensions file and
// its key, or the Defender policy and VM. The Azure call itself is a function
// handed in (firewall/azure/defender-policies.ts in the bot, a fake in tests).

import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { isRecord } from '../domain/policy/checks.js';
import { readDocument } from '../domain/policy/document.js';
import { parsePolicyDocument } from '../domain/policy/parse.js';
import { describeValue, type PolicyProblem, unknownKeyMessage } from '../domain/policy/problems.js';
import { type AzurePolicyScope, formatOf, type PolicySource } from './policy-file.js';

/** JIT_POLICY_EXTENSIONS as read: its path (for messages) and its document. */
export interface Extensions {
  path: string;
  document: unknown;
}

const ROOT_KEYS = ['approvers', 'readers', 'admins', 'rules', 'vms'];
const VM_KEYS = ['name', 'address', 'backend', 'tags'];
const VMS_HINT = 'a map from each VM’s Azure resource id to its name, address, backend and tags';

/** Reads Defender for Cloud (through `list`) and the extensions file; throws only when Azure cannot be read. */
export async function readAzurePolicy(
  scope: AzurePolicyScope,
  extensionsPath: string | undefined,
  list: (scope: AzurePolicyScope) => Promise<unknown[]>,
): Promise<PolicySource> {
  // The local file first: its mistakes are found without a call to Azure.
  const extensions = extensionsPath === undefined ? undefined : readExtensions(extensionsPath);
  if (extensions !== undefined && !extensions.ok) return extensions;
  return composeAzurePolicy(scope, await list(scope), extensions?.extensions);
}

export function readExtensions(path: string): { ok: true; extensions: Extensions } | { ok: false; problems: PolicyProblem[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory, not a file' : (error as Error).message;
    return { ok: false, problems: [{ path, message: `cannot read JIT_POLICY_EXTENSIONS: ${why}; set it to a readable YAML or JSON file, or unset it` }] };
  }
  const document = readDocument(text, formatOf(path, text));
  if (!document.ok) return { ok: false, problems: document.problems.map((problem) => ({ path, message: problem.message })) };
  return { ok: true, extensions: { path, document: document.value ?? {} } };
}

/**
 * Defender's policies (ARM's wire form) with the extensions merged into one
 * policy document: the extensions' root keys beside `value`, each VM's
 * extension fields inside that VM. Its text is YAML, a file the bot accepts as JIT_POLICY.
 */
export function composeAzurePolicy(scope: AzurePolicyScope, policies: readonly unknown[], extensions?: Extensions): PolicySource {
  const problems: PolicyProblem[] = [];
  const ext = extensions === undefined ? { root: {}, vms: new Map<string, VmExtension>() } : splitExtensions(extensions, problems);
  const value = policies.map((policy) => mergePolicy(policy, ext.vms));
  if (problems.length > 0) return { ok: false, problems };
  // Defender is the source of the VMs: one it no longer lists (JIT turned off
  // there) leaves the bot's policy at once, and its leftover entry is only a warning.
  const warnings = [...ext.vms.values()]
    .filter((entry) => !entry.used)
    .map(
      (entry) =>
        `${extensions?.path}: ${vmKeyPath(entry.key)}: Defender for Cloud has no JIT policy for this VM in ${scope.url}, so the entry is not used: enable JIT on the VM in Defender for Cloud, or remove the entry`,
    );
  const document = { ...ext.root, value };
  const parsed = parsePolicyDocument(document);
  if (!parsed.ok) return { ok: false, problems: parsed.problems.map((problem) => locate(problem, value, ext.vms, extensions?.path)) };
  const text = `# Defender for Cloud's JIT policies of ${scope.url}${extensions ? `, with ${extensions.path} merged in` : ''}\n${stringify(document)}`;
  return { ok: true, text, format: 'yaml', document, policy: parsed.policy, ...(warnings.length > 0 ? { warnings } : {}) };
}

interface VmExtension {
  /** The key as written in the extensions file. */
  key: string;
  fields: Record<string, unknown>;
  used: boolean;
}

const idKey = (id: string) => id.trim().replace(/\/+$/, '').toLowerCase();
const vmKeyPath = (key: string) => `vms[${JSON.stringify(key)}]`;

function splitExtensions(extensions: Extensions, problems: PolicyProblem[]): { root: Record<string, unknown>; vms: Map<string, VmExtension> } {
  const { path, document } = extensions;
  const vms = new Map<string, VmExtension>();
  if (!isRecord(document)) {
    problems.push({ path, message: `expected an object with approvers, readers, admins, rules and vms, got ${describeValue(document)}` });
    return { root: {}, vms };
  }
  const root: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document)) {
    if (key === '$schema') continue;
    if (key === 'vms') continue;
    if (key === 'virtualMachines' || key === 'value' || key === 'properties')
      problems.push({
        path: `${path}: ${key}`,
        message: `VMs and their ports come from Defender for Cloud, not from this file: put each VM's name, address, backend and tags under \`vms\`, keyed by its Azure resource id`,
      });
    else if (ROOT_KEYS.includes(key)) root[key] = value;
    else problems.push({ path: `${path}: ${key}`, message: unknownKeyMessage(key, ROOT_KEYS) });
  }
  if (document.vms === undefined || document.vms === null) return { root, vms };
  if (!isRecord(document.vms)) {
    problems.push({ path: `${path}: vms`, message: `expected ${VMS_HINT}, got ${describeValue(document.vms)}` });
    return { root, vms };
  }
  for (const [key, fields] of Object.entries(document.vms)) {
    const where = `${path}: ${vmKeyPath(key)}`;
    if (!isRecord(fields)) {
      problems.push({ path: where, message: `expected an object with name, address, backend or tags, got ${describeValue(fields)}` });
      continue;
    }
    for (const field of Object.keys(fields)) {
      if (field === 'ports' || field === 'id')
        problems.push({
          path: `${where}.${field}`,
          message: `the VM's ${field} come${field === 'id' ? 's' : ''} from Defender for Cloud: change it there, not here`,
        });
      else if (!VM_KEYS.includes(field)) problems.push({ path: `${where}.${field}`, message: unknownKeyMessage(field, VM_KEYS) });
    }
    const other = vms.get(idKey(key));
    if (other !== undefined) problems.push({ path: where, message: `the same VM as ${vmKeyPath(other.key)} (ids ignore case): keep one entry` });
    else vms.set(idKey(key), { key, fields, used: false });
  }
  return { root, vms };
}

/** One Defender policy in the form a policy file holds it: Azure's fields, its VMs with their extensions; requests and provisioning state dropped. */
function mergePolicy(policy: unknown, vms: Map<string, VmExtension>): unknown {
  if (!isRecord(policy) || !isRecord(policy.properties) || !Array.isArray(policy.properties.virtualMachines)) return policy;
  const { requests: _requests, provisioningState: _state, ...properties } = policy.properties;
  const virtualMachines = policy.properties.virtualMachines.map((vm: unknown) => {
    if (!isRecord(vm) || typeof vm.id !== 'string') return vm;
    const entry = vms.get(idKey(vm.id));
    if (entry === undefined) return vm;
    entry.used = true;
    const { id, ...azure } = vm;
    return { id, ...entry.fields, ...azure };
  });
  return { ...policy, properties: { ...properties, virtualMachines } };
}

const AZURE_VM_PATH = /value\[(\d+)\]\.properties\.virtualMachines\[(\d+)\]((?:\.[A-Za-z]+|\[[^\]]*\])*)/g;

/** A problem of the composed document, told where it is written: the extensions file, or the Defender policy and VM. */
function locate(problem: PolicyProblem, value: readonly unknown[], vms: Map<string, VmExtension>, extensionsPath: string | undefined): PolicyProblem {
  const policyId = (index: number) => {
    const policy = value[index];
    return isRecord(policy) && typeof policy.id === 'string' ? policy.id : `#${index + 1}`;
  };
  const where = (policy: number, vm: number, rest: string): string => {
    const raw = (value[policy] as { properties: { virtualMachines: unknown[] } }).properties.virtualMachines[vm];
    const id = isRecord(raw) && typeof raw.id === 'string' ? raw.id : `#${vm + 1}`;
    const field = /^\.([A-Za-z]+)/.exec(rest)?.[1];
    const entry = isRecord(raw) && typeof raw.id === 'string' ? vms.get(idKey(raw.id)) : undefined;
    if (entry !== undefined && field !== undefined && field in entry.fields) return `${extensionsPath}: ${vmKeyPath(entry.key)}${rest}`;
    return `Defender for Cloud policy ${policyId(policy)}, VM ${id}${rest === '' ? '' : ` ${rest.replace(/^\./, '')}`}`;
  };
  // The parser's messages may point at another spot of the same document (a short name already used).
  const message = problem.message.replace(AZURE_VM_PATH, (_, p: string, v: string, rest: string) => where(Number(p), Number(v), rest));
  const vm = new RegExp(`^${AZURE_VM_PATH.source}$`).exec(problem.path);
  if (vm) return { path: where(Number(vm[1]), Number(vm[2]), vm[3] ?? ''), message };
  const policy = /^value\[(\d+)\](.*)$/.exec(problem.path);
  if (policy) return { path: `Defender for Cloud policy ${policyId(Number(policy[1]))}${policy[2] ? ` ${policy[2].replace(/^\./, '')}` : ''}`, message };
  if (problem.path === 'value' || problem.path === '(root)' || problem.path === '(file)') return { path: 'Defender for Cloud', message };
  return { path: `${extensionsPath ?? 'JIT_POLICY_EXTENSIONS'}: ${problem.path}`, message };
}
