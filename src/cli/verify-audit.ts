// `npm run audit:verify`: the same as `jit audit verify` (src/cli/audit.ts):
// checks the audit log's hash chain in JIT_DB and names the first row that was
// edited, deleted or reordered; `-- --against-slack` also checks it against the
// heads and signed checkpoints in the audit channel. Exit codes: 0 intact, 1
// broken, 2 could not check.

import { CLI_OPENERS } from '../compose/cli.js';
import { runJit } from './run.js';

process.exitCode = await runJit(
  ['audit', 'verify', ...process.argv.slice(2)],
  {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  },
  CLI_OPENERS,
);
