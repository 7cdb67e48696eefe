// Parts of Bolt the bot in HTTP mode never runs, loaded only when used. Bolt's
// entry requires every receiver at load: Socket Mode's client (with the undici
// package for its WebSocket: about 13 MB of a resting process) and the Express
// receiver (express and its middleware: about 4 MB), whoever uses them. main.ts
// calls `deferBoltExtras()` before it imports the bot, and each of the two
// modules is then, in Node's CommonJS cache, a stand-in that loads the real
// module the first time it is used: a Socket Mode app (SLACK_APP_TOKEN) builds
// its SocketModeClient through it as before. The stand-ins cover only what Bolt
// takes from these modules (`socket_mode_1.SocketModeClient` in
// SocketModeReceiver's constructor; `ExpressReceiver`, a class); anything else
// asked of them loads the real module too. test/compose/deferred-packages.test.ts
// checks both paths against the installed Bolt.

import { createRequire } from 'node:module';
import Module from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The modules deferred, by how Bolt requires them (from its dist/ directory). */
export const DEFERRED = ['@slack/socket-mode', './receivers/ExpressReceiver'] as const;

/**
 * Puts the stand-ins in the CommonJS cache, once, before anything loads Bolt.
 * A no-op for a module already loaded (its real exports are cached then).
 */
export function deferBoltExtras(): void {
  const boltDist = join(dirname(require.resolve('@slack/bolt/package.json')), 'dist');
  const fromBolt = createRequire(join(boltDist, 'index.js'));
  // A Proxy answers every property from the real module, loaded on first use.
  defer(fromBolt, '@slack/socket-mode', (load) => new Proxy({}, forwardTo(load)));
  // `__importDefault` reads `__esModule`, then Bolt's index reads `default` at once: a class that loads itself when constructed or inspected.
  defer(fromBolt, './receivers/ExpressReceiver', (load) => ({
    __esModule: true,
    default: lazyClass(() => load().default as new (...args: unknown[]) => object),
  }));
}

type Load = () => Record<PropertyKey, unknown>;

function defer(from: NodeJS.Require, request: string, standIn: (load: Load) => object): void {
  let path: string;
  try {
    path = from.resolve(request);
  } catch {
    // A Bolt laid out otherwise (an upgrade): nothing deferred, everything loads as Bolt wants.
    return;
  }
  if (require.cache[path] !== undefined) return;
  let real: Record<PropertyKey, unknown> | undefined;
  const load: Load = () => {
    if (real === undefined) {
      delete require.cache[path];
      real = from(path) as Record<PropertyKey, unknown>;
    }
    return real;
  };
  const module = new Module(path);
  module.filename = path;
  module.loaded = true;
  module.exports = standIn(load);
  require.cache[path] = module;
}

function forwardTo(load: Load): ProxyHandler<object> {
  return {
    get: (_, key) => Reflect.get(load(), key),
    has: (_, key) => Reflect.has(load(), key),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
      // A Proxy may not report as non-configurable what its target does not hold.
      return descriptor ? { ...descriptor, configurable: true } : undefined;
    },
  };
}

function lazyClass(load: () => new (...args: unknown[]) => object): object {
  const standIn: object = new Proxy(function DeferredClass() {}, {
    construct: (_, args, newTarget): object => Reflect.construct(load(), args, newTarget === standIn ? load() : newTarget),
    get: (_, key) => Reflect.get(load(), key),
    has: (_, key) => Reflect.has(load(), key),
  });
  return standIn;
}
