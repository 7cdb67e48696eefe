// The `jit` command's entry: package.json `bin` runs it through bin/jit.js,
// `npm run jit -- …` through tsx directly. Like `npm start`, it reads ./.env
// when there is one, and real environment variables win. See run.ts.

import { existsSync } from 'node:fs';
import { openCliStore, readStoredOverlay } from '../compose/cli-store.js';
import { runJit } from './run.js';

if (existsSync('.env')) process.loadEnvFile('.env');

process.exitCode = await runJit(
  process.argv.slice(2),
  {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  },
  // The heavy half of the composition loads only for commands that change requests.
  { core: async (env) => (await import('../compose/cli-core.js')).openCore(env), store: openCliStore, overlay: async (env) => readStoredOverlay(env.JIT_DB) },
);
