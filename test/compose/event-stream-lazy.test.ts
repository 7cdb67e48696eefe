// A bot with no event sink configured never loads the stream's delivery loop,
// timer, store or sinks (the idle bot's memory is budgeted: bench/mass-expiry.ts);
// one with a sink loads them when the stream is built. A module-resolution hook
// in a fresh process lists what gets imported.

import { describe, expect, it } from 'vitest';
import { importsMatching } from '../support/import-probe.js';

const STREAM_RUNTIME = 'event-stream-runtime|(workflow|scheduler|store)/event-stream|/events/';
const streamImports = (script: string) => importsMatching(STREAM_RUNTIME, script);

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
