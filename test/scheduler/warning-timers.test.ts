// The warning timers against vitest's fake timers: the clock they read is the
// faked Date, so time moves only when the test advances it.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GrantRequest } from '../../src/domain/types.js';
import { createLogger } from '../../src/log.js';
import { WarningTimers } from '../../src/scheduler/warning-timers.js';

const W = 5 * 60_000;
const T0 = Date.UTC(2026, 10, 28, 9, 0, 0);
const clock = { now: () => Date.now() };
const logger = createLogger({ write: () => undefined });

type Grant = Pick<GrantRequest, 'id' | 'state' | 'startAt' | 'endAt' | 'expiryWarnedFor'>;
const grant = (overrides: Partial<Grant> = {}): Grant => ({ id: 'abc234', state: 'active', startAt: T0, endAt: T0 + 60 * 60_000, ...overrides });

let warned: string[];
let timers: WarningTimers;

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  warned = [];
  timers = new WarningTimers(async (id) => void warned.push(`${id}@${Date.now() - T0}`), clock, logger, W);
});
afterEach(() => {
  timers.stop();
  vi.useRealTimers();
});

describe('WarningTimers', () => {
  it('schedule_firesWarningMsBeforeTheEnd', async () => {
    timers.schedule(grant());
    await vi.advanceTimersByTimeAsync(55 * 60_000 - 1);
    expect(warned).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(warned).toEqual([`abc234@${55 * 60_000}`]);
    expect(timers.size).toBe(0);
  });

  it('schedule_again_afterAnExtension_replacesTheTimerWithOneForTheNewEnd', async () => {
    timers.schedule(grant());
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    timers.schedule(grant({ endAt: T0 + 120 * 60_000 }));
    expect(timers.size).toBe(1);
    await vi.advanceTimersByTimeAsync(90 * 60_000);
    expect(warned).toEqual([`abc234@${115 * 60_000}`]);
  });

  it('schedule_alreadyWarnedForThisEnd_armsNothingAfterARestart', async () => {
    timers.schedule(grant({ expiryWarnedFor: T0 + 60 * 60_000 }));
    expect(timers.size).toBe(0);
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(warned).toEqual([]);
  });

  it('schedule_restartInsideTheWindow_warnsAtOnce', async () => {
    vi.setSystemTime(T0 + 57 * 60_000);
    timers.schedule(grant());
    await vi.advanceTimersByTimeAsync(0);
    expect(warned).toEqual([`abc234@${57 * 60_000}`]);
  });

  it('schedule_grantNoLongerThanTheWindow_armsNothing', () => {
    timers.schedule(grant({ endAt: T0 + W }));
    expect(timers.size).toBe(0);
  });

  it('cancel_andStop_dropTimers', async () => {
    timers.schedule(grant());
    timers.schedule(grant({ id: 'def567' }));
    timers.cancel('abc234');
    expect(timers.size).toBe(1);
    timers.stop();
    timers.schedule(grant());
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(warned).toEqual([]);
  });
});
