// The apps of the ack and replica benchmarks as production runs the bot:
// compiled JavaScript under plain node (`npm start` runs `node dist/main.js`),
// not through tsx. Through tsx every module is TypeScript transformed at load
// and source maps are on for the whole process; the bot measured must be the
// one that serves. app-process.ts is compiled here to JavaScript (TypeScript's
// transpileModule: it has no types to check that tsc has not checked) inside
// node_modules/.cache, so it resolves @slack/bolt from the repository as the
// build does, and it loads the compiled bot (compiled-bot.ts's build) through
// JIT_BENCH_BOT_MODULE, with the node flags of `npm start` (compiled-bot.ts's
// startFlags). The bare Bolt reference runs in plain node with its defaults.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { loadApp, ROOT, type AppProcess } from './children.js';
import { compiledBot, startFlags } from './compiled-bot.js';

let compiledScript: string | undefined;

/** app-process.ts as JavaScript, once per run. */
function appScript(): string {
  if (compiledScript !== undefined) return compiledScript;
  const source = readFileSync(join(ROOT, 'bench/support/app-process.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: 'app-process.ts',
  });
  const cache = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const own = mkdtempSync(join(cache, 'jit-bench-app-'));
  process.once('exit', () => rmSync(own, { recursive: true, force: true }));
  compiledScript = join(own, 'app-process.mjs');
  writeFileSync(compiledScript, outputText);
  return compiledScript;
}

/**
 * loadApp (children.ts) with the app process and the bot compiled, under plain
 * node; `asStarted`: with the node flags `npm start` gives the bot (the bot's
 * process; the bare Bolt reference runs with node's defaults).
 */
export async function loadCompiledApp(logFile: string, options: { asStarted?: boolean } = {}): Promise<AppProcess> {
  // Asked each time: a benchmark that ran before may have removed its build (removeBuild), and this builds it again.
  const { dir } = await compiledBot();
  const botModule = pathToFileURL(join(dir, 'bot.js')).href;
  const flags = options.asStarted ? startFlags() : [];
  return loadApp(logFile, { script: appScript(), tsx: false, flags, env: { ...process.env, JIT_BENCH_BOT_MODULE: botModule } });
}
