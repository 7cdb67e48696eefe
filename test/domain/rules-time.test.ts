import { describe, it, expect } from 'vitest';
import { evaluate, type RuleInput } from '../../src/domain/rules.js';
import type { Policy, RequestDraft, Rule, RuleMatch, VmPolicy } from '../../src/domain/types.js';

// The time-window conditions (`hours`, `weekdays`, `timezone`) of the rule engine.
// Moments are written in UTC; the comment says what the rule's zone reads.

const VM: VmPolicy = {
  id: 'web-1',
  name: 'web-1',
  tags: {},
  ports: [{ number: 22, protocol: 'TCP', anySource: true, allowedSourcePrefixes: [], maxDurationSeconds: 10_800, minDurationSeconds: 1 }],
};

const DRAFT: RequestDraft = {
  requester: 'U1',
  vm: 'web-1',
  ports: [{ number: 22, protocol: 'TCP' }],
  source: '198.51.100.7/32',
  durationSeconds: 3_600,
  justification: 'deploy hotfix',
};

const at = (iso: string): number => Date.parse(iso);
const OFFICE = { weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: { from: 540, to: 1_080 } } satisfies RuleMatch;
const NIGHT = { hours: { from: 1_320, to: 360 } } satisfies RuleMatch;

interface Row {
  name: string;
  match: RuleMatch;
  now: string;
  /** undefined: the rule matches; otherwise the one sentence it fails with. */
  fails?: string;
}

const rows: Row[] = [
  // Office hours in Paris.
  { name: 'hours_weekdayInsideWindowInZone_ruleApplies', match: { ...OFFICE, timezone: 'Europe/Paris' }, now: '2025-01-06T08:00:00Z' /* Mon 09:00 */ },
  {
    name: 'weekdays_saturdayInParis_ruleFailsWithLocalTimeAndWindow',
    match: { ...OFFICE, timezone: 'Europe/Paris' },
    now: '2025-01-04T13:05:00Z', // Sat 14:05
    fails: 'Sat 14:05 Europe/Paris is outside mon–fri 09:00–18:00',
  },
  {
    name: 'hours_beforeOpeningInZone_failsThoughUtcIsAlsoBefore',
    match: { ...OFFICE, timezone: 'Europe/Paris' },
    now: '2025-01-06T07:59:00Z', // Mon 08:59
    fails: 'Mon 08:59 Europe/Paris is outside mon–fri 09:00–18:00',
  },
  { name: 'hours_fromIsInclusive', match: { hours: { from: 540, to: 1_080 } }, now: '2025-01-01T09:00:00Z' },
  { name: 'hours_lastMinuteBeforeTo_ruleApplies', match: { hours: { from: 540, to: 1_080 } }, now: '2025-01-01T17:59:59Z' },
  {
    name: 'hours_toIsExclusive',
    match: { hours: { from: 540, to: 1_080 } },
    now: '2025-01-01T18:00:00Z',
    fails: 'Wed 18:00 UTC is outside 09:00–18:00',
  },
  { name: 'hours_wholeDayToMidnight_alwaysHolds', match: { hours: { from: 0, to: 1_440 } }, now: '2025-01-01T23:59:00Z' },

  // Daylight saving time: the same UTC moment reads differently either side of the change.
  {
    name: 'dst_parisWinter_0730UtcIs0830Local_outside',
    match: { ...OFFICE, timezone: 'Europe/Paris' },
    now: '2025-03-28T07:30:00Z',
    fails: 'Fri 08:30 Europe/Paris is outside mon–fri 09:00–18:00',
  },
  { name: 'dst_parisSummer_0730UtcIs0930Local_inside', match: { ...OFFICE, timezone: 'Europe/Paris' }, now: '2025-03-31T07:30:00Z' },
  { name: 'dst_parisBeforeAutumnChange_0730UtcIs0930Local_inside', match: { ...OFFICE, timezone: 'Europe/Paris' }, now: '2025-10-24T07:30:00Z' },
  {
    name: 'dst_parisAfterAutumnChange_0730UtcIs0830Local_outside',
    match: { ...OFFICE, timezone: 'Europe/Paris' },
    now: '2025-10-27T07:30:00Z',
    fails: 'Mon 08:30 Europe/Paris is outside mon–fri 09:00–18:00',
  },
  {
    name: 'dst_newYorkBeforeSpringChange_outside',
    match: { ...OFFICE, timezone: 'America/New_York' },
    now: '2025-03-07T13:30:00Z',
    fails: 'Fri 08:30 America/New_York is outside mon–fri 09:00–18:00',
  },
  { name: 'dst_newYorkAfterSpringChange_inside', match: { ...OFFICE, timezone: 'America/New_York' }, now: '2025-03-10T13:30:00Z' },

  // A window that wraps midnight.
  { name: 'wrappingWindow_lateEvening_inside', match: NIGHT, now: '2025-01-01T23:30:00Z' },
  { name: 'wrappingWindow_earlyMorning_inside', match: NIGHT, now: '2025-01-02T03:00:00Z' },
  { name: 'wrappingWindow_fromIsInclusive', match: NIGHT, now: '2025-01-01T22:00:00Z' },
  { name: 'wrappingWindow_exactlyMidnight_inside', match: NIGHT, now: '2025-01-02T00:00:00Z' },
  { name: 'wrappingWindow_toIsExclusive', match: NIGHT, now: '2025-01-02T06:00:00Z', fails: 'Thu 06:00 UTC is outside 22:00–06:00' },
  { name: 'wrappingWindow_midday_outside', match: NIGHT, now: '2025-01-01T12:00:00Z', fails: 'Wed 12:00 UTC is outside 22:00–06:00' },
  {
    name: 'wrappingWindow_weekdayIsThatOfTheMomentItself',
    match: { ...NIGHT, weekdays: ['fri'] },
    now: '2025-01-04T02:00:00Z', // Sat 02:00, in the night that began on Friday
    fails: 'Sat 02:00 UTC is outside fri 22:00–06:00',
  },

  // Weekdays alone, and zones that change the date.
  { name: 'weekdays_alone_listedDay_ruleApplies', match: { weekdays: ['sat', 'sun', 'wed'] }, now: '2025-01-01T12:00:00Z' },
  {
    name: 'weekdays_alone_otherDay_sentenceListsDays',
    match: { weekdays: ['sat', 'sun'] },
    now: '2025-01-01T12:00:00Z',
    fails: 'Wed 12:00 UTC is outside sat, sun',
  },
  {
    name: 'timezone_aheadOfUtc_movesToTheNextDay',
    match: { weekdays: ['wed'], timezone: 'Pacific/Auckland' },
    now: '2025-01-01T12:00:00Z',
    fails: 'Thu 01:00 Pacific/Auckland is outside wed',
  },
  {
    name: 'timezone_halfHourOffset_isRespected',
    match: { hours: { from: 540, to: 1_050 }, timezone: 'Asia/Kolkata' },
    now: '2025-01-01T12:00:00Z', // Wed 17:30
    fails: 'Wed 17:30 Asia/Kolkata is outside 09:00–17:30',
  },
  {
    name: 'timezone_unknownInHandBuiltPolicy_failsClosed',
    match: { hours: { from: 0, to: 1_440 }, timezone: 'Mars/Olympus' },
    now: '2025-01-01T12:00:00Z',
    fails: 'time zone Mars/Olympus is unknown, so the time window never holds',
  },
  { name: 'timezone_alone_isNoCondition', match: { timezone: 'Europe/Paris' }, now: '2025-01-04T13:05:00Z' },
];

