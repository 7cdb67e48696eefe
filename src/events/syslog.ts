// The syslog sink: RFC 5424 messages, octet-counted (RFC 6587), over one kept
// TCP connection (tcp://) or TLS (tls://, RFC 5425: the server's certificate
// and host name checked, JIT_EVENT_SYSLOG_CA trusted when set). An event is
// accepted once its frame is flushed to the socket. A connection that broke
// (an error, or the server closed it) is dropped and opened again for the next
// attempt; the event whose write failed is sent again. TCP has no receipt: a
// frame the kernel took just before the server vanished can still be lost
// (README: Event stream, Limits). node:tls is loaded only for tls://.

import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { hostname } from 'node:os';
import { SinkError, type StreamEvent } from '../domain/event-stream.js';
import { octetFrame, syslogMessage, type SyslogOrigin } from '../domain/event-stream-syslog.js';
import type { EventSink } from '../ports/event-stream.js';

export const SYSLOG_TIMEOUT_MS = 10_000;

export interface SyslogOptions {
  /** tcp://host:port or tls://host:port */
  url: string;
  /** PEM of the CA(s) to trust for tls:// instead of the system's. */
  ca?: string;
  timeoutMs?: number;
  origin?: SyslogOrigin;
}

export class SyslogSink implements EventSink {
  readonly name = 'syslog' as const;
  readonly target: string;
  private readonly host: string;
  private readonly port: number;
  private readonly tls: boolean;
  private readonly origin: SyslogOrigin;
  private socket: net.Socket | TLSSocket | undefined;

  constructor(private readonly options: SyslogOptions) {
    const url = new URL(options.url);
    this.tls = url.protocol === 'tls:';
    // URL keeps an IPv6 literal in brackets; sockets want it bare.
    this.host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = Number(url.port);
    this.target = `${url.protocol}//${url.host}`;
    this.origin = options.origin ?? { hostname: hostname(), procid: String(process.pid) };
  }

  /** Whether a connection is open now (`jit events status`, tests). */
  get connected(): boolean {
    const socket = this.socket;
    return socket !== undefined && !socket.destroyed && socket.writable && !socket.readableEnded;
  }

  async deliver(event: StreamEvent): Promise<void> {
    const frame = octetFrame(syslogMessage(event, this.origin));
    const socket = await this.opened();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`the write did not complete within ${this.timeoutMs() / 1000}s`)), this.timeoutMs());
      const fail = (error: Error) => {
        clearTimeout(timer);
        this.drop(socket);
        reject(new SinkError(`syslog write to ${this.target} failed: ${error.message}`));
      };
      socket.once('error', fail);
      socket.write(frame, (error) => {
        socket.off('error', fail);
        if (error) return fail(error);
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }

  /** The open connection, or a new one once the old one broke or the server closed it. */
  private async opened(): Promise<net.Socket | TLSSocket> {
    const current = this.socket;
    if (current && this.connected) return current;
    if (current) this.drop(current);
    const socket = await this.connect();
    // The server never writes; reading notices when it closes (then the next event reconnects).
    socket.on('data', () => undefined);
    socket.on('end', () => this.drop(socket));
    socket.on('error', () => this.drop(socket));
    socket.on('close', () => this.drop(socket));
    this.socket = socket;
    return socket;
  }

  private async connect(): Promise<net.Socket | TLSSocket> {
    const timeoutMs = this.timeoutMs();
    const tls = this.tls ? await import('node:tls') : undefined;
    return new Promise((resolve, reject) => {
      const socket = tls
        ? tls.connect({
            host: this.host,
            port: this.port,
            ...(net.isIP(this.host) ? {} : { servername: this.host }),
            ...(this.options.ca ? { ca: this.options.ca } : {}),
          })
        : net.connect({ host: this.host, port: this.port });
      const timer = setTimeout(() => fail(new Error(`no connection within ${timeoutMs / 1000}s`)), timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new SinkError(`could not connect to syslog at ${this.target}: ${error.message}`));
      };
      socket.once('error', fail);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        socket.setKeepAlive(true);
        resolve(socket);
      });
    });
  }

  private drop(socket: net.Socket): void {
    if (this.socket === socket) this.socket = undefined;
    socket.destroy();
  }

  private timeoutMs(): number {
    return this.options.timeoutMs ?? SYSLOG_TIMEOUT_MS;
  }
}
