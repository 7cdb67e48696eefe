// The expiry timers against vitest's fake timers: one Node timer for the
// earliest end however many grants are open, and every grant due in one tick
// handed to the workflow in one call, so it can close them as one batch.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/log.js';
import { ExpiryTimers } from '../../src/scheduler/expiry-timers.js';
import type { TimerFunctions } from '../../src/scheduler/timer-table.js';

const T0 = Date.UTC(2026, 10, 28, 9, 0, 0);
/** How far the bot's clock has run past the timers' (a loop busy past the next end). */
let skew = 0;
const clock = { now: () => Date.now() + skew };

let calls: string[][];
let logged: string[];
let live: Set<NodeJS.Timeout>;
let timers: ExpiryTimers;

/** Node's timer functions, counting the timers still pending. */
const counting: TimerFunctions = {
  setTimeout(fire, delayMs) {
    const timer = setTimeout(() => {
      live.delete(timer);
      fire();
    }, delayMs);
    live.add(timer);
    return timer;
  },
  clearTimeout(timer) {
    live.delete(timer);
    clearTimeout(timer);
  },
};

function make(expire: (ids: readonly string[]) => Promise<PromiseSettledResult<unknown>[]>): ExpiryTimers {
  const logger = createLogger({ write: (line) => void logged.push(line) });
  return new ExpiryTimers(expire, clock, logger, counting);
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  skew = 0;
  calls = [];
  logged = [];
  live = new Set();
  timers = make(async (ids) => {
    calls.push([...ids]);
    return ids.map(() => ({ status: 'fulfilled', value: undefined }));
  });
});
afterEach(() => {
  timers.stop();
  vi.useRealTimers();
});

describe('ExpiryTimers', () => {
  it('schedule_manyGrants_holdsOneNodeTimerForTheEarliestEnd', () => {
    for (let i = 0; i < 1000; i++) timers.schedule({ id: `g${i}`, endAt: T0 + 60_000 + ((i * 7919) % 5000) });

    expect(timers.size).toBe(1000);
    expect(live.size).toBe(1);
    expect(timers.armedTimers).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
  });

  it('grantsDueInTheSameTick_areHandedOverTogether_inEndOrder', async () => {
    timers.schedule({ id: 'late', endAt: T0 + 2000 });
    timers.schedule({ id: 'b', endAt: T0 + 1000 });
    timers.schedule({ id: 'a', endAt: T0 + 999 });

    // The loop was busy past both ends: the one wake-up hands over both.
    skew = 501;
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toEqual([['a', 'b']]);
    expect(timers.size).toBe(1);
    expect(live.size).toBe(1);

    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toEqual([['a', 'b'], ['late']]);
    expect(live.size).toBe(0);
  });

  it('schedule_anEarlierEnd_rearmsTheOneTimerForIt', async () => {
    timers.schedule({ id: 'a', endAt: T0 + 10_000 });
    timers.schedule({ id: 'b', endAt: T0 + 1000 });
    expect(live.size).toBe(1);

    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toEqual([['b']]);
    await vi.advanceTimersByTimeAsync(9000);
    expect(calls).toEqual([['b'], ['a']]);
  });

  it('schedule_again_replacesTheGrantsEnd_andCancelDropsIt', async () => {
    timers.schedule({ id: 'a', endAt: T0 + 1000 });
    timers.schedule({ id: 'a', endAt: T0 + 5000 }); // extended
    timers.schedule({ id: 'b', endAt: T0 + 2000 });
    timers.cancel('b'); // revoked
    expect(timers.size).toBe(1);

    await vi.advanceTimersByTimeAsync(4999);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([['a']]);
  });

  it('cancel_ofTheLastGrant_leavesNoNodeTimer', () => {
    timers.schedule({ id: 'a', endAt: T0 + 1000 });
    timers.cancel('a');
    expect(live.size).toBe(0);
  });

  it('aClockBehindTheTimer_handsNothingOverEarly_andWaitsOn', async () => {
    let lag = 300;
    const behind = new ExpiryTimers(
      async (ids) => {
        calls.push([...ids]);
        return [];
      },
      { now: () => Date.now() - lag },
      createLogger({ write: () => undefined }),
      counting,
    );
    behind.schedule({ id: 'a', endAt: T0 + 1000 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toEqual([]);
    lag = 0;
    await vi.advanceTimersByTimeAsync(300);
    expect(calls).toEqual([['a']]);
    behind.stop();
  });

  it('retry_runsTheExpiryAgainAfterTheDelay_andAFailureIsLoggedPerGrant', async () => {
    timers.stop();
    timers = make(async (ids) => {
      calls.push([...ids]);
      return ids.map((id) => (id === 'bad' ? { status: 'rejected', reason: new Error('nft failed') } : { status: 'fulfilled', value: undefined }));
    });
    timers.retry('bad', 1000);
    timers.schedule({ id: 'ok', endAt: T0 + 1000 });

    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toEqual([['bad', 'ok']]);
    expect(logged.join('\n')).toContain('close retry of request bad failed');
    expect(logged.join('\n')).not.toContain('request ok failed');
  });

  it('stop_dropsEveryGrantAndArmsNothingAfter', async () => {
    timers.schedule({ id: 'a', endAt: T0 + 1000 });
    timers.stop();
    timers.schedule({ id: 'b', endAt: T0 + 1000 });
    expect(live.size).toBe(0);
    await vi.advanceTimersByTimeAsync(2000);
    expect(calls).toEqual([]);
  });

  it('manyReArms_keepTheHeapBounded', async () => {
    for (let round = 0; round < 50; round++) for (let i = 0; i < 100; i++) timers.schedule({ id: `g${i}`, endAt: T0 + 10_000 + round });
    expect(timers.size).toBe(100);
    await vi.advanceTimersByTimeAsync(10_049);
    expect(calls.flat().sort()).toEqual(Array.from({ length: 100 }, (_, i) => `g${i}`).sort());
  });
});
