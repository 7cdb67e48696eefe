// GET /jit/my-ip/<token> shows the address the bot sees and a confirm button;
// POST records it (once) and, for an inline request, creates that request. The
// two steps keep link scanners and browser prefetch from using the link up.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../ports/logger.js';
import { callerAddress } from '../../domain/caller-address.js';
import { formatDuration, parseDuration } from '../../domain/duration.js';
import { isJitError } from '../../domain/errors.js';
import type { Cidr } from '../../domain/cidr.js';
import type { CreateResult, RequestInput } from '../../workflow/create-request.js';
import type { Clock } from '../../ports/clock.js';
import type { SourceLinkStore } from '../../ports/store.js';
import { myIpPage, type PageContent } from './page.js';
import { type LinkPayload, verifyLink } from './token.js';

export const MY_IP_PATH = '/jit/my-ip';

export interface MyIpDeps {
  store: SourceLinkStore;
  workflow: { request(input: RequestInput): Promise<CreateResult> };
  key: Buffer;
  trustedProxies: readonly Cidr[];
  /** The address the request came from (behind the ack front, the one it passed: slack/ack-front/peer.ts); default the socket's. */
  peerAddress?: (req: IncomingMessage) => string | undefined;
  clock: Clock;
  logger: Logger;
}

const socketAddress = (req: IncomingMessage) => req.socket.remoteAddress;

type Req = IncomingMessage & { params?: Record<string, string | string[] | undefined> };

export function myIpRoute(deps: MyIpDeps) {
  return {
    path: `${MY_IP_PATH}/:token`,
    method: ['GET', 'POST'],
    handler: (req: Req, res: ServerResponse) => {
      handle(deps, req).then(
        (page) => send(res, page),
        (error: unknown) => {
          deps.logger.error('use-my-ip link failed:', error);
          send(res, { status: 500, title: 'Something went wrong', body: 'Nothing was recorded. Try again from Slack.' });
        },
      );
    },
  };
}

async function handle(deps: MyIpDeps, req: Req): Promise<PageContent> {
  const token = req.params?.token;
  const check = verifyLink(typeof token === 'string' ? token : '', deps.key, deps.clock.now());
  if (!check.ok) {
    return check.reason === 'expired'
      ? { status: 410, title: 'This link has expired', body: 'Links work for five minutes. Ask for a new one in Slack.' }
      : { status: 400, title: 'This link is not valid', body: 'Ask for a new one in Slack.' };
  }
  const forwarded = req.headers['x-forwarded-for'];
  const address = callerAddress((deps.peerAddress ?? socketAddress)(req), Array.isArray(forwarded) ? forwarded.join(',') : forwarded, deps.trustedProxies);
  if (!address) return { status: 400, title: 'Your address could not be told', body: 'Type your address in Slack instead.' };

  const { payload } = check;
  if (req.method !== 'POST') {
    if (!payload.draft) return { status: 200, title: 'Use this address?', body: `The bot sees you connecting from ${address}.`, confirm: address };
    return {
      status: 200,
      title: 'Request access from this address?',
      body: `The bot sees you connecting from ${address}. Confirming creates this request:`,
      details: draftDetails(payload.draft, address),
      confirm: address,
    };
  }
  if (!(await deps.store.recordSourceLink(payload.nonce, payload.user, address, deps.clock.now()))) {
    return { status: 410, title: 'This link was already used', body: 'Each link works once. Ask for a new one in Slack.' };
  }
  deps.logger.info(`use-my-ip: ${payload.user} recorded ${address}`);
  if (!payload.draft) {
    return { status: 200, title: `Recorded ${address}`, body: 'Go back to Slack and submit the request with the source left empty (or me).' };
  }
  let result: CreateResult;
  try {
    result = await deps.workflow.request({ requester: payload.user, ...payload.draft, source: address });
  } catch (error) {
    if (!isJitError(error)) throw error;
    return { status: error.code === 'jit_rate_limited' ? 429 : 409, title: 'The request was not created', body: error.message };
  }
  if (!result.ok) {
    return { status: 422, title: 'The request was not created', body: result.problems.map((p) => p.message).join('\n') };
  }
  return {
    status: 200,
    title: `Request #${result.request.id}: ${result.request.state.replace('_', ' ')}`,
    body: `Source ${address}. Slack has the details; you can close this page.`,
  };
}

/** What the link's draft asks for, as the requester typed it, with the address it will use. */
function draftDetails(draft: NonNullable<LinkPayload['draft']>, address: string): [string, string][] {
  const vms = draft.vm.split(',').filter(Boolean);
  const duration = parseDuration(draft.duration);
  const rows: [string, string][] = [
    [vms.length === 1 ? 'VM' : 'VMs', vms.join(', ')],
    ['Ports', draft.ports.split(',').filter(Boolean).join(', ')],
    ['Duration', duration.ok ? formatDuration(duration.seconds) : draft.duration],
    ['Source', address],
  ];
  if (draft.justification !== '') rows.push(['Justification', draft.justification]);
  return rows;
}

function send(res: ServerResponse, page: PageContent): void {
  res.writeHead(page.status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  });
  res.end(myIpPage(page));
}
