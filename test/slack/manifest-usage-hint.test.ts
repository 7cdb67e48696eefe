// The slash command's usage hint is what Slack shows under `/jit` as the user
// types: it names every command the parser knows, and stays short.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { JIT_VERBS } from '../../src/slack/jit-command.js';

interface Manifest {
  features: { slash_commands: { command: string; usage_hint?: string }[] };
}

const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as Manifest;

describe('manifest.yml', () => {
  it('usageHint_listsEveryCommand_andFitsUnderSlacksLimit', () => {
    const hint = manifest.features.slash_commands.find((c) => c.command === '/jit')?.usage_hint ?? '';
    const words = new Set(hint.split(/[\s|]+/));
    for (const verb of JIT_VERBS) expect(words).toContain(verb);
    // Slack's manifest limit is 1,000 characters; a hint past a line or two is cut off in the client anyway.
    expect(hint.length).toBeLessThanOrEqual(200);
  });
});
