// 2. From an approver's click on Approve to the port being open: the signed
// block_actions POST leaves the client, Bolt acks, the workflow approves (one
// compare-and-swap) and asks the backend to open; the figure ends when the
// backend confirms the open (its promise resolves: from then on the kernel, or
// the memory twin, lets the source in). Two bots run side by side in this
// process, one on the memory backend and one on nftables in network namespaces,
// and clicks alternate between them. The nftables figure is checked with a real
// TCP connection at the end: open for the granted source, shut for another.

import { join } from 'node:path';
import type { FirewallBackend } from '../src/ports/firewall.js';
import { MemoryBackend } from '../src/ports/memory-firewall.js';
import { NftablesBackend } from '../src/firewall/nftables/backend.js';
import type { JitLogger } from '../src/log.js';
import { ADDRESSES, probe, startListener } from '../test/support/netns.js';
import { blockActionPayload } from '../test/support/slack-requests.js';
import { SignedClient } from './support/client.js';
import { rowOf, type Benchmark, type BenchContext, type RowSpec } from './support/context.js';
import { startInProcessBot, SECRET, type InProcessBot } from './support/inprocess-bot.js';
import { nftIn, nftUnavailable, withTopology } from './support/netns.js';
import { benchSource, singleVmPolicy } from './support/policies.js';
import { epochNow, ms, requireSane, summarise } from './support/stats.js';
import type { Row } from './support/table.js';
import { TimedBackend } from './support/timed-backend.js';

const MEMORY: RowSpec = { id: '2a', benchmark: 'Approve click → port open, memory backend', target: '— (no target)' };
const NFT: RowSpec = { id: '2b', benchmark: 'Approve click → port open, nftables in a network namespace', target: '— (no target)' };

interface Side {
  spec: RowSpec;
  bot: InProcessBot;
  backend: TimedBackend;
  ids: string[];
  samples: number[];
}

/** Pending requests waiting for a click, made through the workflow (their creation is not what is measured). */
async function pendingRequests(side: Side, n: number, firstSource: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    const result = await side.bot.bot.workflow.request({
      requester: `UREQ${side.spec.id}${i}`,
      vm: 'web-1',
      ports: '22',
      source: i === 0 ? firstSource : benchSource(i),
      duration: '1h',
      justification: 'benchmark',
    });
    if (!result.ok || result.request.state !== 'pending') throw new Error(`request ${i} was not left pending: ${JSON.stringify(result)}`);
    side.ids.push(result.request.id);
  }
  // The approval messages are out before the clicks start, as they would be.
  await side.bot.bot.flushOutbox(60_000);
}

async function click(ctx: BenchContext, client: SignedClient, side: Side, id: string): Promise<void> {
  const body = new URLSearchParams({
    payload: JSON.stringify(
      blockActionPayload({
        userId: 'UAPPROVER1',
        actionId: 'jit_approve',
        value: id,
        blockId: 'jit_decision',
        messageTs: '1700000000.000100',
        channelId: 'CAPPROVALS',
        responseUrl: ctx.slack.responseUrl(`click-${id}`),
      }),
    ),
  }).toString();
  const opened = side.backend.whenOpened(id);
  const started = epochNow();
  const { status } = await client.post(side.bot.port, body);
  if (status !== 200) throw new Error(`the Approve click on ${id} answered HTTP ${status}`);
  const at = await Promise.race([
    opened,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`request ${id} did not open within 30 s`)), 30_000)),
  ]);
  side.samples.push(at - started);
}

function rowFor(side: Side, reference: string): Row {
  const s = summarise(side.samples);
  requireSane(`${side.spec.id} p50 (ms)`, s.p50, { min: 0.01, max: 10_000 });
  return rowOf(side.spec, { measured: `p50 ${ms(s.p50)}, p99 ${ms(s.p99)} (n=${s.n}, one click at a time)`, reference, verdict: 'info' });
}

export const approveToOpen: Benchmark = {
  name: 'approve',
  rows: [MEMORY, NFT],
  async run(ctx) {
    const n = ctx.smoke ? 5 : 200;
    const unavailable = await nftUnavailable();
    const start = async (spec: RowSpec, makeBackend: (logger: JitLogger) => FirewallBackend, address: string): Promise<Side> => {
      const bot = await startInProcessBot({
        dir: join(ctx.dir, `approve-${spec.id}`),
        policy: singleVmPolicy({ address }),
        slack: ctx.slack,
        backend: (logger) => new TimedBackend(makeBackend(logger)),
      });
      return { spec, bot, backend: bot.backend, ids: [], samples: [] };
    };
    const client = new SignedClient(SECRET, 1);
    const bots: Side[] = [];
    const measure = async (sides: Side[]) => {
      for (const side of sides) await pendingRequests(side, n, ADDRESSES.c1.v4);
      ctx.log(`approve: ${n} pending requests on each of ${sides.length} bot(s); clicking`);
      for (let i = 0; i < n; i++) {
        // Alternate the bots, and which goes first, so drift in the machine's load hits both.
        const order = i % 2 === 0 ? sides : [...sides].reverse();
        for (const side of order) await click(ctx, client, side, side.ids[i]!);
      }
    };
    try {
      const memory = await start(MEMORY, () => new MemoryBackend(), ADDRESSES.vm.v4);
      bots.push(memory);
      if (unavailable !== undefined) {
        await measure([memory]);
        return [rowFor(memory, '—'), rowOf(NFT, { measured: '—', reference: '—', verdict: 'skipped', note: unavailable })];
      }
      return await withTopology(async (topology) => {
        const listener = await startListener(topology.vm, 22);
        try {
          const nft = await start(NFT, (logger) => new NftablesBackend({ command: nftIn(topology.gw), logger }), ADDRESSES.vm.v4);
          bots.push(nft);
          await measure([memory, nft]);
          // The figure means something only if the port really is open for the granted source, and only for it.
          const [granted, other] = await Promise.all([probe(topology.c1, ADDRESSES.vm.v4), probe(topology.c2, ADDRESSES.vm.v4)]);
          if (granted !== 'open' || other !== 'blocked')
            throw new Error(`after the clicks a real connection found the port ${granted} for the granted source and ${other} for another`);
          const m = summarise(memory.samples);
          return [
            rowFor(memory, '—'),
            rowFor(nft, `memory backend, same run: p50 ${ms(m.p50)}, p99 ${ms(m.p99)}; TCP probe: open for the granted source, blocked for another`),
          ];
        } finally {
          listener.kill('SIGKILL');
        }
      });
    } finally {
      client.close();
      for (const side of bots) await side.bot.stop();
    }
  },
};
