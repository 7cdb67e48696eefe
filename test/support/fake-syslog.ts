// A fake syslog server on 127.0.0.1, over TCP or TLS (a throw-away self-signed
// certificate, fake-arm-cert.ts): it reads octet-counted frames (RFC 6587
// `LEN SP MSG`), parses each RFC 5424 message, and drops the connection on
// demand, as a SIEM's collector restarting would.

import net from 'node:net';
import tls from 'node:tls';
import type { StreamEvent } from '../../src/domain/event-stream.js';
import { makeSelfSignedCertificate } from './fake-arm-cert.js';

export interface SyslogFrame {
  raw: string;
  pri: number;
  version: string;
  timestamp: string;
  hostname: string;
  appName: string;
  procid: string;
  msgid: string;
  /** The SD-PARAMs of the one SD-ELEMENT, unescaped. */
  sd: { id: string; params: Record<string, string> };
  event: StreamEvent;
}

export interface FakeSyslog {
  url: string;
  /** The certificate to trust over TLS. */
  ca: string;
  certificate: { cert: string; key: string };
  port: number;
  frames: SyslogFrame[];
  /** Connections accepted so far. */
  connections(): number;
  /** Closes every open connection now (the client must reconnect). */
  dropConnections(): void;
  /** Closes every connection and stops listening (a new fake can listen on the same port: `startFakeSyslog({ port })`). */
  close(): Promise<void>;
}

export async function startFakeSyslog(options: { tls: boolean; port?: number; certificate?: { cert: string; key: string } }): Promise<FakeSyslog> {
  const { cert, key } = options.certificate ?? makeSelfSignedCertificate('fake-syslog');
  const frames: SyslogFrame[] = [];
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const onSocket = (socket: net.Socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const space = buffer.indexOf(0x20);
        if (space < 0) return;
        const length = Number(buffer.subarray(0, space).toString('ascii'));
        if (!Number.isInteger(length) || length <= 0) throw new Error(`not an octet-counted frame: ${buffer.subarray(0, 40).toString()}`);
        if (buffer.length < space + 1 + length) return;
        frames.push(parseFrame(buffer.subarray(space + 1, space + 1 + length).toString('utf8')));
        buffer = buffer.subarray(space + 1 + length);
      }
    });
  };
  const server = options.tls ? tls.createServer({ cert, key }, onSocket) : net.createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `${options.tls ? 'tls' : 'tcp'}://127.0.0.1:${port}`,
    ca: cert,
    certificate: { cert, key },
    port,
    frames,
    connections: () => accepted,
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** One RFC 5424 message: header, one SD-ELEMENT, the JSON MSG. Throws on anything else. */
export function parseFrame(raw: string): SyslogFrame {
  const header = /^<(\d{1,3})>(1) (\S+) (\S+) (\S+) (\S+) (\S+) \[([^ \]]+)((?: [^=\s]+="(?:[^"\\]|\\.)*")*)\] (.*)$/s.exec(raw);
  if (!header) throw new Error(`not an RFC 5424 message this fake understands: ${raw.slice(0, 120)}`);
  const params: Record<string, string> = {};
  for (const match of header[9]!.matchAll(/ ([^=\s]+)="((?:[^"\\]|\\.)*)"/g)) params[match[1]!] = match[2]!.replace(/\\(["\\\]])/g, '$1');
  return {
    raw,
    pri: Number(header[1]),
    version: header[2]!,
    timestamp: header[3]!,
    hostname: header[4]!,
    appName: header[5]!,
    procid: header[6]!,
    msgid: header[7]!,
    sd: { id: header[8]!, params },
    event: JSON.parse(header[10]!) as StreamEvent,
  };
}
