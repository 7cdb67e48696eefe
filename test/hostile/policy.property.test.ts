// Hostile policy files: whatever the text, parsePolicy returns every problem with
// a path and a message (never throws, never hangs), accepts only a policy whose
// every value is within bounds, and never writes to Object.prototype.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { loadPolicyFile } from '../../src/config/policy-file.js';
import { parseCidr } from '../../src/domain/cidr.js';
import { MAX_DURATION_SECONDS } from '../../src/domain/duration.js';
import { parsePolicy, type PolicyFormat, type PolicyResult } from '../../src/domain/policy/parse.js';
import { VM_NAME } from '../../src/domain/policy/schema.js';
import { nasty } from './arbitraries.js';

const fixtures = fileURLToPath(new URL('../fixtures/policies/', import.meta.url));
const hostile = fileURLToPath(new URL('../fixtures/hostile/', import.meta.url));
const bases: unknown[] = readdirSync(fixtures)
  .filter((name) => /\.(json|ya?ml)$/.test(name) && !name.startsWith('broken') && name !== 'empty.yaml')
  .map((name) => parseYaml(readFileSync(`${fixtures}${name}`, 'utf8')) as unknown);

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
const prototypes = {
  object: Object.getOwnPropertyNames(Object.prototype),
  array: Object.getOwnPropertyNames(Array.prototype),
  fn: Object.getOwnPropertyNames(Function.prototype),
};

afterEach(() => {
  // Nothing written onto a shared prototype, by any test in this file.
  expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(prototypes.object);
  expect(Object.getOwnPropertyNames(Array.prototype)).toEqual(prototypes.array);
  expect(Object.getOwnPropertyNames(Function.prototype)).toEqual(prototypes.fn);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

/** The contract for any input: a refusal lists problems with a path and a message; an acceptance is within bounds. */
function expectSound(result: PolicyResult): void {
  if (!result.ok) {
    expect(result.problems.length).toBeGreaterThan(0);
    for (const problem of result.problems) {
      expect(typeof problem.path).toBe('string');
      expect(problem.path.length).toBeGreaterThan(0);
      expect(typeof problem.message).toBe('string');
      expect(problem.message.trim().length).toBeGreaterThan(0);
    }
    return;
  }
  const names = result.policy.vms.map((vm) => vm.name.toLowerCase());
  expect(new Set(names).size).toBe(names.length);
  for (const vm of result.policy.vms) {
    expect(vm.name).toMatch(VM_NAME);
    expect(Object.getPrototypeOf(vm.tags)).toBe(Object.prototype);
    for (const value of Object.values(vm.tags)) expect(typeof value).toBe('string');
    expect(vm.ports.length).toBeGreaterThan(0);
    for (const port of vm.ports) {
      expect(Number.isInteger(port.number) && port.number >= 1 && port.number <= 65_535).toBe(true);
      expect(['TCP', 'UDP', '*']).toContain(port.protocol);
      expect(Number.isInteger(port.maxDurationSeconds) && port.maxDurationSeconds > 0 && port.maxDurationSeconds <= MAX_DURATION_SECONDS).toBe(true);
      expect(port.minDurationSeconds).toBeLessThanOrEqual(port.maxDurationSeconds);
      expect(port.anySource || port.allowedSourcePrefixes.length > 0).toBe(true);
      for (const prefix of port.allowedSourcePrefixes) expect(parseCidr(prefix).ok).toBe(true);
    }
  }
  for (const rule of result.policy.rules) {
    expect(rule.name.trim().length).toBeGreaterThan(0);
    expect(['approve', 'deny', 'require_approval', 'break_glass']).toContain(rule.effect);
  }
}

/** Parsed twice, the same answer: no state kept between calls (a sticky regex, a cache) changes a verdict. */
function parseSoundly(text: string, format: PolicyFormat): PolicyResult {
  let first: PolicyResult | undefined;
  expect(() => (first = parsePolicy(text, format))).not.toThrow();
  expectSound(first!);
  expect(JSON.stringify(parsePolicy(text, format))).toBe(JSON.stringify(first));
  return first!;
}

// ---- mutation of real documents (native, Azure GET/list/PUT, with extensions, rules) ----

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path into a value, the root included, found without recursion. */
function pathsOf(value: unknown): (string | number)[][] {
  const paths: (string | number)[][] = [];
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    paths.push(next.path);
    if (typeof next.value !== 'object' || next.value === null) continue;
    for (const [key, inner] of Object.entries(next.value)) stack.push({ value: inner, path: [...next.path, Array.isArray(next.value) ? Number(key) : key] });
  }
  return paths;
}

/** Sets an own property even for `__proto__`, as JSON.parse and YAML do (assignment would change the prototype). */
function define(target: object, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const keyArb = fc.oneof(
  fc.constantFrom(...PROTOTYPE_KEYS),
  fc.constantFrom('id', 'name', 'ports', 'number', 'protocol', 'rules', 'approvers', 'properties', 'value', 'virtualMachines', 'match', 'tags', 'effect'),
  fc.string({ maxLength: 12 }),
  nasty,
);
const junkArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    0,
    -1,
    65_536,
    // biome-ignore lint/correctness/noPrecisionLoss: 1e309 is Infinity on purpose, a value a policy must refuse
    1e309,
    -0,
    22.5,
    Number.MAX_SAFE_INTEGER + 2,
    '',
    ' ',
    '*',
    'PT0S',
    'P99999D',
    '1e3h',
    '1.2.3.4/33',
    '::ffff:1.2.3.4/200',
    '0x7f.1',
    'U',
    'S0',
    true,
    null,
    [],
    {},
  ),
  fc.integer({ min: 0, max: 5_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 0, max: 500 }).map((n) => Array.from({ length: n }, (_, i) => i)),
  nasty,
);

