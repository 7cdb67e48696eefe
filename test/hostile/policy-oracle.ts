// An independent reading of "this draft is allowed by the policy", used to
// check every draft the validators accept. It re-derives each bound from the
// policy instead of trusting the validator's own bookkeeping.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect } from 'vitest';
import { parseCidr } from '../../src/domain/cidr.js';
import type { DraftProblem } from '../../src/domain/draft.js';
import { DRAFT_LIMITS } from '../../src/domain/draft.js';
import { formatDuration, MAX_DURATION_SECONDS, toIsoDuration } from '../../src/domain/duration.js';
import { parsePolicy } from '../../src/domain/policy/parse.js';
import type { Policy, PortPolicy, RequestDraft, VmPolicy } from '../../src/domain/types.js';

export const MESSAGE_MAX = 2_000;
const FIELDS = new Set(['vm', 'ports', 'source', 'duration', 'justification']);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** The fixed policy, frozen: a validator that tried to change it would throw in strict mode. */
export function loadValidatorPolicy(): Policy {
  const text = readFileSync(new URL('../fixtures/hostile/validator-policy.yaml', import.meta.url), 'utf8');
  const result = parsePolicy(text, 'yaml');
  if (!result.ok) throw new Error(`fixture policy is invalid: ${JSON.stringify(result.problems)}`);
  return deepFreeze(result.policy);
}

/** A refusal a person can act on: at least one problem, each tied to a field with a short, non-empty sentence. */
export function expectClearProblems(problems: readonly DraftProblem[]): void {
  expect(problems.length).toBeGreaterThan(0);
  for (const problem of problems) {
    expect(FIELDS.has(problem.field), `unknown field ${problem.field}`).toBe(true);
    expect(typeof problem.message).toBe('string');
    expect(problem.message.trim().length).toBeGreaterThan(0);
    expect(problem.message.length).toBeLessThan(MESSAGE_MAX);
  }
}

/** The port numbers a person typed, if every entry is one; undefined otherwise. */
export function typedPortNumbers(typed: string): number[] | undefined {
  const entries = typed.split(/[\s,]+/).filter((entry) => entry !== '');
  if (entries.length === 0 || entries.some((entry) => !/^[0-9]{1,5}$/.test(entry))) return undefined;
  return entries.map(Number);
}

interface Range {
  family: 4 | 6;
  start: bigint;
  end: bigint;
}

/** Written without ip-cidr, so a library quirk cannot hide in both sides: a dotted quad or all-hex IPv6, optional /bits. */
export function addressRange(text: string): Range | undefined {
  const [address = '', bitsText, extra] = text.split('/');
  if (extra !== undefined || (bitsText !== undefined && !/^[0-9]{1,3}$/.test(bitsText))) return undefined;
  let family: 4 | 6;
  let value = 0n;
  if (/^[0-9]{1,3}(\.[0-9]{1,3}){3}$/.test(address)) {
    const octets = address.split('.').map(Number);
    if (octets.some((octet) => octet > 255)) return undefined;
    family = 4;
    for (const octet of octets) value = (value << 8n) | BigInt(octet);
  } else if (/^[0-9a-f:]+$/i.test(address) && address.includes(':')) {
    const halves = address.split('::');
    if (halves.length > 2) return undefined;
    const groups = (half: string | undefined) => (half ? half.split(':') : []);
    const [head, tail] = [groups(halves[0]), groups(halves[1])];
    const missing = 8 - head.length - tail.length;
    if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
    const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
    if (all.some((group) => !/^[0-9a-f]{1,4}$/i.test(group))) return undefined;
    family = 6;
    for (const group of all) value = (value << 16n) | BigInt(parseInt(group, 16));
  } else {
    return undefined;
  }
  const width = family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (bits > width) return undefined;
  const host = (1n << BigInt(width - bits)) - 1n;
  return { family, start: value & ~host, end: (value & ~host) | host };
}

function inside(inner: Range, prefix: string): boolean {
  const outer = addressRange(prefix);
  return outer !== undefined && outer.family === inner.family && inner.start >= outer.start && inner.end <= outer.end;
}

/**
 * Everything an accepted draft promises, checked against the policy itself.
 * `typedSource`: what the person typed, whose addresses the stored source must be exactly.
 */
export function expectGrantable(policy: Policy, draft: RequestDraft, vm: VmPolicy, numbers: readonly number[], typedSource?: string): void {
  expect(policy.vms.find((candidate) => candidate.name === draft.vm)).toBe(vm);
  expect(Number.isInteger(draft.durationSeconds)).toBe(true);
  expect(draft.durationSeconds).toBeGreaterThan(0);
  expect(draft.durationSeconds).toBeLessThanOrEqual(MAX_DURATION_SECONDS);
  expect(draft.justification.length).toBeLessThanOrEqual(DRAFT_LIMITS.justification);
  expect(draft.justification).toBe(draft.justification.trim());
  const range = draft.source === '*' ? undefined : addressRange(draft.source);
  if (draft.source !== '*') {
    const parsed = parseCidr(draft.source);
    expect(parsed.ok && parsed.cidr.text).toBe(draft.source);
    expect(range, `accepted source ${draft.source} is no plain address or prefix`).toBeDefined();
    if (typedSource !== undefined) expect(addressRange(typedSource.trim()), `typed ${typedSource}, stored ${draft.source}`).toEqual(range);
  }
  // Exactly the configured ports with those numbers: nothing unconfigured, nothing configured left out.
  const covered = vm.ports.filter((port) => numbers.includes(port.number));
  expect(draft.ports.length).toBeGreaterThan(0);
  expect(new Set(draft.ports.map((p) => `${p.number}/${p.protocol}`))).toEqual(new Set(covered.map((p) => `${p.number}/${p.protocol}`)));
  for (const port of covered) {
    expect(draft.durationSeconds).toBeLessThanOrEqual(port.maxDurationSeconds);
    expect(draft.durationSeconds).toBeGreaterThanOrEqual(port.minDurationSeconds);
    const allowed = port.anySource || (range !== undefined && port.allowedSourcePrefixes.some((prefix) => inside(range, prefix)));
    expect(allowed, `${draft.source} on ${port.number}/${port.protocol}`).toBe(true);
  }
}

