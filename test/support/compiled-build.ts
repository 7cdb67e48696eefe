// The bot as `npm start` runs it: dist/ when `npm ci` or `npm run build` made it
// from the source as it is (CI), else a fresh build of the source, as `npm run
// build` makes it, inside node_modules/.cache (Node resolves the build's
// imports, prom-client or @slack/bolt, from the repository's node_modules, so a
// build must live inside it). The end-to-end test of the compiled bot and the
// benchmarks share it.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/** `own`: this call built it, in a directory of its own the caller removes. */
export interface CompiledBuild {
  dir: string;
  own: boolean;
}

export function compiledBuild(prefix = 'jit-compiled-'): CompiledBuild {
  const dist = join(ROOT, 'dist');
  if (mtime(join(dist, 'main.js')) > newest(join(ROOT, 'src'))) return { dir: dist, own: false };
  const cache = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, prefix));
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', dir], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (tsc.status !== 0) throw new Error(`building the bot failed:\n${tsc.stdout}${tsc.stderr}`);
  return { dir, own: true };
}

/** A file's modification time in ms; 0 when it does not exist. */
export function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** The latest modification time of a directory and everything under it (a deletion changes its directory's). */
export function newest(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (latest, entry) => Math.max(latest, entry.isDirectory() ? newest(join(dir, entry.name)) : mtime(join(dir, entry.name))),
    mtime(dir),
  );
}
