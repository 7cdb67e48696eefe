// The zod schemas for one rule and its match conditions. Like schema.ts, each
// field checks and normalises itself (a time range into minutes, a zone into its
// canonical name, a pattern into a compiled RegExp) so every bad field is
// reported at once; checks that depend on the rule's effect live in checks.ts.

import * as z from 'zod';
import { formatDuration, parseDuration } from '../duration.js';
import { compilePattern, MAX_PATTERN_LENGTH } from '../justification.js';
import { canonicalTimeZone, parseHours, WEEKDAYS, type Weekday } from '../time-window.js';
import type { OnCallMatch, Rule, RuleMatch } from '../types.js';
import { describeValue } from './problems.js';
import { anyDuration, cidr, closed, expected, portNumber, principal, tags } from './schema.js';

const VM_GLOB = /^[A-Za-z0-9._*?-]{1,64}$/;

/** An empty list would match nothing, which is never what someone meant by writing the key. */
function matchList<T extends z.ZodType>(item: T, what: string, key: string) {
  return z
    .array(item, { error: expected(`a list of ${what}`) })
    .min(1, { error: `an empty list matches nothing: list at least one, or remove \`${key}\` to match any` })
    .optional();
}

const hours = z.string({ error: expected('a time range such as 09:00-18:00') }).transform((text, ctx) => {
  const result = parseHours(text);
  if (result.ok) return result.window;
  ctx.addIssue({ code: 'custom', message: result.error });
  return z.NEVER;
});

const WEEKDAY_HINT = `a three-letter weekday (${WEEKDAYS.join(', ')})`;
const weekday = z.string({ error: expected(WEEKDAY_HINT) }).transform((text, ctx): Weekday => {
  const lower = text.trim().toLowerCase();
  const day = WEEKDAYS.find((candidate) => candidate === lower);
  if (day !== undefined) return day;
  const meant = WEEKDAYS.find((candidate) => lower.startsWith(candidate));
  ctx.addIssue({ code: 'custom', message: `expected ${WEEKDAY_HINT}, got ${describeValue(text)}${meant === undefined ? '' : `: write ${meant}`}` });
  return z.NEVER;
});

const timezone = z.string({ error: expected('an IANA time zone such as Europe/Paris') }).transform((text, ctx) => {
  const zone = text.trim() === '' ? undefined : canonicalTimeZone(text.trim());
  if (zone !== undefined) return zone;
  ctx.addIssue({ code: 'custom', message: `${describeValue(text)} is not an IANA time zone: use a name such as Europe/Paris, America/New_York or UTC` });
  return z.NEVER;
});

// PagerDuty IDs are upper-case letters and digits (PABC123); a schedule's name
// would be looked up as an ID and never match, so it is refused with the way to the ID.
const PAGERDUTY_ID = /^[A-Z0-9]{2,20}$/;
const pagerdutyId = (what: string) =>
  z
    .string({ error: expected(`a PagerDuty ${what} ID such as PABC123`) })
    .trim()
    .regex(PAGERDUTY_ID, {
      error: (issue) =>
        `${describeValue(issue.input)} is not a PagerDuty ${what} ID: use the ID from its page's address (…/${what === 'schedule' ? 'schedules' : 'escalation_policies'}/PABC123), not its name`,
    });

const opsgenieSchedule = z
  .string({ error: expected('an Opsgenie schedule name such as sre-primary') })
  .trim()
  .min(1, { error: 'the schedule name is empty: write the Opsgenie schedule name (or ID)' })
  .max(100, { error: 'longer than 100 characters, which no Opsgenie schedule name is: write the schedule name (or ID)' });

/** Writing `pagerduty:` or `opsgenie:` without any list would never hold: said, rather than silently matching nobody. */
function atLeastOne(keys: readonly string[], where: string) {
  return (value: Record<string, unknown>, ctx: z.core.$RefinementCtx<Record<string, unknown>>) => {
    if (keys.some((key) => value[key] !== undefined)) return;
    ctx.addIssue({ code: 'custom', message: `${where} lists nothing: add ${keys.map((key) => `\`${key}\``).join(' or ')}, or remove it` });
  };
}

const onCallSchema = closed(
  {
    pagerduty: closed(
      {
        schedules: matchList(pagerdutyId('schedule'), 'PagerDuty schedule IDs', 'schedules'),
        escalationPolicies: matchList(pagerdutyId('escalation policy'), 'PagerDuty escalation policy IDs', 'escalationPolicies'),
      },
      'a PagerDuty object such as {schedules: [PABC123], escalationPolicies: [PXYZ789]}',
    )
      .superRefine(atLeastOne(['schedules', 'escalationPolicies'], 'pagerduty'))
      .optional(),
    opsgenie: closed(
      { schedules: matchList(opsgenieSchedule, 'Opsgenie schedule names', 'schedules') },
      'an Opsgenie object such as {schedules: [sre-primary]}',
    )
      .superRefine(atLeastOne(['schedules'], 'opsgenie'))
      .optional(),
  },
  'an on-call object such as {pagerduty: {schedules: [PABC123]}} or {opsgenie: {schedules: [sre-primary]}}',
)
  .superRefine(atLeastOne(['pagerduty', 'opsgenie'], 'onCall'))
  .transform((value): OnCallMatch => {
    const result: OnCallMatch = {};
    const { pagerduty, opsgenie } = value;
    if (pagerduty !== undefined) {
      result.pagerduty = {
        ...(pagerduty.schedules === undefined ? {} : { schedules: [...new Set(pagerduty.schedules)] }),
        ...(pagerduty.escalationPolicies === undefined ? {} : { escalationPolicies: [...new Set(pagerduty.escalationPolicies)] }),
      };
    }
    if (opsgenie?.schedules !== undefined) result.opsgenie = { schedules: [...new Set(opsgenie.schedules)] };
    return result;
  });

const matchSchema = closed(
  {
    vms: matchList(
      z.string({ error: expected('a VM name glob') }).regex(VM_GLOB, {
        error: (issue) => `${describeValue(issue.input)} is not a VM name glob: use letters, digits, \`.\`, \`_\`, \`-\` and the wildcards * and ?`,
      }),
      'VM name globs',
      'vms',
    ),
    tags: tags.optional(),
    ports: matchList(portNumber, 'port numbers', 'ports'),
    requesters: matchList(principal, 'Slack user or user-group IDs', 'requesters'),
    maxDuration: anyDuration.optional(),
    sources: matchList(cidr, 'address prefixes', 'sources'),
    hours: hours.optional(),
    weekdays: matchList(weekday, 'three-letter weekdays', 'weekdays').transform((days) => (days === undefined ? undefined : [...new Set(days)])),
    timezone: timezone.optional(),
    onCall: onCallSchema.optional(),
  },
  'a match object',
).transform((match): RuleMatch => {
  const { maxDuration, ...rest } = match;
  const result: RuleMatch = {};
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) Object.assign(result, { [key]: value });
  if (maxDuration !== undefined) result.maxDurationSeconds = maxDuration;
  return result;
});

