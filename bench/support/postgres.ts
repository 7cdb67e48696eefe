// A PostgreSQL server of the suite's own for the benchmarks of several replicas,
// made as test/support/pg-server.ts makes one (initdb in a temporary directory,
// a free loopback port, run as the `postgres` user, so it needs root and
// Debian's PostgreSQL 15), but configured as production runs it: fsync and
// synchronous_commit on (the test server turns fsync off). Its files go beside
// the run's directory, on the filesystem `--dir` chose. Each benchmark makes a
// database of its own on it; the runner stops it, however the suite ends.

import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { freePort, privatePostgresUnavailable, runAs } from '../../test/support/pg-server.js';
import { clockTicks } from './cpu.js';

const BIN = '/usr/lib/postgresql/15/bin';

export interface BenchPostgres {
  /** postgres://jit@127.0.0.1:<port>/postgres (trust authentication, loopback only). */
  url: string;
  /** A new database; `settings` become its defaults (`ALTER DATABASE … SET`). Resolves with its URL. */
  createDatabase(name: string, settings?: Record<string, string>): Promise<string>;
  /** CPU time (user + system) the server has used so far, in ms: its postmaster, every process it runs and every one that has exited. */
  cpuMs(): number;
  destroy(): Promise<void>;
}

/**
 * Why the PostgreSQL benchmarks cannot run here, or undefined when they can.
 * With JIT_TEST_PG_REQUIRED=1 (as CI sets it) a missing server is an error, not a skip.
 */
export function postgresUnavailable(): string | undefined {
  const why = privatePostgresUnavailable();
  if (why !== undefined && process.env.JIT_TEST_PG_REQUIRED === '1') throw new Error(`JIT_TEST_PG_REQUIRED=1, but ${why}`);
  return why;
}

interface Running {
  dir: string;
  data: string;
  uid: number;
  gid: number;
}

const running = new Set<Running>();

/** For the runner's exit path (a signal): stops every server still up, synchronously, and removes its files. */
export function stopPostgresNow(): void {
  for (const server of running) {
    try {
      execFileSync(join(BIN, 'pg_ctl'), ['-D', server.data, '-m', 'immediate', '-w', '-t', '20', 'stop'], {
        uid: server.uid,
        gid: server.gid,
        cwd: '/',
        stdio: 'ignore',
      });
    } catch {
      // already down
    }
    rmSync(server.dir, { recursive: true, force: true });
  }
  running.clear();
}

/** Starts a server with its files in a new directory beside `runDir`. */
export async function startBenchPostgres(runDir: string): Promise<BenchPostgres> {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  // Not inside the run's directory: that is root's, mode 0700, and the server runs as postgres.
  const dir = mkdtempSync(join(dirname(runDir), 'jit-bench-pg-'));
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  const server: Running = { dir, data, uid, gid };
  running.add(server);
  const asPostgres = (command: string, args: string[]) => runAs(uid, gid, join(BIN, command), args);
  try {
    const port = await freePort();
    await asPostgres('initdb', ['-D', data, '-U', 'jit', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync']);
    // Production settings but for the connection limit: four replicas keep 2 × JIT_DB_POOL connections each.
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=300`;
    await asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
    const url = `postgres://jit@127.0.0.1:${port}/postgres`;
    const admin = async (sql: string) => {
      const client = new pg.Client(url);
      client.on('error', () => undefined);
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    return {
      url,
      async createDatabase(name, settings = {}) {
        await admin(`CREATE DATABASE ${name}`);
        for (const [key, value] of Object.entries(settings)) await admin(`ALTER DATABASE ${name} SET ${key} = ${value}`);
        const target = new URL(url);
        target.pathname = `/${name}`;
        return target.toString();
      },
      cpuMs: () => serverCpuMs(data),
      async destroy() {
        await asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']).catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
        running.delete(server);
      },
    };
  } catch (error) {
    stopPostgresNow();
    throw error;
  }
}

/**
 * The postmaster's own CPU and its reaped children's (cutime, cstime), plus
 * what its live children (backends, WAL writer, autovacuum …) have used: a
 * backend that exits moves its time from the one to the other, so the sum only
 * grows. From /proc (Linux); NaN when the server cannot be read.
 */
function serverCpuMs(data: string): number {
  const fieldsOf = (pid: number | string) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
    return stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
  };
  try {
    const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const own = fieldsOf(postmaster);
    let ticks = own[11]! + own[12]! + own[13]! + own[14]!;
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const fields = fieldsOf(name);
        if (fields[1] === postmaster) ticks += fields[11]! + fields[12]!;
      } catch {
        // exited meanwhile: its time is in the postmaster's cutime/cstime once reaped
      }
    }
    return (ticks * 1000) / clockTicks();
  } catch {
    return Number.NaN;
  }
}
