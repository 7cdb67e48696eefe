// `readers`: who may export the audit log. Declared like `approvers` (Slack
// user and user-group IDs), at the root of a native or an Azure document.

import { describe, expect, it } from 'vitest';
import { parsePolicyDocument } from '../../src/domain/policy/parse.js';

const vm = { id: 'web-1', ports: [{ number: 22, protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H' }] };
const azure = (root: Record<string, unknown> = {}, properties: Record<string, unknown> = {}) => ({
  kind: 'Basic',
  properties: { virtualMachines: [vm], ...properties },
  ...root,
});

function problems(document: unknown): [string, string][] {
  const result = parsePolicyDocument(document);
  return result.ok ? [] : result.problems.map((p) => [p.path, p.message]);
}

describe('policy readers', () => {
  it('nativeReaders_usersAndGroups_areRead', () => {
    const result = parsePolicyDocument({ virtualMachines: [vm], readers: ['U0AUDIT1', 'S0SECURITY'] });
    expect(result.ok && result.policy.readers).toEqual(['U0AUDIT1', 'S0SECURITY']);
  });

  it('azureDocumentWithReadersAtItsRoot_readsThem', () => {
    const result = parsePolicyDocument(azure({ readers: ['W0AUDIT'] }));
    expect(result.ok && result.policy.readers).toEqual(['W0AUDIT']);
  });

  it('noReaders_leavesTheFieldOut', () => {
    const result = parsePolicyDocument({ virtualMachines: [vm] });
    expect(result.ok && result.policy).not.toHaveProperty('readers');
  });

  it.each([
    [
      'readerNotASlackId_isRefusedAtItsIndex',
      { virtualMachines: [vm], readers: ['U0AUDIT1', 'carol'] },
      'readers[1]',
      'expected a Slack user ID (U… or W…) or user-group ID (S…), got `carol`',
    ],
    ['readersNotAList_isRefused', { virtualMachines: [vm], readers: 'U0AUDIT1' }, 'readers', 'expected a list of Slack user or user-group IDs'],
    ['misspeltReaders_suggestsTheKey', { virtualMachines: [vm], reader: ['U0AUDIT1'] }, 'reader', 'unknown key (did you mean `readers`?)'],
    [
      'readersInsideAzureProperties_saysToMoveThem',
      azure({}, { readers: ['U0AUDIT1'] }),
      'properties.readers',
      'readers is read only at the document root, beside `properties`: move it there',
    ],
  ])('%s', (_behaviour, document, path, message) => {
    const found = problems(document);
    expect(found.map(([p]) => p)).toEqual([path]);
    expect(found[0]?.[1]).toContain(message);
  });
});
