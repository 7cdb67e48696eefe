// What a `jit` command needs from the composition root (compose/cli-core.ts,
// compose/cli-store.ts), opened only when a command needs it: commands that
// change requests get the workflow; read-only commands the database alone,
// SQLite or PostgreSQL as JIT_DB says; `jit db copy` the copier.

import type { OverlayVm } from '../domain/policy/overlay.js';
import type { PolicySource } from '../config/policy-file.js';
import type { PolicyResult } from '../domain/policy/parse.js';
import type { PolicyText } from '../workflow/policy-export.js';
import type { Store } from '../ports/store.js';
import type { AccessWorkflow } from '../workflow/access-workflow.js';
import type { CreateResult, RequestInput } from '../workflow/create-request.js';

export interface CliCore {
  store: Store;
  workflow: AccessWorkflow;
  /** The workflow's request, refused (GroupsUnreadable) when user groups it cannot read would decide it. */
  request(input: RequestInput): Promise<CreateResult>;
  close(): Promise<void>;
}

export interface CliOpeners {
  /** The policy, backends, database and workflow, as the bot builds them (loads the firewall modules). */
  core(env: NodeJS.ProcessEnv): Promise<CliCore>;
  /** The bot's database alone: no policy, no backends. */
  store(env: NodeJS.ProcessEnv): Promise<Store>;
  /** The Slack overlay in the bot's database, read only; none when there is no database yet. */
  overlay(env: NodeJS.ProcessEnv): Promise<OverlayVm[]>;
  /** Copies a SQLite database file into an empty PostgreSQL database (`jit db copy`); refusals and problems come back as data. */
  copyDatabase(from: string, to: string): Promise<DatabaseCopy>;
  /** Reads a policy file as the bot reads JIT_POLICY (`jit policy check`, `jit policy export`). */
  policyFile: PolicyFiles;
  /**
   * Reads an azure://… policy as the bot reads it: Defender for Cloud's JIT
   * policies with JIT_POLICY_EXTENSIONS (from `env`) merged in. Problems come
   * back as data; a source that cannot be read throws SetupError saying what to check.
   */
  azurePolicy(url: string, env: NodeJS.ProcessEnv): Promise<PolicySource>;
}

/** The tables `jit db copy` copies, and how many rows of each. */
export type CopiedRows = Record<'requests' | 'audit_events' | 'outbox' | 'outbox_posts' | 'message_refs' | 'source_links' | 'policy_overlay', number>;

/**
 * What `jit db copy` did: copied (every table's rows, and the audit chain as
 * PostgreSQL verified it); refused before writing anything (exit 2); or failed
 * on its first problem (exit 1).
 */
export type DatabaseCopy =
  | { outcome: 'copied'; report: { from: string; to: string; tables: CopiedRows; chain: { rows: number; head: string } } }
  | { outcome: 'refused'; reason: string }
  | { outcome: 'failed'; problem: string };

export interface PolicyFiles {
  /** Every problem with its path when the file is unreadable or invalid. */
  load(path: string): PolicyResult;
  /** The file with its text and form; throws a sentence naming every problem when it is invalid. */
  readText(path: string): PolicyText;
}
