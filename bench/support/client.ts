// The load client: signed Slack requests over one keep-alive http.Agent with as
// many sockets as requests in flight. The bot and the bare Bolt reference are
// driven by the same client, so the client's own cost is the same for both.

import http from 'node:http';
import { slackSignature } from '../../test/support/slack-requests.js';

export interface Timed {
  status: number;
  /** From handing the signed request to the socket to the last byte of the answer. */
  ms: number;
  /** performance.now() at the last byte of the answer (an open-loop client measures from its schedule). */
  endedAt: number;
}

export class SignedClient {
  private readonly agent: http.Agent;

  constructor(
    private readonly secret: string,
    concurrency: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  }

  /**
   * POSTs a form body to http://127.0.0.1:<port>/slack/events, signed as Slack
   * signs. A kept-alive socket the server closed (its keep-alive timeout) just as
   * the request went out is retried once on a new one, timed from the first try.
   */
  async post(port: number, body: string): Promise<Timed> {
    const started = performance.now();
    try {
      return await this.once(port, body, started);
    } catch (error) {
      if (!(error as { reusedSocket?: boolean }).reusedSocket) throw error;
      return this.once(port, body, started);
    }
  }

  private once(port: number, body: string, started: number): Promise<Timed> {
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': Buffer.byteLength(body),
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(this.secret, timestamp, body),
    };
    return new Promise((resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port, path: '/slack/events', method: 'POST', agent: this.agent, headers }, (response) => {
        response.on('data', () => undefined);
        response.on('end', () => {
          const endedAt = performance.now();
          resolve({ status: response.statusCode ?? 0, ms: endedAt - started, endedAt });
        });
        response.on('error', reject);
      });
      request.on('error', (error: NodeJS.ErrnoException) => {
        const lost = error.code === 'ECONNRESET' || error.message === 'socket hang up';
        reject(Object.assign(error, { reusedSocket: lost && request.reusedSocket }));
      });
      request.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `work` over `items` with at most `concurrency` in flight, in order of items. */
export async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
