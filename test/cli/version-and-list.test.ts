// `jit --version`, and `jit list` in an environment whose JIT_POLICY names no
// file: exit 2, as the README's exit-code table says.

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliWorld, oneErrorLine, ROOT, SLOW, type CliWorld } from './harness.js';

let world: CliWorld;
afterEach(() => world?.cleanup());

describe('jit --version', () => {
  it(
    'version_printsThePackageVersion_exitZero',
    async () => {
      world = cliWorld();
      const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
      for (const args of [['--version'], ['version']]) {
        expect(await world.run(args)).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
      }
    },
    SLOW,
  );
});

describe('jit list and JIT_POLICY', () => {
  it(
    'missingPolicyFile_exitsTwo_namingIt_anInvalidOneStillLists',
    async () => {
      world = cliWorld();
      rmSync(world.policy);
      const missing = await world.run(['list']);
      expect(missing).toMatchObject({ code: 2, stdout: '' });
      expect(oneErrorLine(missing)).toBe(`jit: JIT_POLICY (${world.policy}) does not exist: set JIT_POLICY to the bot's policy file, as the bot has it`);

      // A broken file keeps the bot from starting; the requests can still be listed meanwhile.
      writeFileSync(world.policy, 'virtualMachines: 7\n');
      expect(await world.run(['list'])).toEqual({ code: 0, stdout: 'no open requests\n', stderr: '' });
    },
    SLOW,
  );
});
