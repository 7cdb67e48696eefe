// The `jit` command's entry: package.json `bin` runs it through bin/jit.js,
// `npm run jit -- …` through tsx directly. Like `npm start`, it reads ./.env
// when there is one, and real environment variables win. See run.ts.

import { existsSync } from 'node:fs';
import { CLI_OPENERS } from '../compose/cli.js';
import { openEventsForCli } from '../compose/event-stream.js';
import { runJit } from './run.js';

if (existsSync('.env')) process.loadEnvFile('.env');

process.exitCode = await runJit(
  process.argv.slice(2),
  {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  },
  { ...CLI_OPENERS, events: openEventsForCli },
);
