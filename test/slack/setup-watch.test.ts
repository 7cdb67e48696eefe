// The retries of the Slack set-up checks: doubling delays up to a cap, the
// reason /readyz shows meanwhile, and nothing left running after stop().

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryLogger } from '../../src/ports/logger.js';
import type { PreflightResult } from '../../src/slack/preflight.js';
import { SlackSetupWatch } from '../../src/slack/setup-watch.js';

const OK: PreflightResult = { kind: 'ok', identity: { botId: 'BBOT', botUserId: 'UBOT', botName: 'jit', team: 'Test' } };
const DOWN: PreflightResult = { kind: 'unreachable', message: 'cannot reach Slack at https://slack.com/api/ (auth.test): ENOTFOUND' };
const NOT_INVITED: PreflightResult = {
  kind: 'refused',
  message: 'the bot is not in JIT_AUDIT_CHANNEL #audit (CAUDIT): invite it with `/invite @jit` in that channel',
};

/** A check that answers `results` in turn (the last one from then on), recording when it ran. */
function scripted(results: PreflightResult[]) {
  const at: number[] = [];
  return {
    at,
    check: async () => {
      at.push(Date.now());
      return results[Math.min(at.length - 1, results.length - 1)]!;
    },
  };
}

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe('SlackSetupWatch', () => {
  it('okAtOnce_isReady_withTheIdentity_andSchedulesNothing', async () => {
    const script = scripted([OK]);
    const watch = new SlackSetupWatch(script.check, new MemoryLogger(), { firstMs: 1000, maxMs: 8000 }, () => 0.5);
    expect(await watch.start()).toBe(OK);
    expect([watch.status(), watch.identity()?.botUserId, vi.getTimerCount()]).toEqual(['ok', 'UBOT', 0]);
  });

  it('refusalAtStart_isReturned_andNotRetried', async () => {
    const watch = new SlackSetupWatch(scripted([NOT_INVITED]).check, new MemoryLogger());
    expect(await watch.start()).toBe(NOT_INVITED);
    expect(vi.getTimerCount()).toBe(0);
    expect(watch.status()).toBe(NOT_INVITED.message);
  });

  it('unreachable_retriesDoublingUpToTheCap_untilOk_sayingWhyMeanwhile', async () => {
    const script = scripted([DOWN, DOWN, DOWN, DOWN, DOWN, OK]);
    const logger = new MemoryLogger();
    const watch = new SlackSetupWatch(script.check, logger, { firstMs: 1000, maxMs: 8000 }, () => 0.5);
    expect((await watch.start()).kind).toBe('unreachable');
    expect(watch.status()).toBe(`${DOWN.message}; not ready; checking again in 1s`);
    expect(watch.identity()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(60_000);
    // 1 s, 2 s, 4 s, then the 8 s cap.
    expect(script.at).toEqual([0, 1000, 3000, 7000, 15_000, 23_000]);
    expect(watch.status()).toBe('ok');
    expect(watch.identity()?.botId).toBe('BBOT');
    expect(logger.lines.at(-1)).toEqual({ level: 'info', text: 'Slack set-up checked after 6 attempts: the bot is ready' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refusalOnARetry_isLoggedAsAnError_andKeepsRetrying_soInvitingTheBotIsEnough', async () => {
    const script = scripted([DOWN, NOT_INVITED, NOT_INVITED, OK]);
    const logger = new MemoryLogger();
    const watch = new SlackSetupWatch(script.check, logger, { firstMs: 1000, maxMs: 8000 }, () => 0.5);
    await watch.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(watch.status()).toMatch(/^the bot is not in JIT_AUDIT_CHANNEL .*; not ready; checking again in 2s$/);
    expect(logger.lines.at(-1)).toEqual({ level: 'error', text: `${NOT_INVITED.message} (not ready; checking again in 2s)` });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(watch.status()).toBe('ok');
  });

  it('jitter_spreadsEachDelay_byAFifthEitherWay', async () => {
    for (const [random, expected] of [
      [0, 800],
      [0.999, 1200],
    ] as const) {
      const script = scripted([DOWN, OK]);
      const watch = new SlackSetupWatch(script.check, new MemoryLogger(), { firstMs: 1000, maxMs: 8000 }, () => random);
      await watch.start();
      await vi.advanceTimersByTimeAsync(5000);
      expect(script.at[1]! - script.at[0]!).toBe(expected);
      watch.stop();
    }
  });

  it('stop_cancelsTheRetry', async () => {
    const script = scripted([DOWN]);
    const watch = new SlackSetupWatch(script.check, new MemoryLogger());
    await watch.start();
    watch.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(script.at).toHaveLength(1);
  });
});
