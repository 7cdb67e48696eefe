// The real bot in this process (as test/e2e/harness.ts starts it), for the
// benchmarks that must see inside the firewall backend: HTTP mode on loopback,
// a real SQLite file, the fake Slack process, its log lines in a file.

import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBot, type Bot } from '../../src/bot.js';
import { createLogger, type JitLogger } from '../../src/log.js';
import type { SlackProcess } from './children.js';
import type { TimedBackend } from './timed-backend.js';

export const SECRET = 'bench-signing-secret-0123456789';
export const AUDIT = 'CAUDIT';
export const APPROVALS = 'CAPPROVALS';

export interface InProcessBot {
  bot: Bot;
  port: number;
  stop(): Promise<void>;
}

/** The environment every bot of the suite runs with (in this process or a child). */
export function botEnv(dir: string, slack: SlackProcess, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    JIT_LISTEN_HOST: '127.0.0.1',
    JIT_POLICY: join(dir, 'policy.yaml'),
    JIT_DB: join(dir, 'jit.db'),
    JIT_AUDIT_CHANNEL: AUDIT,
    JIT_APPROVAL_CHANNEL: APPROVALS,
    ...extra,
  };
}

/** `backend` is built with the bot's logger, as the composition root builds the real ones. */
export async function startInProcessBot(options: {
  dir: string;
  policy: string;
  slack: SlackProcess;
  backend: (logger: JitLogger) => TimedBackend;
  env?: Record<string, string>;
}): Promise<InProcessBot & { backend: TimedBackend }> {
  mkdirSync(options.dir, { recursive: true });
  writeFileSync(join(options.dir, 'policy.yaml'), options.policy);
  const logFile = createWriteStream(join(options.dir, 'bot.log'));
  const logger = createLogger({ write: (line) => logFile.write(`${line}\n`) });
  const backend = options.backend(logger);
  const bot = await startBot(botEnv(options.dir, options.slack, { JIT_BACKEND: backend.name, ...options.env }), { backends: [backend], logger });
  return {
    bot,
    backend,
    port: bot.port,
    async stop() {
      await bot.stop();
      await new Promise((done) => logFile.end(done));
    },
  };
}
