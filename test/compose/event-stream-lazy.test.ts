// A bot with no event sink configured never loads the stream's delivery loop,
// timer, store or sinks (the idle bot's memory is budgeted: bench/mass-expiry.ts);
// one with a sink loads them when the stream is built. A module-resolution hook
// in a fresh process lists what gets imported.

import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const RESOLVE_HOOK = `export async function resolve(specifier, context, next) {
  if (/event-stream-runtime|(workflow|scheduler|store)\\/event-stream|\\/events\\//.test(specifier)) console.log('IMPORTED ' + specifier.replace(/\\.ts$/, '.js'));
  return next(specifier, context);
}`;
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`)});`;

/** The event-stream modules a fresh process imports while running `script`. */
function streamImports(script: string): string[] {
  const result = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`, '--import', 'tsx', '--input-type=module', '-e', script],
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

const BUILD = (config: string) => `
  await import('./src/bot.ts');
  const { eventStream } = await import('./src/compose/event-stream.ts');
  const stream = eventStream({ config: ${config}, database: {}, replicaId: 'r', clock: { now: () => 0 }, logger: console, kick: () => {}, plans: ${config}.plans });
  await stream.stop();
`;

describe('event stream loading', () => {
  it('withoutASink_theBotLoadsOnlyTheStreamsConfiguration', () => {
    const imported = streamImports(BUILD('{ plans: [] }'));
    expect(imported).toEqual([]);
  }, 60_000);

  it('withASink_theRuntimeIsLoaded', () => {
    const imported = streamImports(BUILD(`{ plans: [{ kind: 'syslog', url: 'tcp://127.0.0.1:9' }], JIT_EVENT_MAX_ATTEMPTS: 1, JIT_EVENT_START: 'now' }`));
    expect(imported).toEqual(expect.arrayContaining(['./event-stream-runtime.js', '../workflow/event-stream.js', '../store/event-stream.js']));
  }, 60_000);
});
