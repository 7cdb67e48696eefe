// The HTTP receiver Bolt would build for itself, plus the one answer it lacks.
// Before any listener runs, Bolt reads the payload's `user.id`, `team.id` and
// `view` to route and authorise it; a signed payload without them (a click or a
// form submission with no `user`) throws a TypeError there, and Bolt's default
// handler answers 500 as if the bot had failed. It is the payload that is
// malformed: it gets a 400 that says so and a warning in the log, and nothing
// runs, so nothing changes.
// It also tells the bot's yield gate (workflow/yield-gate.ts) when a request
// begins and when its answer is sent, so the work requests cause waits while
// acks are due, and keeps the caller's address the ack front passed along
// (ack-front/peer.ts).

import { HTTPModuleFunctions, HTTPReceiver, type CustomRoute, type Logger, type ReceiverProcessEventErrorHandlerArgs } from '@slack/bolt';
import { adoptPeer } from './ack-front/peer.js';
import type { InboundPressure } from '../workflow/yield-gate.js';

export interface HttpReceiverOptions {
  signingSecret: string;
  port: number;
  routes: CustomRoute[];
  logger: Logger;
  /** Told of every request from its start to its answer (acks first). */
  inbound?: InboundPressure;
}

export const UNREADABLE_PAYLOAD_ANSWER = 'jit: this Slack request was signed but its payload could not be read (no user, team or view); nothing was done.\n';

export function createHttpReceiver(options: HttpReceiverOptions): HTTPReceiver {
  const receiver = new HTTPReceiver({
    signingSecret: options.signingSecret,
    port: options.port,
    customRoutes: options.routes,
    logger: options.logger,
    processEventErrorHandler: refuseUnreadablePayload,
    // The ack is written when a listener calls ack(), not once the listener has finished (acks first).
    processBeforeResponse: false,
  });
  const { inbound } = options;
  const listener = receiver.requestListener;
  receiver.requestListener = (request, response) => {
    adoptPeer(request);
    if (inbound) {
      const answered = inbound.arrived();
      // 'finish' once the answer is handed to the socket; 'close' too if the client went away first (answered() runs once).
      response.once('finish', answered);
      response.once('close', answered);
    }
    return listener(request, response);
  };
  return receiver;
}

/**
 * Bolt's `processEventErrorHandler`: runs when Bolt's processing of a verified
 * request threw. Resolves true when it answered the request itself.
 */
export async function refuseUnreadablePayload(args: ReceiverProcessEventErrorHandlerArgs): Promise<boolean> {
  const { error, response, logger } = args;
  // Already answered (a listener acked), a failed authorisation (401) or any other failure: Bolt's answer stands.
  if (response.headersSent || !(error instanceof TypeError)) {
    return HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
  }
  logger.warn(`refused a signed Slack request whose payload Bolt could not read (${error.message}); no listener ran, nothing was changed`);
  response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(UNREADABLE_PAYLOAD_ANSWER);
  return true;
}
