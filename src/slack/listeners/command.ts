// `/jit …`: ack at once (Slack allows 3 s), then parse, run and answer through
// response_url, after the acks of requests arriving meanwhile (deps.gate).

import type { RespondFn, SlashCommand } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { commandHelpText, helpText } from '../blocks/help.js';
import { problemsText } from '../blocks/errors.js';
import { requestListBlocks } from '../blocks/list.js';
import { requestModal } from '../blocks/modal.js';
import { parseJitCommand } from '../command.js';
import { anySourceWarning, requestAcceptedText } from '../blocks/reply.js';
import { batchSummaryText } from '../blocks/batch.js';
import { extendedReplyText } from '../blocks/grant-dm.js';
import { explainText, myIpLinkText, myIpRecordText } from '../blocks/explain.js';
import { unreviewedText } from '../blocks/break-glass.js';
import { vmsText } from '../blocks/vms.js';
import { enableReply, openEditModal } from './admin.js';
import { afterAcks, escapeMrkdwn, userMessage, type ListenerDeps } from './deps.js';
import { sendAuditExport } from './audit-export.js';
import { isNoRecordedSource, sourceProblems } from './source-link.js';
import type { Listeners } from './router.js';
import { tokenCreatedText, tokenListText, tokenRevokedText } from '../blocks/api-tokens.js';
import type { JitCommand } from '../command.js';

/** The bot's slash command. */
export const JIT_COMMAND = '/jit';

export function registerCommand(app: Listeners, deps: ListenerDeps): void {
  app.command(JIT_COMMAND, async ({ command, ack, respond: respondNow, client }) => {
    // In HTTP mode the ack front has acked it before it got here (this ack() does nothing then); in Socket Mode Bolt acks now.
    await ack();
    // Acks first: what the command causes (its use case, its reply) waits while
    // requests are arriving at Bolt's receiver, 250 ms from here at most.
    const deadline = deps.gate?.deadline();
    const respond: typeof respondNow = (message) => afterAcks(deps, () => respondNow(message), deadline);
    await afterAcks(deps, () => handle(command, respond, client, deps), deadline);
  });
}

