// The REST API body (Azure's `initiate` shape) to the workflow's input: names
// and resource ids, one source and one end per call, several VMs as a batch
// only when exact, and every bad input answered with where and what to do.

import { describe, expect, it } from 'vitest';
import { findApiVm, parseInitiate } from '../../src/domain/api/initiate.js';
import { apiPolicy } from '../../src/domain/api/views.js';
import { parsePolicy } from '../../src/domain/policy/parse.js';
import type { Policy } from '../../src/domain/types.js';

const WEB_ID = '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web-1';
const parsed = parsePolicy(
  `
approvers: [UAPPROVER1]
virtualMachines:
  - id: ${WEB_ID}
    ports:
      - { number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H }
      - { number: 3389, protocol: TCP, allowedSourceAddressPrefixes: ["203.0.113.0/24", "198.51.100.0/24"], maxRequestAccessDuration: PT1H }
  - id: db-1
    ports:
      - { number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT2H }
      - { number: 5432, protocol: TCP, allowedSourceAddressPrefix: "10.0.0.0/8", maxRequestAccessDuration: PT2H }
      - { number: 53, protocol: UDP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT2H }
`,
  'yaml',
);
if (!parsed.ok) throw new Error(JSON.stringify(parsed));
const policy: Policy = parsed.policy;
const NOW = Date.UTC(2026, 11, 5, 10, 0, 0);
const HOUR_LATER = '2026-12-05T11:00:00Z';

const port = (overrides: Record<string, unknown> = {}) => ({ number: 22, allowedSourceAddressPrefix: '198.51.100.7', endTimeUtc: HOUR_LATER, ...overrides });
const body = (vms: unknown[], justification: unknown = 'deploy') => ({ virtualMachines: vms, justification });

