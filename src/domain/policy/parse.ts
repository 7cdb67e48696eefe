// A policy document in any of the accepted forms (native, Azure resource,
// Azure list, Azure PUT body) into one `Policy`, or every problem with its path
// written as in the document the person is editing.

import type * as z from 'zod';
import type { Policy, VmPolicy } from '../types.js';
import { checkPrototypeKeys, checkRules, checkVms, isRecord, type Located, type PathProblem } from './checks.js';
import { readDocument, type PolicyFormat } from './document.js';
import { closestKey, describeValue, formatPath, unknownKeyMessage, type Path, type PolicyProblem } from './problems.js';
import { rulesSchema } from './rule-schema.js';
import { approversSchema, vmSchema } from './schema.js';

export type { PolicyFormat } from './document.js';
export { formatPolicyProblems, type PolicyProblem } from './problems.js';

export type PolicyResult = { ok: true; policy: Policy } | { ok: false; problems: PolicyProblem[] };

const EMPTY = 'the policy is empty: it needs at least `virtualMachines: []`, or an Azure policy with properties.virtualMachines';
const EXTENSIONS = ['approvers', 'readers', 'rules', 'admins'];
const NATIVE_KEYS = ['virtualMachines', 'approvers', 'readers', 'rules', 'admins'];
/** Any of these marks a document as Azure's, even when it lacks `properties`. */
export const AZURE_MARKERS = ['properties', 'id', 'type', 'kind', 'location'];
/** Azure's own root keys, ignored; anything else close to an extension name is a likely typo. */
const AZURE_ROOT_KEYS = new Set(['id', 'name', 'type', 'location', 'kind', 'etag', 'systemData', 'tags', 'properties', 'value', 'nextLink']);

export function parsePolicy(text: string, format: PolicyFormat): PolicyResult {
  if (text.trim() === '') return { ok: false, problems: [{ path: '(file)', message: EMPTY }] };
  const document = readDocument(text, format);
  if (!document.ok) return document;
  return parsePolicyDocument(document.value);
}