const PENDING_MIN = 60;
const PENDING_MAX = 7 * 86_400;
const pendingTimeout = z.string({ error: expected('a duration from 1m to 7d such as 30m') }).transform((text, ctx) => {
  const result = parseDuration(text);
  if (!result.ok) {
    ctx.addIssue({ code: 'custom', message: result.error });
    return z.NEVER;
  }
  if (result.seconds < PENDING_MIN || result.seconds > PENDING_MAX) {
    const side = result.seconds < PENDING_MIN ? 'shorter than 1m' : 'longer than 7d';
    ctx.addIssue({ code: 'custom', message: `${formatDuration(result.seconds)} is ${side}: a request waits for approvals from 1m to 7d, such as 30m` });
    return z.NEVER;
  }
  return result.seconds;
});

const pattern = z
  .string({ error: expected('a regular expression such as ^[A-Z]+-\\d+') })
  .min(1, { error: 'the pattern is empty: remove `pattern` to accept any justification' })
  .transform((text, ctx) => {
    const result = compilePattern(text);
    if (result.ok) return result.pattern;
    ctx.addIssue({ code: 'custom', message: result.error });
    return z.NEVER;
  });

const justificationSchema = closed(
  {
    required: z.boolean({ error: expected('true or false') }).optional(),
    pattern: pattern.optional(),
    hint: z
      .string({ error: expected('a hint as text') })
      .trim()
      .min(1, { error: 'the hint is empty: say what a good justification looks like, or remove `hint`' })
      .max(MAX_PATTERN_LENGTH, { error: `the hint is longer than ${MAX_PATTERN_LENGTH} characters: shorten it` })
      .optional(),
  },
  "a justification object such as {required: true, pattern: '^[A-Z]+-\\d+', hint: a ticket ID such as OPS-123}",
).transform(
  (policy): NonNullable<Rule['justification']> => ({
    // Writing the block at all means a justification is wanted, unless it says otherwise.
    required: policy.required ?? true,
    ...(policy.pattern === undefined ? {} : { pattern: policy.pattern }),
    ...(policy.hint === undefined ? {} : { hint: policy.hint }),
  }),
);

export const ruleSchema = closed(
  {
    name: z
      .string({ error: expected('a rule name') })
      .trim()
      .min(1, { error: 'the rule name is empty: give each rule a name' })
      .max(100, { error: 'the rule name is longer than 100 characters: shorten it' }),
    match: matchSchema.optional(),
    effect: z.enum(['approve', 'deny', 'require_approval', 'break_glass'], { error: expected('approve, deny, require_approval or break_glass') }),
    approvals: z
      .int({ error: expected('a whole number of approvals from 1 to 10') })
      .min(1, { error: expected('a whole number of approvals from 1 to 10') })
      .max(10, { error: expected('a whole number of approvals from 1 to 10') })
      .optional(),
    approvers: z
      .array(principal, { error: expected('a list of Slack user or user-group IDs') })
      .min(1, { error: "an empty list means nobody can approve: list at least one approver, or remove `approvers` to use the policy's" })
      .optional(),
    reason: z
      .string({ error: expected('a reason as text') })
      .max(500, { error: 'the reason is longer than 500 characters: shorten it' })
      .optional(),
    pendingTimeout: pendingTimeout.optional(),
    denyEndsRequest: z.boolean({ error: expected('true or false') }).optional(),
    justification: justificationSchema.optional(),
  },
  'a rule object with name and effect',
).transform(
  (rule): Rule => ({
    name: rule.name,
    match: rule.match ?? {},
    effect: rule.effect,
    ...(rule.approvals === undefined ? {} : { approvals: rule.approvals }),
    ...(rule.approvers === undefined ? {} : { approvers: rule.approvers }),
    ...(rule.reason === undefined ? {} : { reason: rule.reason }),
    ...(rule.pendingTimeout === undefined ? {} : { pendingTimeoutSeconds: rule.pendingTimeout }),
    ...(rule.denyEndsRequest === undefined ? {} : { denyEndsRequest: rule.denyEndsRequest }),
    ...(rule.justification === undefined ? {} : { justification: rule.justification }),
  }),
);

export const rulesSchema = z.array(ruleSchema, { error: expected('a list of rules') });
