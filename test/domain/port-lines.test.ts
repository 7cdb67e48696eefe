// The edit modal's one-port-per-line text: written from a VM's ports, read
// back into the policy's own port objects, and problems told by line.

import { describe, expect, it } from 'vitest';
import { formatPortLines, lineProblems, MAX_PORT_LINES, MAX_PORT_TEXT, parsePortLines } from '../../src/domain/policy/port-lines.js';
import { parsePolicyDocument } from '../../src/domain/policy/parse.js';
import type { PortPolicy } from '../../src/domain/types.js';

const portsOf = (text: string): PortPolicy[] => {
  const lines = parsePortLines(text);
  if (!lines.ok) throw new Error(lines.problems.join('\n'));
  const parsed = parsePolicyDocument({ virtualMachines: [{ id: 'vm', ports: lines.ports }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.policy.vms[0]!.ports;
};

describe('formatPortLines and parsePortLines', () => {
  it('roundTrip_keepsEveryPortField', () => {
    const ports: PortPolicy[] = [
      { number: 22, protocol: 'TCP', anySource: true, allowedSourcePrefixes: [], maxDurationSeconds: 10_800, minDurationSeconds: 1 },
      {
        number: 3389,
        protocol: 'TCP',
        anySource: false,
        allowedSourcePrefixes: ['203.0.113.0/24', '198.51.100.0/24'],
        maxDurationSeconds: 3600,
        minDurationSeconds: 300,
      },
      { number: 53, protocol: '*', anySource: false, allowedSourcePrefixes: ['2001:db8::/32'], maxDurationSeconds: 90 * 60, minDurationSeconds: 1 },
    ];
    const text = formatPortLines(ports);
    expect(text).toBe('22 TCP * PT3H\n3389 TCP 203.0.113.0/24,198.51.100.0/24 PT1H min=PT5M\n53 * 2001:db8::/32 PT1H30M');
    expect(portsOf(text)).toEqual(ports);
  });

  it('friendlyForms_humanDurations_anyAndSpacedLists_areAccepted', () => {
    expect(portsOf('  8080 tcp any 2h\n\n# a comment\n3389 TCP 203.0.113.0/24, 198.51.100.7 45m min=5m')).toEqual([
      { number: 8080, protocol: 'TCP', anySource: true, allowedSourcePrefixes: [], maxDurationSeconds: 7200, minDurationSeconds: 1 },
      {
        number: 3389,
        protocol: 'TCP',
        anySource: false,
        allowedSourcePrefixes: ['203.0.113.0/24', '198.51.100.7/32'],
        maxDurationSeconds: 2700,
        minDurationSeconds: 300,
      },
    ]);
  });

  it('wrongNumberOfParts_namesTheLineAndTheFormat', () => {
    const result = parsePortLines('22 TCP * PT3H\n\n3389 TCP');
    expect(result).toEqual({
      ok: false,
      problems: ['Line 3 (`3389 TCP`): expected 4 parts, <port> <protocol> <sources> <max duration> [min=<duration>], e.g. `22 TCP * PT3H`; got 2'],
    });
  });

  it('aFifthPartThatIsNotMin_isRefused', () => {
    const result = parsePortLines('22 TCP * PT3H PT1M');
    expect(result.ok === false && result.problems[0]).toMatch(/^Line 1 .*min=<duration>/);
  });

  it('emptyText_asksForAtLeastOnePort', () => {
    for (const text of ['', '   \n# only a comment\n']) {
      const result = parsePortLines(text);
      expect(result.ok === false && result.problems[0]).toMatch(/^Give at least one port/);
    }
  });

  it('hostileSizes_hugeTextAndThousandLines_areRefusedWithTheLimit', () => {
    const huge = parsePortLines('22 TCP * PT3H\n'.repeat(400));
    expect(huge.ok === false && huge.problems).toEqual([expect.stringContaining(`the limit is ${MAX_PORT_TEXT}`)]);
    const many = parsePortLines(
      Array.from({ length: 1000 }, () => '1 T * 1')
        .join('\n')
        .slice(0, MAX_PORT_TEXT),
    );
    expect(many.ok === false && many.problems).toEqual([expect.stringContaining(`at most ${MAX_PORT_LINES} can be edited here`)]);
  });

  it('notText_isRefusedPolitely', () => {
    expect(parsePortLines(undefined).ok).toBe(false);
    expect(parsePortLines(['22 TCP * PT3H']).ok).toBe(false);
  });
});

describe('lineProblems', () => {
  it('schemaProblems_areToldByTheLineAsTyped_withTheFieldInWords', () => {
    const lines = parsePortLines('22 TCP * PT3H\n\n２２ TCP * 3h\n22 TCP * PT1H\n23 TCP 10.0.0.0/33 PT1H');
    if (!lines.ok) throw new Error(lines.problems.join('\n'));
    const parsed = parsePolicyDocument({ virtualMachines: [{ id: 'vm', ports: lines.ports }] });
    if (parsed.ok) throw new Error('these lines must not validate');
    const relative = parsed.problems.map((p) => ({ ...p, path: p.path.replace(/^virtualMachines\[0\]\./, '') }));

    const told = lineProblems(relative, lines.lines);

    expect(told).toEqual([
      'Line 3 (`２２ TCP * 3h`): port: expected a port number from 1 to 65535, got `２２`',
      expect.stringMatching(/^Line 4 \(`22 TCP \* PT1H`\): port 22\/TCP overlaps line 1 /),
      expect.stringMatching(/^Line 5 \(`23 TCP 10\.0\.0\.0\/33 PT1H`\): sources: .*33/),
    ]);
  });

  it('problemsOutsideThePorts_keepTheirPath', () => {
    expect(
      lineProblems(
        [
          { path: 'backend', message: 'not running' },
          { path: '(vm)', message: 'whole VM' },
        ],
        [],
      ),
    ).toEqual(['backend: not running', 'whole VM']);
  });
});
