import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicyFile } from '../../src/config/policy-file.js';

describe('policy.example.yaml', () => {
  it('theShippedExample_loadsWithEveryRule', () => {
    const result = loadPolicyFile(resolve(import.meta.dirname, '../../policy.example.yaml'));
    expect(result.ok ? [] : result.problems).toEqual([]);
    expect(result.ok && result.policy.rules.map((rule) => rule.effect)).toEqual(['break_glass', 'deny', 'approve', 'require_approval', 'deny']);
  });
});