// ---- near-valid input built from the policy, so a good share is accepted and every bound is probed ----

function formatAddress(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join('.');
  return Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
}

/** An address inside the prefix, or one just outside either end, with a random prefix length sometimes. */
function addressNear(prefix: string): fc.Arbitrary<string> {
  const parsed = parseCidr(prefix);
  if (!parsed.ok) return fc.constant(prefix);
  const { family, start, end } = parsed.cidr;
  const top = family === 4 ? (1n << 32n) - 1n : (1n << 128n) - 1n;
  const clamp = (v: bigint) => (v < 0n ? 0n : v > top ? top : v);
  const inside = fc.bigInt(start, end).map((v) => formatAddress(family, v));
  const outside = fc.constantFrom(clamp(start - 1n), clamp(end + 1n)).map((v) => formatAddress(family, v));
  const widened = fc.integer({ min: 0, max: family === 4 ? 32 : 128 }).map((bits) => `${formatAddress(family, start)}/${bits}`);
  return fc.oneof({ weight: 4, arbitrary: inside }, { weight: 2, arbitrary: outside }, { weight: 2, arbitrary: widened });
}

function sourceNear(ports: readonly PortPolicy[]): fc.Arbitrary<string> {
  const prefixes = ports.flatMap((port) => port.allowedSourcePrefixes);
  const any = fc.constantFrom('*', 'any', '0.0.0.0/0', '::/0', '198.51.100.7', '2001:db8:ffff::1', '::ffff:198.51.100.7', '64:ff9b::198.51.100.7/120');
  return prefixes.length === 0 ? any : fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...prefixes).chain(addressNear) }, { weight: 1, arbitrary: any });
}

function durationNear(ports: readonly PortPolicy[]): fc.Arbitrary<string> {
  const bounds = ports.flatMap((port) => [port.minDurationSeconds, port.maxDurationSeconds]);
  const seconds = fc.oneof(
    fc.constantFrom(...bounds).chain((b) => fc.constantFrom(b - 1, b, b + 1, b + 60)),
    fc.integer({ min: 1, max: Math.max(...bounds) + 3_600 }),
  );
  const written = (s: number) => fc.constantFrom(`${s}s`, toIsoDuration(s), formatDuration(s).replace(/ /g, ''), formatDuration(s).toUpperCase());
  return seconds.filter((s) => s >= 0).chain(written);
}

/**
 * Several VMs sharing one source and duration, as a batch must: the source is drawn first and
 * each VM mostly asks for the ports that admit it, so a good share is accepted.
 */
export function nearValidBatchArb(policy: Policy) {
  const sources = ['198.51.100.7', '10.1.2.3', '203.0.113.9', '2001:db8:1::5', '2001:db8:ffff::1', '*'];
  const admits = (port: PortPolicy, source: string) =>
    port.anySource || (source !== '*' && port.allowedSourcePrefixes.some((prefix) => inside(addressRange(source)!, prefix)));
  return fc.tuple(fc.constantFrom(...sources), fc.shuffledSubarray([...policy.vms], { minLength: 2, maxLength: 3 })).chain(([source, vms]) => {
    const numbers = vms.map((vm) => {
      const fitting = [...new Set(vm.ports.filter((port) => admits(port, source)).map((port) => port.number))];
      return fitting.length > 0 ? fitting : [vm.ports[0]!.number];
    });
    const ports = vms.flatMap((vm, i) => vm.ports.filter((port) => numbers[i]!.includes(port.number)));
    return fc.record({
      requester: fc.constant('U0ALICE1'),
      vm: fc.constantFrom(',', ', ', ' ,').chain((sep) => fc.tuple(...vms.map((vm) => caseOf(vm.name))).map((names) => names.join(sep))),
      ports: fc.constant([...new Set(numbers.flat())].join(',')),
      source: fc.constant(source),
      duration: durationNear(ports),
      justification: fc.constantFrom('', 'batch fix'),
    });
  });
}

const caseOf = (name: string) => fc.constantFrom(name, name.toUpperCase(), name.toLowerCase(), ` ${name}\t`);

export function nearValidInputArb(policy: Policy) {
  return fc.constantFrom(...policy.vms).chain((vm) =>
    fc.subarray([...new Set(vm.ports.map((port) => port.number))], { minLength: 1 }).chain((numbers) => {
      const ports = vm.ports.filter((port) => numbers.includes(port.number));
      return fc.record({
        requester: fc.constantFrom('U0ALICE1', 'W0BOB'),
        vm: caseOf(vm.name),
        ports: fc.constantFrom(',', ' ', ' , ').map((sep) => numbers.join(sep)),
        source: sourceNear(ports),
        duration: durationNear(ports),
        justification: fc.oneof(
          fc.constantFrom('', 'fix', ' OPS-1 <!channel> '),
          fc.integer({ min: 990, max: 1_010 }).map((n) => 'j'.repeat(n)),
        ),
      });
    }),
  );
}