async function handle(command: SlashCommand, respond: RespondFn, client: WebClient, deps: ListenerDeps): Promise<void> {
  const user = command.user_id;
  const reply = (text: string) => respond({ response_type: 'ephemeral', text });
  const parsed = parseJitCommand(command.text ?? '');
  const links = deps.myIpUrl !== undefined;
  try {
    switch (parsed.kind) {
      case 'help':
        return void (await reply(
          parsed.topic === undefined
            ? helpText()
            : commandHelpText(parsed.topic, { myIpLink: links, ...(deps.apiTokens?.publicUrl ? { publicUrl: deps.apiTokens.publicUrl } : {}) }),
        ));
      case 'invalid':
        // Each message says what to do (a usage line, or the nearest command): one answer, not two.
        return void (await reply(escapeMrkdwn(parsed.message)));
      case 'request_modal':
        return void (await client.views.open({
          trigger_id: command.trigger_id,
          view: requestModal({ vms: deps.policy().vms, ...(deps.myIpUrl ? { myIpUrl: deps.myIpUrl(user) } : {}) }),
        }));
      case 'request': {
        const { kind: _kind, ...fields } = parsed;
        const result = await deps.workflow.request({ requester: user, ...fields });
        if (!result.ok && result.needsSourceLink && deps.myIpUrl) {
          const { source: _source, ...draft } = fields;
          return void (await reply(myIpLinkText(deps.myIpUrl(user, draft))));
        }
        if (result.ok && result.batch) {
          const warning = anySourceWarning(result.batch);
          return void (await reply(`${batchSummaryText(result.batch, 'reply')}${warning === undefined ? '' : `\n${warning}`}`));
        }
        return void (await reply(result.ok ? requestAcceptedText(result.request) : problemsText(sourceProblems(result.problems, links))));
      }
      case 'breakglass':
        return void (await reply(unreviewedText(await deps.workflow.unreviewedBreakGlass())));
      case 'audit':
        return void (await reply(await sendAuditExport(deps, client, user, parsed)));
      case 'explain': {
        const { kind: _kind, ...fields } = parsed;
        const result = await deps.workflow.explain({ requester: user, ...fields, justification: '' });
        const asked = `${fields.vm} ${fields.ports} ${fields.source} ${fields.duration}`;
        if (!result.ok && deps.myIpUrl && result.problems.some(isNoRecordedSource)) {
          return void (await reply(myIpRecordText(deps.myIpUrl(user), `/jit explain ${asked}`)));
        }
        return void (await reply(result.ok ? explainText(asked, result.lines) : problemsText(sourceProblems(result.problems, links))));
      }
      case 'vms':
        return void (await reply(vmsText(await deps.workflow.inventory(parsed.filter), deps.clock.now(), parsed.filter)));
      case 'enable':
        return void (await reply(await enableReply(deps, user, parsed)));
      case 'edit': {
        const refusal = await openEditModal(deps, client, command.trigger_id, user, parsed.vm);
        return void (refusal === undefined ? undefined : await reply(refusal));
      }
      case 'list': {
        const message = requestListBlocks(await deps.workflow.openRequestsOf(user), deps.clock.now());
        return void (await respond({ response_type: 'ephemeral', text: message.text, blocks: message.blocks }));
      }
      case 'cancel': {
        // A batch leader's id withdraws every member still waiting.
        const cancelled = await deps.workflow.cancelAll(parsed.id, user);
        if (cancelled.length === 1 && cancelled[0]?.id === parsed.id) return void (await reply(`Request #${parsed.id} is cancelled.`));
        return void (await reply(`Cancelled ${cancelled.map((r) => `#${r.id} (${escapeMrkdwn(r.vm)})`).join(', ')} of request #${parsed.id}.`));
      }
      case 'revoke': {
        const request = await deps.workflow.revoke(parsed.id, user);
        return void (await reply(
          request.state === 'closed'
            ? `Request #${parsed.id} is revoked: access is closed.`
            : `Request #${parsed.id} is revoked; the firewall has not confirmed the close yet and it will be retried until it does.`,
        ));
      }
      case 'token_create':
      case 'token_list':
      case 'token_revoke':
        return void (await reply(await tokenReply(deps, user, parsed)));
      case 'extend': {
        try {
          const result = await deps.workflow.extend(parsed.id, user, parsed.duration === undefined ? {} : { duration: parsed.duration });
          return void (await reply(extendedReplyText(result)));
        } catch (error) {
          // A refusal may quote a rule's reason from the policy: shown inert.
          return void (await reply(userMessage(error, deps.logger, `/jit extend by ${user}`)));
        }
      }
    }
  } catch (error) {
    // JitError messages are built from validated IDs and states only, never raw user text.
    await reply(userMessage(error, deps.logger, `/jit ${parsed.kind} by ${user}`));
  }
}

/** `/jit token create|list|revoke`: the token itself appears in this ephemeral reply only. */
async function tokenReply(deps: ListenerDeps, user: string, command: Extract<JitCommand, { kind: `token_${string}` }>): Promise<string> {
  const api = deps.apiTokens;
  if (!api) return 'API tokens are not set up on this bot: ask its admins.';
  switch (command.kind) {
    case 'token_create': {
      const created = await api.tokens.create(user, {
        name: command.name,
        ...(command.lifetimeSeconds === undefined ? {} : { lifetimeSeconds: command.lifetimeSeconds }),
      });
      return tokenCreatedText(created.token, created.record, api.publicUrl);
    }
    case 'token_list':
      return tokenListText(await api.tokens.list(user));
    case 'token_revoke':
      return tokenRevokedText(await api.tokens.revoke(command.id, user), user);
  }
}
