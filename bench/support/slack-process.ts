// The fake Slack Web API (test/support/fake-slack.ts) in a process of its own:
// the bot under test and the bare Bolt reference both talk to it over loopback,
// and its work (parsing, checking Block Kit, recording) does not run on the
// event loop of the client that measures them.
//   child → {type:'ready', url, apiUrl}
//   parent → {type:'stats', seq}  child → {type:'stats', seq, calls, rejected}
//   parent → {type:'reset', seq}  child → {type:'reset', seq}   (forgets recorded calls)

import { startFakeSlack } from '../../test/support/fake-slack.js';

export type SlackToChild = { type: 'stats' | 'reset'; seq: number };
export type SlackFromChild =
  | { type: 'ready'; url: string; apiUrl: string }
  | { type: 'stats'; seq: number; calls: number; rejected: string[] }
  | { type: 'reset'; seq: number };

const fake = await startFakeSlack();

process.on('message', (message: SlackToChild) => {
  if (message.type === 'stats') {
    const rejected = fake
      .rejected()
      .slice(0, 5)
      .map((call) => `${call.method}: ${JSON.stringify(call.response).slice(0, 300)}`);
    process.send?.({ type: 'stats', seq: message.seq, calls: fake.calls.length, rejected } satisfies SlackFromChild);
  } else if (message.type === 'reset') {
    fake.reset();
    process.send?.({ type: 'reset', seq: message.seq } satisfies SlackFromChild);
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready', url: fake.url, apiUrl: fake.apiUrl } satisfies SlackFromChild);