function input(now: number): RuleInput {
  return { draft: DRAFT, vm: VM, requesterGroups: [], now };
}

function policy(rules: Rule[]): Policy {
  return { vms: [VM], approvers: ['U9'], rules };
}

describe('evaluate with time windows', () => {
  it.each(rows)('$name', ({ match, now, fails }) => {
    const { decision, trace } = evaluate(input(at(now)), policy([{ name: 'r', match, effect: 'approve' }]));
    if (fails === undefined) {
      expect(decision).toMatchObject({ effect: 'approve', matchedRule: 'r' });
      expect(trace).toEqual([{ rule: 'r', matched: true, failed: [] }]);
    } else {
      expect(decision.matchedRule).toBeNull();
      expect(trace).toEqual([{ rule: 'r', matched: false, failed: [[fails]] }]);
    }
  });

  it('timeWindow_failsAfterTheOtherConditions_inOneSentence', () => {
    const match: RuleMatch = { ports: [3389], ...OFFICE, timezone: 'Europe/Paris' };
    const { trace } = evaluate(input(at('2025-01-04T13:05:00Z')), policy([{ name: 'r', match, effect: 'approve' }]));
    expect(trace[0]?.failed).toEqual([['port 22 is not in [3389]'], ['Sat 14:05 Europe/Paris is outside mon–fri 09:00–18:00']]);
  });

  it('outOfHoursRule_fallsThroughToTheNextRule', () => {
    const rules: Rule[] = [
      { name: 'office', match: { ...OFFICE, timezone: 'Europe/Paris' }, effect: 'approve' },
      { name: 'after-hours', match: {}, effect: 'require_approval', approvals: 2 },
    ];
    const { decision, trace } = evaluate(input(at('2025-01-04T13:05:00Z')), policy(rules));
    expect(decision).toMatchObject({ effect: 'require_approval', matchedRule: 'after-hours', approvalsNeeded: 2 });
    expect(trace.map((row) => row.matched)).toEqual([false, true]);
  });
});
