import { describe, expect, it } from 'vitest';
import { commandRunner, isMissing, isRace, NftCommandError } from '../../../src/firewall/nftables/runner.js';

// A stand-in for nft: prints its arguments and stdin as JSON; `fail` makes it exit 1 with a message.
const ECHO = `
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  const args = process.argv.slice(1);
  if (args.includes('fail')) { process.stderr.write('Error: Could not process rule: No such file or directory\\n'); process.exit(1); }
  process.stdout.write(JSON.stringify({ args, input }));
});
`;

describe('commandRunner', () => {
  it('run_prefixAndArgs_arePassedAsAnArrayWithTheScriptOnStdin', async () => {
    const runner = commandRunner([process.execPath, '-e', ECHO, '--']);
    const out = await runner.run(['-f', '-', '$(touch /tmp/pwned); echo'], 'add table inet jit\n');
    expect(JSON.parse(out)).toEqual({ args: ['-f', '-', '$(touch /tmp/pwned); echo'], input: 'add table inet jit\n' });
  });

  it('run_nftFails_rejectsWithItsStderr', async () => {
    const runner = commandRunner([process.execPath, '-e', ECHO, '--']);
    const error = await runner.run(['fail']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NftCommandError);
    expect((error as Error).message).toMatch(/failed \(exit 1\): Error: Could not process rule: No such file or directory/);
    expect(isMissing(error)).toBe(true);
  });

  it('run_programMissing_rejectsSayingSo', async () => {
    const error = await commandRunner(['/nonexistent/nft'])
      .run(['--version'])
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/could not run \/nonexistent\/nft --version: .*ENOENT/);
    expect(isMissing(error)).toBe(false);
  });

  it('run_hangs_isKilledAfterTheTimeout', async () => {
    const runner = commandRunner([process.execPath, '-e', 'setTimeout(() => {}, 10000)'], { timeoutMs: 200 });
    await expect(runner.run([])).rejects.toThrow(/did not finish within 200 ms/);
  });

  it.each([
    ['/dev/stdin:1:33-65: Error: Could not process rule: No such file or directory', true, true],
    ['Error: No such file or directory\nlist table inet nope', true, true],
    ['/dev/stdin:2:30-59: Error: Could not process rule: File exists', false, true],
    ['exec of "nft" failed: No such file or directory', false, false],
    ['Error: Could not process rule: Operation not permitted', false, false],
  ])('classifies %j: missing %s, race %s', (stderr, missing, race) => {
    const error = new NftCommandError('x', stderr, 1);
    expect([isMissing(error), isRace(error)]).toEqual([missing, race]);
  });
});
