// An Azure policy document as Azure writes it names no approvers: it loads,
// and then every request that needs approval is denied. The bot says so at
// start and at every reload that keeps it so, naming the file and what to add.

import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startE2E, stopChecked, type E2E } from './harness.js';

const AZURE_GET = readFileSync(resolve(import.meta.dirname, '../fixtures/policies/azure-get.json'), 'utf8');
const WARNING =
  /WARN .*the policy has no approvers, so every request that needs approval is denied: add `approvers: \[U…\]` at the root of \S*policy\.yaml \(or rules that approve\)/;

let e2e: E2E | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

describe('a policy without approvers', () => {
  it('start_andEachReloadWithoutApprovers_logAWarningSayingWhatToAdd', async () => {
    e2e = await startE2E({ policy: AZURE_GET });
    expect(e2e.logs.filter((line) => WARNING.test(line))).toHaveLength(1);

    // Approvers added at the document's root, beside Azure's keys: the reload is quiet.
    const withApprovers = { ...JSON.parse(AZURE_GET), approvers: ['UAPPROVER1'] };
    writeFileSync(join(e2e.dir, 'policy.yaml'), JSON.stringify(withApprovers));
    expect(await e2e.bot.reloadPolicy()).toBe(true);
    expect(e2e.logs.filter((line) => WARNING.test(line))).toHaveLength(1);

    writeFileSync(join(e2e.dir, 'policy.yaml'), AZURE_GET);
    expect(await e2e.bot.reloadPolicy()).toBe(true);
    expect(e2e.logs.filter((line) => WARNING.test(line))).toHaveLength(2);
  }, 60_000);
});
