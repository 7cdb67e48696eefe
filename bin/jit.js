#!/usr/bin/env node
// The package's `jit` command. It runs the compiled CLI (dist/, which `npm ci`
// and `npm run build` make) when that build is newer than every file in src/;
// otherwise (a checkout never built, or source edited since the build) it runs
// the TypeScript source through tsx, so the command never runs stale code.
// Both are found from this file's own location, so it works from any directory
// (`npx jit …` in the repository, or a linked install).

import { readdirSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const built = new URL('dist/cli/jit.js', root);

if (builtAt() > newestSource(new URL('src/', root))) {
  await import(built.href);
} else {
  await import('tsx');
  await import('../src/cli/jit.ts');
}

/** When the compiled CLI was written; 0 when there is none. */
function builtAt() {
  try {
    return statSync(built).mtimeMs;
  } catch {
    return 0;
  }
}

/** The latest change under `dir`: a file edited, added or removed (a folder's own time changes then). */
function newestSource(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const url = new URL(entry.name + (entry.isDirectory() ? '/' : ''), dir);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(url) : statSync(url).mtimeMs);
  }
  return newest;
}