/** For callers that already hold parsed JSON (an ARM response, a test). */
export function parsePolicyDocument(document: unknown): PolicyResult {
  if (!isRecord(document)) {
    const message =
      document === null || document === undefined
        ? EMPTY
        : `expected an object with virtualMachines (or an Azure policy with properties.virtualMachines), got ${describeValue(document)}`;
    return { ok: false, problems: [{ path: formatPath([]), message }] };
  }
  const problems: PathProblem[] = [];
  const located = locateVms(document, problems);
  const vms: VmPolicy[] = [];
  for (const { path, value } of located) {
    const result = vmSchema.safeParse(value, { error: fallback });
    if (result.success) vms.push(result.data);
    else problems.push(...fromZod(path, result.error.issues));
  }
  problems.push(...checkVms(located));

  const approvers = parseOptional(approversSchema, document, 'approvers', problems) ?? [];
  // Admins are declared like approvers: Slack user and user-group IDs.
  const admins = parseOptional(approversSchema, document, 'admins', problems);
  // Who may export the audit log (`/jit audit`): the same kind of list as approvers.
  const readers = parseOptional(approversSchema, document, 'readers', problems);
  const rules = parseOptional(rulesSchema, document, 'rules', problems) ?? [];
  if (Array.isArray(document.rules)) {
    const rootHasApprovers = Array.isArray(document.approvers) && document.approvers.length > 0;
    problems.push(
      ...checkRules(
        document.rules.map((value: unknown, index) => ({ path: ['rules', index], value })),
        rootHasApprovers,
      ),
    );
  }

  // Only where no other problem already points (a native root reports it as an unknown key).
  const reported = new Set(problems.map((problem) => formatPath(problem.path)));
  problems.push(...checkPrototypeKeys(document).filter((problem) => !reported.has(formatPath(problem.path))));

  if (problems.length > 0) return { ok: false, problems: inDocumentOrder(problems) };
  // Frozen all the way down: a policy is a value. Every change makes a new one,
  // so caches keyed by it (the rule engine's) can never go stale.
  return {
    ok: true,
    policy: deepFreeze({ vms, approvers, rules, ...(admins === undefined ? {} : { admins }), ...(readers === undefined ? {} : { readers }) }),
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

function locateVms(document: Record<string, unknown>, problems: PathProblem[]): Located[] {
  if ('value' in document) {
    checkAzureRoot(document, problems);
    if (!Array.isArray(document.value)) {
      problems.push({ path: ['value'], message: `expected a list of Azure JIT policies, got ${describeValue(document.value)}` });
      return [];
    }
    return document.value.flatMap((resource: unknown, index) => locateInResource(resource, ['value', index], problems));
  }
  if (AZURE_MARKERS.some((key) => key in document)) {
    checkAzureRoot(document, problems);
    return locateInResource(document, [], problems);
  }
  for (const key of Object.keys(document)) {
    if (!NATIVE_KEYS.includes(key) && key !== '$schema') problems.push({ path: [key], message: unknownKeyMessage(key, NATIVE_KEYS) });
  }
  if (document.virtualMachines === undefined) {
    problems.push({
      path: ['virtualMachines'],
      message: 'missing: the policy needs a virtualMachines list (`virtualMachines: []` for none yet), beside optional approvers and rules',
    });
    return [];
  }
  return elements(document.virtualMachines, ['virtualMachines'], problems);
}

/** An Azure resource or PUT body: VMs under `properties`, our extensions only at the document root. */
function locateInResource(resource: unknown, path: Path, problems: PathProblem[]): Located[] {
  if (!isRecord(resource)) {
    problems.push({ path, message: `expected an Azure JIT policy (an object with properties.virtualMachines), got ${describeValue(resource)}` });
    return [];
  }
  if (path.length > 0) misplaced(resource, path, 'the document root, beside `value`', problems);
  if ('virtualMachines' in resource) {
    problems.push({ path: [...path, 'virtualMachines'], message: 'in an Azure policy virtualMachines belongs inside `properties`: move it there' });
  }
  const properties = resource.properties;
  if (!isRecord(properties)) {
    problems.push({
      path: [...path, 'properties'],
      message:
        properties === undefined
          ? 'missing: an Azure policy keeps its VMs in properties.virtualMachines'
          : `expected an object with virtualMachines, got ${describeValue(properties)}`,
    });
    return [];
  }
  misplaced(properties, [...path, 'properties'], 'the document root, beside `properties`', problems);
  if (properties.virtualMachines === undefined) {
    problems.push({ path: [...path, 'properties', 'virtualMachines'], message: 'missing: expected a list of VMs (`[]` for none)' });
    return [];
  }
  return elements(properties.virtualMachines, [...path, 'properties', 'virtualMachines'], problems);
}

function elements(list: unknown, path: Path, problems: PathProblem[]): Located[] {
  if (!Array.isArray(list)) {
    problems.push({ path, message: `expected a list of VMs (\`[]\` for none), got ${describeValue(list)}` });
    return [];
  }
  return list.map((value: unknown, index) => ({ path: [...path, index], value }));
}

/** Our extensions are read only at the root; anywhere else they would be silently ignored. */
function misplaced(container: Record<string, unknown>, path: Path, where: string, problems: PathProblem[]): void {
  for (const key of EXTENSIONS) {
    if (key in container) problems.push({ path: [...path, key], message: `${key} is read only at ${where}: move it there` });
  }
}

/** Azure's root keys are ignored, but one that looks like a misspelt extension is reported. */
function checkAzureRoot(document: Record<string, unknown>, problems: PathProblem[]): void {
  for (const key of Object.keys(document)) {
    if (AZURE_ROOT_KEYS.has(key) || EXTENSIONS.includes(key)) continue;
    const guess = closestKey(key, EXTENSIONS);
    if (guess !== undefined)
      problems.push({ path: [key], message: `unknown key (did you mean \`${guess}\`?): our extensions at the root are ${EXTENSIONS.join(', ')}` });
  }
}

function parseOptional<T>(schema: z.ZodType<T>, document: Record<string, unknown>, key: string, problems: PathProblem[]): T | undefined {
  if (document[key] === undefined) return undefined;
  const result = schema.safeParse(document[key], { error: fallback });
  if (result.success) return result.data;
  problems.push(...fromZod([key], result.error.issues));
  return undefined;
}

/** Only reached by an issue whose schema set no message of its own. */
function fallback(issue: { input?: unknown }): string {
  return issue.input === undefined ? 'missing' : `invalid value ${describeValue(issue.input)}`;
}

function fromZod(prefix: Path, issues: readonly z.core.$ZodIssue[]): PathProblem[] {
  return issues.map((issue) => ({
    path: [...prefix, ...issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)))],
    message: issue.message,
  }));
}

/** Sorted by position in the document (indexes numerically), so a long report reads top to bottom. */
function inDocumentOrder(problems: PathProblem[]): PolicyProblem[] {
  const compare = (a: Path, b: Path): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
      const [x, y] = [a[i], b[i]];
      if (x === y) continue;
      if (typeof x === 'number' && typeof y === 'number') return x - y;
      if (typeof x === 'number') return -1;
      if (typeof y === 'number') return 1;
      return String(x) < String(y) ? -1 : 1;
    }
    return a.length - b.length;
  };
  return [...problems].sort((a, b) => compare(a.path, b.path)).map((problem) => ({ path: formatPath(problem.path), message: problem.message }));
}
