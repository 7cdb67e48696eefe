// A PostgreSQL server of a test's own (initdb in a temporary directory, on a
// free loopback port), for tests that stop and restart the server: the shared
// test server (postgres.ts) must stay up for every other test file. Needs
// PostgreSQL 15's binaries (Debian's postgresql package) and root, to run the
// server as the `postgres` user.

import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = '/usr/lib/postgresql/15/bin';

export interface PrivatePostgres {
  /** postgres://jit@127.0.0.1:<port>/postgres (trust authentication, loopback only). */
  url: string;
  /** With `ssl`: the self-signed certificate the server presents (for 127.0.0.1 and localhost), to trust as sslrootcert. */
  certificate?: string;
  /** Stops the server, ending every connection ("fast" shutdown), and waits until it is down. */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  /** Stops the server for good and removes its files. */
  destroy(): Promise<void>;
}

/** Why a private server cannot be made here, or undefined when it can. */
export function privatePostgresUnavailable(): string | undefined {
  if (!existsSync(join(BIN, 'initdb'))) return `PostgreSQL 15's binaries are not in ${BIN} (apt-get install postgresql)`;
  if (process.getuid?.() !== 0) return 'a private PostgreSQL server needs root, to run it as the postgres user';
  try {
    execFileSync('id', ['-u', 'postgres']);
  } catch {
    return 'there is no postgres user (apt-get install postgresql)';
  }
  return undefined;
}

export async function startPrivatePostgres(options: { ssl?: boolean } = {}): Promise<PrivatePostgres> {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  const dir = mkdtempSync(join(tmpdir(), 'jit-pg-'));
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  const port = await freePort();
  const asPostgres = (command: string, args: string[]) => runAs(uid, gid, join(BIN, command), args);
  await asPostgres('initdb', ['-D', data, '-U', 'jit', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync']);
  let serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const certificate = join(dir, 'server.crt');
  if (options.ssl) {
    const key = join(dir, 'server.key');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        certificate,
      ],
      { stdio: 'ignore' },
    );
    chmodSync(key, 0o600);
    chownSync(key, uid, gid);
    serverOptions += ` -c ssl=on -c ssl_cert_file=${certificate} -c ssl_key_file=${key}`;
  }
  const startServer = () => asPostgres('pg_ctl', ['-D', data, '-o', serverOptions, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
  const stopServer = () => asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
  await startServer();
  return {
    url: `postgres://jit@127.0.0.1:${port}/postgres`,
    ...(options.ssl ? { certificate } : {}),
    startServer,
    stopServer,
    async destroy() {
      await stopServer().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a command as another user (the postgres user: initdb and pg_ctl refuse root). */
export function runAs(uid: number, gid: number, command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { uid, gid, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`))));
  });
}

/** A TCP port free on loopback now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
