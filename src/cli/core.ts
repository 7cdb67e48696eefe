// What a `jit` command needs from the composition root (compose/cli-core.ts,
// compose/cli-store.ts), opened only when a command needs it: commands that
// change requests get the workflow; read-only commands the database alone.

import type { OverlayVm } from '../domain/policy/overlay.js';
import type { Store } from '../ports/store.js';
import type { AccessWorkflow } from '../workflow/access-workflow.js';

export interface CliCore {
  store: Store;
  workflow: AccessWorkflow;
  close(): Promise<void>;
}

export interface CliOpeners {
  /** The policy, backends, database and workflow, as the bot builds them (loads the firewall modules). */
  core(env: NodeJS.ProcessEnv): Promise<CliCore>;
  /** The bot's database alone: no policy, no backends. */
  store(env: NodeJS.ProcessEnv): Store;
  /** The Slack overlay in the bot's database, read only; none when there is no database yet. */
  overlay(env: NodeJS.ProcessEnv): Promise<OverlayVm[]>;
}
