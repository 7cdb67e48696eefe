// Bolt's entry requires Socket Mode's client (and the undici package under it)
// and the Express receiver, which the bot in HTTP mode never runs: main.ts
// defers them (src/compose/deferred-packages.ts), so a resting bot does not
// hold them. A fresh process lists the modules Node's CommonJS loader holds.

import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

const HEAVY = {
  undici: /\/node_modules\/undici\//,
  socketModeClient: /\/node_modules\/@slack\/socket-mode\/dist\/src\/SocketModeClient\.js$/,
  express: /\/node_modules\/express\//,
};

/** Runs `script` (an ES module body, through tsx) in a fresh process; it prints one JSON line: what it found. */
function probe(script: string): Record<string, unknown> {
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`probe failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

const LOADED = `
  const { createRequire } = await import('node:module');
  const cache = Object.keys(createRequire(import.meta.url).cache);
  const heavy = ${JSON.stringify(Object.fromEntries(Object.entries(HEAVY).map(([name, pattern]) => [name, pattern.source])))};
  const loaded = Object.entries(heavy).filter(([, source]) => cache.some((path) => new RegExp(source).test(path))).map(([name]) => name);
`;

describe('Bolt parts the HTTP-mode bot defers', () => {
  it('httpModeBot_composedWithTheDeferral_loadsNoSocketModeNorExpress', () => {
    const found = probe(`
      const { deferBoltExtras } = await import('./src/compose/deferred-packages.ts');
      deferBoltExtras();
      await import('./src/bot.ts');
      const { createSlackApp } = await import('./src/slack/app.ts');
      const { createLogger } = await import('./src/log.ts');
      const logger = createLogger({ write: () => undefined });
      createSlackApp({ config: { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'secret', PORT: 0 }, logger, routes: [] });
      ${LOADED}
      console.log(JSON.stringify({ loaded }));
    `);
    expect(found.loaded).toEqual([]);
  }, 60_000);

  it('withoutTheDeferral_boltLoadsThem', () => {
    const found = probe(`
      await import('./src/bot.ts');
      ${LOADED}
      console.log(JSON.stringify({ loaded }));
    `);
    expect(found.loaded).toEqual(['undici', 'socketModeClient', 'express']);
  }, 60_000);

  it('socketModeAndExpressReceiver_firstUse_loadTheRealModules', () => {
    const found = probe(`
      const { deferBoltExtras } = await import('./src/compose/deferred-packages.ts');
      deferBoltExtras();
      const { App, ExpressReceiver } = await import('@slack/bolt');
      const app = new App({ token: 'xoxb-test', appToken: 'xapp-test', socketMode: true, deferInitialization: true });
      const receiver = new ExpressReceiver({ signingSecret: 'secret' });
      ${LOADED}
      const { SocketModeClient } = createRequire(import.meta.url)('@slack/socket-mode');
      console.log(JSON.stringify({
        loaded,
        socketModeClient: app.receiver.client instanceof SocketModeClient,
        expressReceiver: receiver instanceof ExpressReceiver && typeof receiver.app === 'function' && typeof receiver.router === 'function',
      }));
      process.exit(0);
    `);
    expect(found).toEqual({ loaded: ['undici', 'socketModeClient', 'express'], socketModeClient: true, expressReceiver: true });
  }, 60_000);
});
