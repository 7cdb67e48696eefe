// Network namespaces for testing firewalls with real packets:
//
//   c1 (10.201.1.2, fd20:1::2) ─┐
//                               gw (forwarding) ── vm (10.201.3.2, fd20:3::2), TCP listener on :22
//   c2 (10.201.2.2, fd20:2::2) ─┘
//
// Names carry the test process's pid, so a crashed run's namespaces are found
// (its pid is dead) and removed by the next run. Addresses exist only inside
// the namespaces; nothing here touches the host's own network.

import { spawn, type ChildProcess } from 'node:child_process';

export interface Topology {
  c1: string;
  c2: string;
  gw: string;
  vm: string;
  /** Every namespace, for cleanup. */
  all: string[];
}

export const ADDRESSES = {
  c1: { v4: '10.201.1.2', v6: 'fd20:1::2' },
  c2: { v4: '10.201.2.2', v6: 'fd20:2::2' },
  vm: { v4: '10.201.3.2', v6: 'fd20:3::2' },
} as const;

const NAME = /^jit-(\d+)-[a-z0-9]+$/;

/** Runs a command (no shell); resolves with stdout, rejects with its stderr. */
export function run(command: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const [program, ...args] = command;
    const child = spawn(program!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command.join(' ')} (exit ${code}): ${err.trim()}`))));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** Why this machine cannot run the suite, or undefined when it can. */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  const probe = `jit-${process.pid}-probe`;
  try {
    await run(['nft', '--version']);
  } catch (error) {
    return `nft is not runnable: ${(error as Error).message}`;
  }
  try {
    await run(['ip', 'netns', 'add', probe]);
  } catch (error) {
    return `cannot create a network namespace (needs root / CAP_NET_ADMIN / CAP_SYS_ADMIN): ${(error as Error).message}`;
  }
  try {
    await run(['ip', 'netns', 'exec', probe, 'nft', 'list', 'ruleset']);
    return undefined;
  } catch (error) {
    return `nft cannot run inside a network namespace: ${(error as Error).message}`;
  } finally {
    await run(['ip', 'netns', 'del', probe]).catch(() => undefined);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes namespaces (and the processes left in them) of test runs whose process is gone. */
export async function removeStaleNamespaces(): Promise<string[]> {
  const listing = await run(['ip', 'netns', 'list']);
  const stale = listing
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => {
      const match = NAME.exec(name);
      return match !== null && !alive(Number(match[1]));
    });
  for (const name of stale) await removeNamespace(name);
  return stale;
}

export async function removeNamespace(name: string): Promise<void> {
  // A namespace lives on while a process is inside it: end our leftovers first.
  const pids = await run(['ip', 'netns', 'pids', name]).catch(() => '');
  for (const pid of pids.split('\n').filter((line) => /^\d+$/.test(line))) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await run(['ip', 'netns', 'del', name]).catch(() => undefined);
}

export async function createTopology(): Promise<Topology> {
  const base = `jit-${process.pid}`;
  const topology: Topology = { c1: `${base}-c1`, c2: `${base}-c2`, gw: `${base}-gw`, vm: `${base}-vm`, all: [] };
  topology.all = [topology.c1, topology.c2, topology.gw, topology.vm];
  try {
    for (const ns of topology.all) {
      await run(['ip', 'netns', 'add', ns]);
      await run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    }
    const links: [keyof typeof ADDRESSES, number][] = [
      ['c1', 1],
      ['c2', 2],
      ['vm', 3],
    ];
    for (const [side, subnet] of links) {
      const ns = topology[side];
      const gwIf = `to-${side}`;
      await run(['ip', '-n', topology.gw, 'link', 'add', gwIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await run(['ip', '-n', topology.gw, 'addr', 'add', `10.201.${subnet}.1/24`, 'dev', gwIf]);
      await run(['ip', '-n', topology.gw, '-6', 'addr', 'add', `fd20:${subnet}::1/64`, 'dev', gwIf, 'nodad']);
      await run(['ip', '-n', topology.gw, 'link', 'set', gwIf, 'up']);
      await run(['ip', '-n', ns, 'addr', 'add', `${ADDRESSES[side].v4}/24`, 'dev', 'eth0']);
      await run(['ip', '-n', ns, '-6', 'addr', 'add', `${ADDRESSES[side].v6}/64`, 'dev', 'eth0', 'nodad']);
      await run(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
      await run(['ip', '-n', ns, 'route', 'add', 'default', 'via', `10.201.${subnet}.1`]);
      await run(['ip', '-n', ns, '-6', 'route', 'add', 'default', 'via', `fd20:${subnet}::1`]);
    }
    await run(['ip', 'netns', 'exec', topology.gw, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    await run(['ip', 'netns', 'exec', topology.gw, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1']);
    return topology;
  } catch (error) {
    await destroyTopology(topology);
    throw error;
  }
}

export async function destroyTopology(topology: Topology): Promise<void> {
  for (const ns of topology.all) await removeNamespace(ns);
}

// Greets with `hi`, then echoes: a probe reads the greeting, a held connection pings.
const LISTENER = `
const net = require('net');
const server = net.createServer((s) => { s.on('error', () => {}); s.on('data', (d) => s.write(d)); s.write('hi'); });
server.listen({ port: Number(process.argv[1]), host: '::' }, () => console.log('listening'));
`;

/** A TCP server on `port` (IPv4 and IPv6) inside `ns`; resolves once it listens. */
export function startListener(ns: string, port: number): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', LISTENER, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`listener in ${ns} exited (${code}): ${err.trim()}`)));
  });
}

const CLIENT = `
const net = require('net');
const [host, port, timeout, mode] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const s = net.connect({ host, port });
const fail = (why) => { console.log(why); process.exit(1); };
let timer = setTimeout(() => fail('blocked'), timeout);
s.on('error', (e) => fail('error ' + e.code));
s.once('data', () => {
  clearTimeout(timer);
  if (mode === 'probe') { console.log('open'); s.destroy(); process.exit(0); }
  console.log('connected');
  process.stdin.once('data', () => {
    timer = setTimeout(() => fail('cut'), timeout);
    s.once('data', (d) => { console.log('echo ' + d); process.exit(0); });
    s.write('ping');
  });
});
`;

/** Connects from `ns` to host:port: `open` when the server's greeting arrives, `blocked` on timeout. */
export function probe(ns: string, host: string, port = 22, timeoutMs = 600): Promise<string> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', CLIENT, host, String(port), String(timeoutMs), 'probe'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve) => {
    child.on('error', (error) => resolve(`failed: ${error.message}`));
    child.on('close', () => {
      const said = out.trim();
      resolve(said === 'open' || said === 'blocked' ? said : `failed: ${said}`);
    });
  });
}

export interface HeldConnection {
  /** Sends a ping on the established connection: `echo ping` when it still works, `cut` when not. */
  ping(): Promise<string>;
  child: ChildProcess;
}

/** An established connection kept open, to show that closing a grant does not cut it. */
export function holdConnection(ns: string, host: string, port = 22, timeoutMs = 600): Promise<HeldConnection> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', CLIENT, host, String(port), String(timeoutMs), 'hold']);
  let out = '';
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('connected')) {
        resolve({
          child,
          ping: async () => {
            child.stdin.write('go\n');
            await exited;
            return out.includes('echo ping') ? 'echo ping' : out.includes('cut') ? 'cut' : out.trim();
          },
        });
      }
    });
    void exited.then(() => reject(new Error(`held connection from ${ns} failed: ${out.trim()}`)));
  });
}
