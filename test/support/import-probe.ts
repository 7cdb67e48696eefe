// What a fresh process imports: a module-resolution hook prints each specifier
// that matches `pattern` (a regular expression's source) while `script` (an
// ES module body, run from the repository under tsx) runs. The lazy-loading
// tests hold the bot to what it must not load at start.

import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/** The matching specifiers, first import order, each once; under tsx a `.ts` specifier is reported as its `.js`. */
export function importsMatching(pattern: string, script: string): string[] {
  const hook = `export async function resolve(specifier, context, next) {
  if (new RegExp(${JSON.stringify(pattern)}).test(specifier)) console.log('IMPORTED ' + specifier.replace(/\\.ts$/, '.js'));
  return next(specifier, context);
}`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  const result = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  if (result.status !== 0) throw new Error(`probe failed (${result.status}): ${result.stderr}`);
  return [
    ...new Set(
      result.stdout
        .split('\n')
        .filter((line) => line.startsWith('IMPORTED '))
        .map((line) => line.slice('IMPORTED '.length)),
    ),
  ];
}
