// How `jit` behaves before any command runs: help, usage errors, a bad
// environment, a bad policy file. Exit 2, one line on stderr, nothing on stdout.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliWorld, oneErrorLine, ROOT, runJit, SLOW, type CliWorld } from './harness.js';

let world: CliWorld;
afterEach(() => world?.cleanup());

describe('jit help and usage errors', () => {
  it(
    'help_listsEveryCommandAndTheExitCodes',
    async () => {
      world = cliWorld();
      for (const args of [['help'], [], ['--help']]) {
        const run = await world.run(args);
        expect(run).toMatchObject({ code: 0, stderr: '' });
        for (const command of ['request', 'approve', 'deny', 'revoke', 'list', 'audit export', 'audit verify', 'policy check', 'sweep', 'db copy'])
          expect(run.stdout).toContain(`jit ${command}`);
        expect(run.stdout).toMatch(/Exit codes: 0 done, 1 refused or failed/);
      }
    },
    SLOW,
  );

  it.each([
    [['frobnicate'], 'jit: frobnicate is not a jit command: run `jit help` for the list'],
    [['audit'], 'jit: jit audit needs one of: export, verify'],
    [['policy', 'lint', 'x'], 'jit: jit policy needs one of: check, export, import'],
    [['approve', 'k7m2qp', '--as', 'UAPPROVER1', '--bogus'], "jit: Unknown option '--bogus'; usage: jit approve <id> --as <user>"],
    [['approve', 'k7m2qp'], 'jit: say who is acting with --as <Slack member ID> (or set JIT_CLI_USER); usage: jit approve <id> --as <user>'],
    [['approve', 'k7m2qp', '--as', 'alice'], 'jit: --as alice is not a Slack member ID such as U0123ABCD (profile → ⋮ → Copy member ID)'],
    [['revoke', 'not-an-id', '--as', 'U1AB'], 'jit: not-an-id is not a request ID (six characters such as k7m2qp); usage: jit revoke <id> --as <user>'],
    [
      ['request', 'web-1', '22', '--as', 'UREQ'],
      'jit: a request needs a VM, ports, a source and a duration; usage: jit request <vm>[,<vm>…] <ports> <source> <duration> [justification…] --as <user>',
    ],
    [['list', 'extra'], 'jit: this command takes no arguments, got 1; usage: jit list [--all] [--state <state>[,<state>…]]'],
    [['sweep', 'now'], 'jit: this command takes no arguments, got 1; usage: jit sweep'],
  ])(
    'usage %j exitsTwo',
    async (args, message) => {
      world = cliWorld();
      const run = await world.run(args);
      expect(run).toMatchObject({ code: 2, stdout: '' });
      expect(oneErrorLine(run)).toBe(message);
    },
    SLOW,
  );

  it(
    'badEnvironmentVariable_namesIt_andExitsTwo',
    async () => {
      world = cliWorld();
      const run = await world.run(['list'], { JIT_READERS: 'security team' });
      expect(run).toMatchObject({ code: 2, stdout: '' });
      expect(oneErrorLine(run)).toMatch(/^jit: JIT_READERS must list Slack user IDs/);
    },
    SLOW,
  );

  it(
    'invalidPolicyFile_pointsAtPolicyCheck_andExitsTwo',
    async () => {
      world = cliWorld({ policy: 'virtualMachines: [{id: a}]\n' });
      const run = await world.run(['request', 'a', '22', '203.0.113.7', '1h', '--as', 'UREQ']);
      expect(run).toMatchObject({ code: 2, stdout: '' });
      expect(oneErrorLine(run)).toBe(`jit: JIT_POLICY (${world.policy}) has 1 problem: run \`jit policy check ${world.policy}\` to see each one`);
    },
    SLOW,
  );

  it(
    'dotEnvInTheWorkingDirectory_isRead_butRealVariablesWin',
    async () => {
      world = cliWorld();
      writeFileSync(join(world.dir, '.env'), `JIT_DB=${world.db}\n`);
      const fromFile = await runJit(['list', '--json'], { cwd: world.dir, env: {} });
      expect(fromFile).toMatchObject({ code: 0, stderr: '' });
      const missing = join(world.dir, 'other.db');
      const fromEnv = await runJit(['list'], { cwd: world.dir, env: { JIT_DB: missing } });
      expect([fromEnv.code, oneErrorLine(fromEnv)]).toEqual([2, expect.stringContaining(`JIT_DB (${missing}) does not exist`)]);
    },
    SLOW,
  );

  it(
    'npmRunJit_runsTheSameCommand',
    async () => {
      world = cliWorld();
      const run = await runJit(['run', '--silent', 'jit', '--', 'list', '--json'], {
        cwd: ROOT,
        env: { JIT_DB: world.db, JIT_POLICY: world.policy },
        command: ['npm'],
      });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(run.stdout)).toEqual({ requests: [] });
    },
    SLOW,
  );
});