type Mutation = { kind: 'replace' | 'delete' | 'add' | 'wrap' | 'repeat'; pick: number; key: string; value: unknown; times: number };
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('replace', 'delete', 'add', 'wrap', 'repeat'),
  pick: fc.nat(),
  key: keyArb,
  value: junkArb,
  times: fc.integer({ min: 2, max: 300 }),
});

function mutate(base: unknown, mutations: readonly Mutation[]): unknown {
  const document = structuredClone(base) as Json;
  const holder: Record<string, unknown> = { root: document };
  for (const m of mutations) {
    const paths = pathsOf(holder.root);
    const path = paths[m.pick % paths.length] ?? [];
    const parent = path.slice(0, -1).reduce<unknown>((at, segment) => (at as Record<string | number, unknown>)[segment], holder.root);
    const [container, last] = path.length === 0 ? [holder, 'root'] : [parent as Record<string | number, unknown>, path.at(-1)!];
    const current = container[last];
    if (m.kind === 'replace') define(container, last, m.value);
    else if (m.kind === 'delete' && path.length > 0) delete container[last];
    else if (m.kind === 'add' && typeof current === 'object' && current !== null && !Array.isArray(current)) define(current, m.key, m.value);
    else if (m.kind === 'wrap') define(container, last, [current]);
    else if (m.kind === 'repeat' && Array.isArray(current) && current.length > 0)
      current.push(...Array.from({ length: m.times }, () => structuredClone(current[0])));
  }
  return holder.root;
}

const mutatedArb = fc
  .tuple(fc.constantFrom(...bases), fc.array(mutationArb, { minLength: 1, maxLength: 4 }))
  .map(([base, mutations]) => mutate(base, mutations));