describe('parseInitiate', () => {
  it('aResourceId_andAnEndTime_becomeTheVmNameAndADuration', () => {
    expect(parseInitiate(body([{ id: WEB_ID, ports: [port(), port({ number: 3389 })] }]), policy, NOW)).toEqual({
      ok: true,
      input: { vm: 'web-1', ports: '22,3389', source: '198.51.100.7', duration: 'PT1H', justification: 'deploy' },
    });
  });

  it('aNameOrAnIdOfANameOnlyVm_andADuration_areAccepted', () => {
    const result = parseInitiate(
      body([
        {
          id: '/subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/virtualMachines/DB-1',
          ports: [port({ endTimeUtc: undefined, duration: 'PT30M' })],
        },
      ]),
      policy,
      NOW,
    );
    expect(result).toMatchObject({ ok: true, input: { vm: 'db-1', duration: 'PT30M' } });
    expect(findApiVm('WEB-1', policy)?.id).toBe(WEB_ID);
    // A resource id in another subscription is not the policy's web-1, whose id is exact.
    expect(findApiVm(WEB_ID.replace('0000', '1111'), policy)).toBeUndefined();
  });

  it('severalVms_withTheSamePorts_becomeOneBatch', () => {
    expect(
      parseInitiate(
        body([
          { id: 'web-1', ports: [port()] },
          { id: 'db-1', ports: [port()] },
        ]),
        policy,
        NOW,
      ),
    ).toMatchObject({
      ok: true,
      input: { vm: 'web-1,db-1', ports: '22' },
    });
  });

  it('severalVms_whereOneWouldGetAPortItDidNotAskFor_isRefused', () => {
    const result = parseInitiate(
      body([
        { id: 'web-1', ports: [port()] },
        { id: 'db-1', ports: [port(), port({ number: 5432 })] },
      ]),
      policy,
      NOW,
    );
    expect(result).toEqual({ ok: true, input: expect.objectContaining({ ports: '22,5432' }) });
    const wrong = parseInitiate(
      body([
        { id: 'web-1', ports: [port({ number: 3389 })] },
        { id: 'db-1', ports: [port()] },
      ]),
      policy,
      NOW,
    );
    expect(wrong).toMatchObject({ ok: false, status: 400 });
    expect(JSON.stringify(wrong)).toContain('send one call per VM');
  });

  it.each([
    ['not an object', [1], 400, '', 'Send a JSON object'],
    ['no VMs', { virtualMachines: [] }, 400, 'virtualMachines', 'at least one VM'],
    ['a VM without id', body([{ ports: [port()] }]), 400, 'virtualMachines[0].id', "the VM's name"],
    ['a VM without ports', body([{ id: 'web-1' }]), 400, 'virtualMachines[0].ports', 'must list 1 to 20 ports'],
    ['a port number out of range', body([{ id: 'web-1', ports: [port({ number: 70000 })] }]), 400, 'virtualMachines[0].ports[0].number', '1 to 65535'],
    ['a port number as text', body([{ id: 'web-1', ports: [port({ number: '22' })] }]), 400, 'virtualMachines[0].ports[0].number', '1 to 65535'],
    [
      'no source',
      body([{ id: 'web-1', ports: [port({ allowedSourceAddressPrefix: undefined })] }]),
      400,
      'virtualMachines[0].ports[0].allowedSourceAddressPrefix',
      'the address you will connect from',
    ],
    [
      '`me` as source',
      body([{ id: 'web-1', ports: [port({ allowedSourceAddressPrefix: 'me' })] }]),
      400,
      'virtualMachines[0].ports[0].allowedSourceAddressPrefix',
      'works in Slack only',
    ],
    [
      'two sources in a list',
      body([{ id: 'web-1', ports: [port({ allowedSourceAddressPrefix: undefined, allowedSourceAddressPrefixes: ['1.2.3.4', '5.6.7.8'] })] }]),
      400,
      'virtualMachines[0].ports[0].allowedSourceAddressPrefixes',
      'send one call per source',
    ],
    [
      'both source forms',
      body([{ id: 'web-1', ports: [port({ allowedSourceAddressPrefixes: ['1.2.3.4'] })] }]),
      400,
      'virtualMachines[0].ports[0].allowedSourceAddressPrefix',
      'not both',
    ],
    ['no end', body([{ id: 'web-1', ports: [port({ endTimeUtc: undefined })] }]), 400, 'virtualMachines[0].ports[0].endTimeUtc', 'UTC time such as'],
    [
      'an end without a zone',
      body([{ id: 'web-1', ports: [port({ endTimeUtc: '2026-12-05T11:00:00' })] }]),
      400,
      'virtualMachines[0].ports[0].endTimeUtc',
      'UTC time such as',
    ],
    ['both end forms', body([{ id: 'web-1', ports: [port({ duration: 'PT1H' })] }]), 400, 'virtualMachines[0].ports[0].endTimeUtc', 'not both'],
    [
      'a bad duration',
      body([{ id: 'web-1', ports: [port({ endTimeUtc: undefined, duration: 'P1M' })] }]),
      400,
      'virtualMachines[0].ports[0].duration',
      'ISO 8601 duration',
    ],
    ['a bad protocol', body([{ id: 'web-1', ports: [port({ protocol: 'ICMP' })] }]), 400, 'virtualMachines[0].ports[0].protocol', 'TCP, UDP or *'],
    ['justification not text', body([{ id: 'web-1', ports: [port()] }], 42), 400, 'justification', 'must be text'],
    [
      'two sources in one call',
      body([{ id: 'web-1', ports: [port(), port({ number: 3389, allowedSourceAddressPrefix: '203.0.113.9' })] }]),
      400,
      'allowedSourceAddressPrefix',
      'send one call per source',
    ],
    [
      'two ends in one call',
      body([{ id: 'web-1', ports: [port(), port({ number: 3389, endTimeUtc: '2026-12-05T10:30:00Z' })] }]),
      400,
      'endTimeUtc',
      'one call per end time',
    ],
    ['an unknown VM', body([{ id: 'nope-9', ports: [port()] }]), 422, 'virtualMachines[0].id', 'GET /api/v1/policy lists the VMs'],
    [
      'an end in the past',
      body([{ id: 'web-1', ports: [port({ endTimeUtc: '2026-12-05T09:00:00Z' })] }]),
      422,
      'virtualMachines[0].ports[0].endTimeUtc',
      'is not in the future',
    ],
    [
      'a protocol the port is not configured for',
      body([{ id: 'db-1', ports: [port({ number: 53, protocol: 'TCP' })] }]),
      422,
      'virtualMachines[0].ports[0].protocol',
      'configured for UDP',
    ],
  ])('%s_isRefusedSayingWhereAndWhat', (_what, input, status, field, message) => {
    const result = parseInitiate(input, policy, NOW);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.status).toBe(status);
    expect(result.problems).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  it('tooManyVms_isRefused', () => {
    const vms = Array.from({ length: 11 }, () => ({ id: 'web-1', ports: [port()] }));
    expect(parseInitiate(body(vms), policy, NOW)).toMatchObject({
      ok: false,
      status: 400,
      problems: [{ field: 'virtualMachines', message: expect.stringContaining('at most 10') }],
    });
  });
});

describe('apiPolicy', () => {
  it('writesAzuresShape_oneSourceAsAString_severalAsAList', () => {
    const shaped = apiPolicy(policy);
    expect(shaped.properties.virtualMachines[0]).toEqual({
      id: WEB_ID,
      name: 'web-1',
      ports: [
        { number: 22, protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H' },
        { number: 3389, protocol: 'TCP', allowedSourceAddressPrefixes: ['203.0.113.0/24', '198.51.100.0/24'], maxRequestAccessDuration: 'PT1H' },
      ],
    });
  });
});
