import { describe, expect, it } from 'vitest';
import { parseJitCommand } from '../../src/slack/command.js';

describe('parseJitCommand', () => {
  it.each([
    ['', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['  HELP  ', { kind: 'help' }],
    ['list', { kind: 'list' }],
    ['request', { kind: 'request_modal' }],
    ['cancel k7m2qp', { kind: 'cancel', id: 'k7m2qp' }],
    ['cancel #K7M2QP', { kind: 'cancel', id: 'k7m2qp' }],
    ['revoke k7m2qp', { kind: 'revoke', id: 'k7m2qp' }],
    ['vms', { kind: 'vms' }],
    ['VMS web-*', { kind: 'vms', filter: 'web-*' }],
    ['enable web-3', { kind: 'enable', vm: 'web-3' }],
    ['ENABLE web-3 Windows', { kind: 'enable', vm: 'web-3', os: 'windows' }],
    ['enable build-2 10.0.0.7 linux', { kind: 'enable', vm: 'build-2', os: 'linux', address: '10.0.0.7' }],
    ['enable build-2 linux build-2.internal', { kind: 'enable', vm: 'build-2', os: 'linux', address: 'build-2.internal' }],
    ['edit web-1', { kind: 'edit', vm: 'web-1' }],
    ['help request', { kind: 'help', topic: 'request' }],
    ['help /jit Extend', { kind: 'help', topic: 'extend' }],
    ['request web-1 22 203.0.113.7 2h', { kind: 'request', vm: 'web-1', ports: '22', source: '203.0.113.7', duration: '2h', justification: '' }],
    [
      'request web-1 22,3389 203.0.113.0/24 PT1H deploy  hotfix <!channel>',
      { kind: 'request', vm: 'web-1', ports: '22,3389', source: '203.0.113.0/24', duration: 'PT1H', justification: 'deploy  hotfix <!channel>' },
    ],
  ])('parse_%j', (text, expected) => {
    expect(parseJitCommand(text)).toEqual(expected);
  });

  it.each([
    ['list extra', /takes no arguments/],
    ['cancel', /Usage: `\/jit cancel <id>`/],
    ['cancel 0o1il0', /is not a request ID/],
    ['revoke a b', /Usage/],
    ['request web-1 22 203.0.113.7', /needs a VM, ports, a source and a duration/],
    ['frobnicate', /^`frobnicate` is not a \/jit command: `\/jit help` lists them\.$/],
    ['reqeust web-1', /^`reqeust` is not a \/jit command\. Did you mean `\/jit request`\?$/],
    ['explian', /Did you mean `\/jit explain`\?$/],
    ['rev', /Did you mean `\/jit revoke`\?$/],
    ['e', /`\/jit help` lists them/],
    ['`x`', /^`'x'` is not a \/jit command/],
    ['help frob', /`frob` is not a \/jit command: `\/jit help` lists them/],
    ['help lsit', /Did you mean `\/jit help list`\?$/],
    ['help request now', /Usage: `\/jit help \[command\]`/],
    ['vms web-* db-*', /Usage: `\/jit vms \[name or glob\]`/],
    ['vms <!channel>', /Usage: `\/jit vms/],
    [`request web-1 22 1.2.3.4 2h ${'x'.repeat(2001)}`, /limit is 2000/],
    ['enable', /Usage: `\/jit enable <vm> \[linux\|windows\] \[address\]`/],
    ['enable web-3 linux windows', /Usage: `\/jit enable/],
    ['enable web-3 10.0.0.7 10.0.0.8', /Usage: `\/jit enable/],
    ['enable web-3 linux 10.0.0.7 extra', /Usage: `\/jit enable/],
    ['edit', /Usage: `\/jit edit <vm>`/],
    ['edit web-1 db-1', /Usage: `\/jit edit <vm>`/],
  ])('parse_invalid_%s', (text, message) => {
    const parsed = parseJitCommand(text);
    expect(parsed.kind).toBe('invalid');
    expect(parsed.kind === 'invalid' && parsed.message).toMatch(message);
  });
});