describe('parsePolicy on mutated real documents', () => {
  it('mutatedDocument_asJson_isRefusedWithPathsOrAcceptedWithinBounds', () => {
    fc.assert(
      fc.property(mutatedArb, (document) => void parseSoundly(JSON.stringify(document) ?? 'null', 'json')),
      { numRuns: 300 },
    );
  });

  it('mutatedDocument_asYaml_isRefusedWithPathsOrAcceptedWithinBounds', () => {
    fc.assert(
      fc.property(mutatedArb, (document) => void parseSoundly(toYaml(document, { aliasDuplicateObjects: false }), 'yaml')),
      { numRuns: 300 },
    );
  });

  it('documentWithAPrototypeKeyAnywhere_isRefusedAtThatKey', () => {
    const withProto = fc.tuple(fc.constantFrom(...bases), fc.nat(), junkArb).map(([base, pick, value]) => {
      const document = structuredClone(base);
      const objects = pathsOf(document)
        .map((path) => path.reduce<unknown>((at, segment) => (at as Record<string | number, unknown>)[segment], document))
        .filter((value): value is object => typeof value === 'object' && value !== null && !Array.isArray(value));
      define(objects[pick % objects.length]!, '__proto__', value);
      return document;
    });
    fc.assert(
      fc.property(withProto, fc.constantFrom<PolicyFormat>('json', 'yaml'), (document, format) => {
        const result = parseSoundly(format === 'json' ? JSON.stringify(document) : toYaml(document), format);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.problems.some((p) => p.path.endsWith('__proto__'))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('jsonWithARepeatedKey_isRefusedWhereverItRepeats', () => {
    const repeated = fc.tuple(fc.constantFrom(...bases), fc.nat(), fc.jsonValue({ maxDepth: 1 })).map(([base, pick, value]) => {
      const text = JSON.stringify(base, null, 2);
      // Each `"key":` that opens a member; the same key with another value goes in just before it.
      const members = [...text.matchAll(/[{,]\s*("(?:[^"\\]|\\.)*")\s*:/g)];
      const member = members[pick % members.length]!;
      const at = member.index + member[0].indexOf(member[1]!);
      return `${text.slice(0, at)}${member[1]}: ${JSON.stringify(value)}, ${text.slice(at)}`;
    });
    fc.assert(
      fc.property(repeated, fc.constantFrom<PolicyFormat>('json', 'yaml'), (text, format) => {
        const result = parseSoundly(text, format);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.problems.map((p) => p.message).join('\n')).toMatch(/repeats|must be unique/);
      }),
      { numRuns: 150 },
    );
  });
});

// ---- raw text: garbage, YAML syntax soup, damaged JSON ----

const YAML_TOKENS = [
  '&a ',
  '&b ',
  '*a',
  '*b',
  '<<: ',
  '!!str ',
  '!!int ',
  '!!binary ',
  '!!set ',
  '!!omap ',
  '!!js/function ',
  '!<tag:x> ',
  '%YAML 1.1\n---\n',
  '%TAG ! tag:x:\n---\n',
  '---\n',
  '...\n',
  '? ',
  '- ',
  ': ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '# c',
  '|',
  '>-',
  '"',
  "'",
  '\t',
  '\n',
  '  ',
  '    ',
  'virtualMachines',
  'ports',
  'id: a',
  'number: 22',
  'protocol: TCP',
  'maxRequestAccessDuration: PT1H',
  'allowedSourceAddressPrefix: *',
  '__proto__: ',
  'constructor: ',
  'rules',
  'effect: approve',
  'match',
  'tags',
  '\u0000',
  '\ufeff',
  '\u202e',
  '0x1F',
  '1e309',
  '.inf',
  '~',
];
const yamlSoup = fc.array(fc.constantFrom(...YAML_TOKENS), { maxLength: 80 }).map((tokens) => tokens.join(''));

const editArb = fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', '\\', ':', '{', '[', '\u0000', 'x'));
const damagedJson = fc.tuple(fc.constantFrom(...bases), fc.array(editArb, { minLength: 1, maxLength: 4 })).map(([base, edits]) => {
  let text = JSON.stringify(base);
  for (const [at, length, insert] of edits) {
    const start = at % (text.length + 1);
    text = text.slice(0, start) + insert + text.slice(start + (length % 3));
  }
  return text;
});

describe('parsePolicy on raw hostile text', () => {
  it('yamlSyntaxSoup_neverThrowsAndRefusesWithPaths', () => {
    fc.assert(
      fc.property(yamlSoup, (text) => void parseSoundly(text, 'yaml')),
      { numRuns: 300 },
    );
  });

  it('damagedJson_isRefusedWithALocatedSyntaxError', () => {
    fc.assert(
      fc.property(damagedJson, (text) => void parseSoundly(text, 'json')),
      { numRuns: 200 },
    );
  });

  it('arbitraryText_inEitherFormat_neverThrows', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(text, fc.constantFrom<PolicyFormat>('json', 'yaml'), (t, format) => void parseSoundly(t, format)),
      { numRuns: 300 },
    );
  });

  it('deepNesting_isRefusedOrBounded_inBothFormats', () => {
    const deep = fc.tuple(fc.integer({ min: 50, max: 20_000 }), fc.constantFrom('[', '{"a":', '- ', '{a: ')).map(([depth, open]) => {
      const close = open === '[' ? ']' : open.startsWith('{') ? '}' : '';
      return `${open.repeat(depth)}1${close.repeat(depth)}`;
    });
    // Twice per format on purpose: a second deep YAML parse used to abort the process (V8 "out of memory").
    fc.assert(
      fc.property(deep, fc.constantFrom<PolicyFormat>('json', 'yaml'), (text, format) => void parseSoundly(text, format)),
      { numRuns: 40 },
    );
  });
});

describe('parsePolicy: hand-written hostile files', () => {
  const cases: [behaviour: string, file: string, message: RegExp][] = [
    ['aliasBomb_isRefusedAsResourceExhaustion', 'alias-bomb.yaml', /alias/i],
    ['mergeKeyBomb_isRefusedAsResourceExhaustion', 'merge-bomb.yaml', /alias/i],
    ['repeatedKeyInJson_isRefusedWithItsLine', 'duplicate-keys.json', /line 11, column 11: this key repeats/],
    ['prototypeKeyAsARuleCondition_isRefusedNotDropped', 'proto-match.yaml', /__proto__/],
  ];
  it.each(cases)('%s', (_behaviour, file, message) => {
    const started = Date.now();
    const result = loadPolicyFile(`${hostile}${file}`);
    expect(Date.now() - started).toBeLessThan(2_000);
    expectSound(result);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => `${p.path}: ${p.message}`).join('\n')).toMatch(message);
  });

  it('byteOrderMarkBeforeJson_isReadLikeWithout', () => {
    const result = loadPolicyFile(`${hostile}bom.json`);
    expect(result).toMatchObject({ ok: true, policy: { vms: [{ name: 'web-1' }] } });
  });

  const texts: [behaviour: string, text: string, format: PolicyFormat, path: RegExp][] = [
    ['deepYaml_isRefusedBeforeTheParserRecurses', `virtualMachines: ${'['.repeat(5_000)}${']'.repeat(5_000)}`, 'yaml', /\(file\)/],
    ['deepBlockYaml_isRefused', Array.from({ length: 2_000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'), 'yaml', /\(file\)/],
    ['protoAtTheRootOfJson_isAnUnknownKey', '{"virtualMachines": [], "__proto__": {"polluted": true}}', 'json', /^__proto__$/],
    ['protoInAzurePropertiesInYaml_isRefused', 'properties:\n  __proto__: {polluted: true}\n  virtualMachines: []\n', 'yaml', /properties\.__proto__/],
    ['constructorPrototypeChain_isAnUnknownKey', '{"virtualMachines": [], "constructor": {"prototype": {"polluted": true}}}', 'json', /^constructor$/],
    ['tagValueIsAnObject_isRefused', '{"virtualMachines": [{"id": "a", "tags": {"toString": {"x": 1}}, "ports": []}]}', 'json', /tags\.toString/],
    ['hugeKey_isReportedQuickly', JSON.stringify({ ['k'.repeat(1_000_000)]: 1, virtualMachines: [] }), 'json', /k{20}/],
    [
      'thousandsOfUnknownKeys_areReportedQuickly',
      JSON.stringify(Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`${'q'.repeat(200)}${i}`, i]))),
      'json',
      /q{20}/,
    ],
    ['repeatedKeyAfterAnEscapedEqualKey_isCaught', '{"virtualMachines": [], "virtual\\u004dachines": []}', 'json', /\(file\)/],
  ];
  it.each(texts)('%s', (_behaviour, text, format, path) => {
    const started = Date.now();
    const result = parseSoundly(text, format);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.path)).toContainEqual(expect.stringMatching(path));
  });

  it('hugeListOfVms_isParsedInBoundedTime', () => {
    const port = { number: 22, protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT1H' };
    const text = JSON.stringify({ virtualMachines: Array.from({ length: 5_000 }, (_, i) => ({ id: `vm-${i}`, ports: [port] })) });
    const started = Date.now();
    expect(parseSoundly(text, 'json')).toMatchObject({ ok: true });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
