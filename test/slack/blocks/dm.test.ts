import { describe, expect, it } from 'vitest';
import type { AuditEventName } from '../../../src/domain/types.js';
import { connectHint, endpointHint, grantConnectHint, requesterDmText } from '../../../src/slack/blocks/dm.js';
import { HOSTILE, T0, hostileIsInert, request, vm } from './fixtures.js';

const EVENTS: AuditEventName[] = [
  'request.created',
  'request.approval_added',
  'request.approved',
  'request.denied',
  'request.cancelled',
  'request.timed_out',
  'grant.opened',
  'grant.open_failed',
  'grant.closing',
  'grant.closed',
  'grant.close_failed',
];

describe('requesterDmText', () => {
  it.each(EVENTS)('requesterDmText_%s_hasInertText', (event) => {
    const hint = connectHint(vm('x', { address: '<!channel>' }), [{ number: 22, protocol: 'TCP' }]);
    const text = requesterDmText(event, request({ reason: HOSTILE, decidedBy: 'U2', endAt: T0, justification: HOSTILE }), hint);
    expect(text.length).toBeGreaterThan(10);
    expect(text.length).toBeLessThan(3000);
    expect(hostileIsInert(text)).toBe(true);
  });

  it('requesterDmText_created_pending_namesApprovers', () => {
    expect(requesterDmText('request.created', request())).toContain('waiting for approval from <@U0APP1>, <!subteam^S0OPS>');
  });
  it('requesterDmText_opened_saysWhatIsOpenUntilWhen', () => {
    const text = requesterDmText('grant.opened', request({ state: 'active', endAt: T0 }), '`ssh 10.0.0.4`');
    expect(text).toBe(
      `Port 22 on *web-1* is open for 198.51.100.7/32 until <!date^${T0 / 1000}^{date_short_pretty} {time}|2024-01-15T09:00:00Z> (request #abc123).\nConnect: \`ssh 10.0.0.4\``,
    );
  });
  it('requesterDmText_openedWithoutHint_hasNoConnectLine', () => {
    expect(requesterDmText('grant.opened', request({ endAt: T0 }))).not.toContain('Connect');
  });
  it('requesterDmText_denied_hasReason', () => {
    expect(requesterDmText('request.denied', request({ state: 'denied', decidedBy: 'U2', reason: 'not today' }))).toContain('denied by <@U2>: not today');
  });
  it('requesterDmText_failed_hasReason', () => {
    expect(requesterDmText('grant.open_failed', request({ state: 'failed', reason: 'nft exited 1' }))).toContain('nft exited 1');
  });
  it('requesterDmText_timedOut_saysSo', () => expect(requesterDmText('request.timed_out', request())).toContain('timed out'));
  it('requesterDmText_cancelled_saysSo', () => expect(requesterDmText('request.cancelled', request())).toContain('cancelled'));
  it('requesterDmText_closed_saysSo', () => expect(requesterDmText('grant.closed', request())).toContain('is closed'));
});

describe('connectHint', () => {
  const ports = (...numbers: number[]) => numbers.map((number) => ({ number, protocol: 'TCP' as const }));
  // Only the command is in the code span, so a tap copies exactly what to type.
  it('connectHint_ssh', () => expect(connectHint(vm('web-1', { address: '10.0.0.4' }), ports(22))).toBe('`ssh 10.0.0.4`'));
  it('connectHint_rdp', () => expect(connectHint(vm('win-1', { address: 'win-1.corp' }), ports(3389))).toBe('RDP to `win-1.corp:3389`'));
  it('connectHint_other', () => expect(connectHint(vm('x', { address: '10.0.0.5' }), ports(5986))).toBe('`10.0.0.5:5986`'));
  it('connectHint_several', () => expect(connectHint(vm('x', { address: '10.0.0.5' }), ports(22, 5985))).toBe('`ssh 10.0.0.5` · `10.0.0.5:5985`'));
  it('connectHint_ipv6_bracketsHostPort', () => expect(connectHint(vm('x', { address: '2001:db8::1' }), ports(3389))).toBe('RDP to `[2001:db8::1]:3389`'));
  it('connectHint_hostileAddress_isEscaped', () => expect(connectHint(vm('x', { address: '<!here>' }), ports(22))).toBe('`ssh &lt;!here&gt;`'));
  it('connectHint_noAddress_isUndefined', () => expect(connectHint(vm('x'), ports(22))).toBeUndefined());
});

describe('endpointHint', () => {
  const at = (port: number, hostPort: number, host = '20.1.2.3') => ({ port, protocol: 'TCP' as const, host, hostPort });
  // A firewall's DNAT: the public address and the mapped port, as Azure's JIT shows them.
  it('endpointHint_ssh_namesTheMappedPort', () => expect(endpointHint([at(22, 50022)])).toBe('`ssh -p 50022 user@20.1.2.3`'));
  it('endpointHint_ssh_onPort22_needsNoFlag', () => expect(endpointHint([at(22, 22)])).toBe('`ssh user@20.1.2.3`'));
  it('endpointHint_rdp_isAnMstscLine', () => expect(endpointHint([at(3389, 53389)])).toBe('`mstsc /v:20.1.2.3:53389`'));
  it('endpointHint_other_saysWhichPortItLeadsTo', () => expect(endpointHint([at(5985, 55985)])).toBe('`20.1.2.3:55985` for 5985'));
  it('endpointHint_several_inOrder', () =>
    expect(endpointHint([at(22, 50022), at(3389, 53389)])).toBe('`ssh -p 50022 user@20.1.2.3` · `mstsc /v:20.1.2.3:53389`'));
  it('endpointHint_tcpAndUdpOfOnePort_showOnce', () =>
    expect(endpointHint([at(5000, 55000), { ...at(5000, 55000), protocol: 'UDP' }])).toBe('`20.1.2.3:55000` for 5000'));
  it('endpointHint_ipv6_bracketsHostPort', () => expect(endpointHint([at(3389, 53389, '2001:db8::1')])).toBe('`mstsc /v:[2001:db8::1]:53389`'));
  it('endpointHint_hostileHost_isEscaped', () => expect(endpointHint([at(22, 50022, '<!here>')])).toBe('`ssh -p 50022 user@&lt;!here&gt;`'));
});

describe('grantConnectHint', () => {
  const endpoints = [{ port: 22, protocol: 'TCP' as const, host: '20.1.2.3', hostPort: 50022 }];
  it('grantConnectHint_withEndpoints_usesThemOverTheVmAddress', () =>
    expect(grantConnectHint(request({ state: 'active', endpoints }), vm('web-1', { address: '10.0.0.4' }))).toBe('`ssh -p 50022 user@20.1.2.3`'));
  it('grantConnectHint_withoutEndpoints_isTheVmAddress', () =>
    expect(grantConnectHint(request({ state: 'active' }), vm('web-1', { address: '10.0.0.4' }))).toBe('`ssh 10.0.0.4`'));
  it('grantConnectHint_noVmNoEndpoints_isUndefined', () => expect(grantConnectHint(request({ state: 'active' }), undefined)).toBeUndefined());
});
