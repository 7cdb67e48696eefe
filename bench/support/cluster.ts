// Several replicas of the bot on one PostgreSQL database, as a team runs them
// behind a load balancer (test/replicas/cluster.ts does the same for the
// tests): each replica the real bot (startBot) in a child process of its own
// (bench/support/app-process.ts, as the ack benchmark runs it), on its own
// port, with its own JIT_REPLICA_ID; all share the database and the fake Slack
// process. A replica can be killed (SIGKILL) and started again under the same
// id, as a StatefulSet restarts a pod.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppProcess } from './children.js';
import { loadCompiledApp } from './compiled-app.js';
import type { BenchContext } from './context.js';
import { botEnv } from './inprocess-bot.js';
import { sleep } from './stats.js';
import { query } from '../../test/replicas/support.js';

export interface Replica {
  id: string;
  app: AppProcess;
  port: number;
  /** The file its output goes to. */
  log: string;
}

export interface Readiness {
  status: number;
  ready: boolean;
  /** The replica running the scheduler, as the database says; null when none does. */
  leader: string | null;
  leads: boolean;
}

export class Deployment {
  readonly replicas = new Map<string, Replica>();
  private loads = 0;
  private readonly logs = new Map<AppProcess, string>();

  /** Writes `policy` into `dir`; each replica gets the suite's bot environment on `dbUrl` plus `env`. */
  constructor(
    private readonly ctx: BenchContext,
    private readonly dir: string,
    readonly dbUrl: string,
    policy: string,
    private readonly env: Record<string, string>,
  ) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'policy.yaml'), policy);
  }

  /** A child process with the bot's modules loaded (the slow part of a start), logging to `<id>-<n>.log`. */
  async load(id: string): Promise<AppProcess> {
    const log = join(this.dir, `${id}-${++this.loads}.log`);
    const app = await loadCompiledApp(log, { asStarted: true });
    this.logs.set(app, log);
    return app;
  }

  /** Starts replica `id` in a loaded process; resolves once it serves HTTP. */
  async startIn(id: string, app: AppProcess): Promise<Replica> {
    const env = botEnv(this.dir, this.ctx.slack, { JIT_DB: this.dbUrl, JIT_REPLICA_ID: id, ...this.env });
    const port = await app.start('bot', env);
    const replica = { id, app, port, log: this.logs.get(app) ?? '' };
    this.replicas.set(id, replica);
    return replica;
  }

  /** Loads and starts `ids` side by side (they migrate the database once, under its advisory lock). */
  async start(ids: readonly string[]): Promise<Replica[]> {
    const apps = await Promise.all(ids.map((id) => this.load(id)));
    try {
      return await Promise.all(ids.map((id, i) => this.startIn(id, apps[i]!)));
    } catch (error) {
      await Promise.all(apps.map((app) => app.stop()));
      throw error;
    }
  }

  ids(): string[] {
    return [...this.replicas.keys()];
  }

  ports(): number[] {
    return [...this.replicas.values()].map((replica) => replica.port);
  }

  pids(): number[] {
    return [...this.replicas.values()].map((replica) => replica.app.pid);
  }

  /** SIGKILL: no shutdown, no lease given up; resolves once the process is gone. */
  async kill(id: string): Promise<void> {
    const replica = this.replicas.get(id);
    if (!replica) throw new Error(`no replica ${id}`);
    this.replicas.delete(id);
    process.kill(replica.app.pid, 'SIGKILL');
    for (let i = 0; i < 500 && alive(replica.app.pid); i++) await sleep(10);
  }

  /** GET /readyz of replica `id`; a replica that does not answer within 2 s is not ready. */
  async readiness(id: string): Promise<Readiness> {
    const replica = this.replicas.get(id);
    if (!replica) throw new Error(`no replica ${id}`);
    try {
      const response = await fetch(`http://127.0.0.1:${replica.port}/readyz`, { signal: AbortSignal.timeout(2000) });
      const body = (await response.json()) as { status?: string; leader?: string | null; leads?: boolean };
      return { status: response.status, ready: response.status === 200 && body.status === 'ready', leader: body.leader ?? null, leads: body.leads === true };
    } catch {
      return { status: 0, ready: false, leader: null, leads: false };
    }
  }

  /** Every replica has done what it was asked (its use cases, its outbox flush), and the database holds no undelivered message. */
  async idle(): Promise<void> {
    await Promise.all([...this.replicas.values()].map((replica) => replica.app.idle()));
    const deadline = Date.now() + 60_000;
    while ((await undelivered(this.dbUrl)) > 0) {
      if (Date.now() > deadline) throw new Error('the outbox did not drain within 60 s of every replica going idle');
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.replicas.values()].map((replica) => replica.app.stop()));
    this.replicas.clear();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One query on a short-lived connection (the replica tests' helper). */
export const pgQuery = query;

/** A count(*) … AS n as a number. */
export async function pgCount(url: string, sql: string, values: unknown[] = []): Promise<number> {
  const [row] = await pgQuery<{ n: string }>(url, sql, values);
  return Number(row?.n ?? Number.NaN);
}

async function undelivered(url: string): Promise<number> {
  return pgCount(url, 'SELECT count(*) AS n FROM outbox WHERE delivered_at IS NULL');
}
