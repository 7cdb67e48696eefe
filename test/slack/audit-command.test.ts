import { describe, expect, it } from 'vitest';
import { DEFAULT_AUDIT_DAYS, MAX_AUDIT_DAYS } from '../../src/slack/audit-command.js';
import { parseJitCommand } from '../../src/slack/command.js';

describe('/jit audit', () => {
  it.each([
    ['audit', { kind: 'audit', days: DEFAULT_AUDIT_DAYS }],
    ['AUDIT web-1', { kind: 'audit', vm: 'web-1', days: DEFAULT_AUDIT_DAYS }],
    ['audit --days 7', { kind: 'audit', days: 7 }],
    ['audit web-1 --days 7', { kind: 'audit', vm: 'web-1', days: 7 }],
    ['audit --days=7 web-1', { kind: 'audit', vm: 'web-1', days: 7 }],
    // Slack on macOS turns a typed `--` into an em dash.
    ['audit —days 7', { kind: 'audit', days: 7 }],
    [`audit --days ${MAX_AUDIT_DAYS}`, { kind: 'audit', days: MAX_AUDIT_DAYS }],
  ])('parse_%j', (text, expected) => {
    expect(parseJitCommand(text)).toEqual(expected);
  });

  it.each([
    ['audit --days', /whole number of days from 1 to 366/],
    ['audit --days 0', /whole number of days/],
    [`audit --days ${MAX_AUDIT_DAYS + 1}`, /whole number of days/],
    ['audit --days 1.5', /whole number of days/],
    ['audit --days 7 --days 8', /given twice/],
    ['audit web-1 db-1', /at most one VM/],
    ['audit --since 7d', /`--since` is not an option/],
    ['audit <!channel>', /is not a VM name/],
  ])('parse_invalid_%s', (text, message) => {
    const parsed = parseJitCommand(text);
    expect(parsed.kind).toBe('invalid');
    expect(parsed.kind === 'invalid' && parsed.message).toMatch(message);
  });
});
