#!/usr/bin/env node
// The package's `jit` command. It runs the TypeScript source through tsx, as
// `npm start` does, and resolves tsx from this file's own location, so it works
// from any directory (`npx jit …` in the repository, or a linked install).

import 'tsx';

await import('../src/cli/jit.ts');
