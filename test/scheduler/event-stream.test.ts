// The event stream's timer: every sink's pass side by side, a tick while one
// runs joins it, a failed pass is logged (and tried at the next tick), and the
// interval starts passes on its own until stopped.

import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../src/ports/logger.js';
import { EventStreamTimer } from '../../src/scheduler/event-stream.js';

function gate(): { wait: Promise<void>; open(): void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

describe('event stream timer', () => {
  it('tick_runsEverySinkSideBySide_andATickWhileRunningJoinsIt', async () => {
    const slow = gate();
    const calls = { webhook: 0, syslog: 0 };
    const timer = new EventStreamTimer({
      pollMs: 60_000,
      passes: [
        async () => {
          calls.webhook++;
          await slow.wait;
        },
        async () => {
          calls.syslog++;
        },
      ],
      logger: new MemoryLogger(),
    });
    const first = timer.tick();
    const second = timer.tick();
    expect(second).toBe(first);
    await Promise.resolve();
    expect(calls).toEqual({ webhook: 1, syslog: 1 });
    slow.open();
    await first;
    await timer.tick();
    expect(calls).toEqual({ webhook: 2, syslog: 2 });
  });

  it('failedPass_isLogged_andTheOtherSinksStillRun', async () => {
    const logger = new MemoryLogger();
    let syslog = 0;
    const timer = new EventStreamTimer({
      pollMs: 60_000,
      passes: [
        async () => {
          throw new Error('database is locked');
        },
        async () => {
          syslog++;
        },
      ],
      logger,
    });
    await timer.tick();
    expect(syslog).toBe(1);
    expect(logger.lines).toEqual([{ level: 'warn', text: 'event stream pass failed; trying again at the next tick: database is locked' }]);
  });

  it('start_passesOnItsOwn_untilStopped', async () => {
    let passes = 0;
    const timer = new EventStreamTimer({ pollMs: 5, passes: [async () => void passes++], logger: new MemoryLogger() });
    timer.start();
    const deadline = Date.now() + 2000;
    while (passes < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    await timer.stop();
    const stoppedAt = passes;
    expect(stoppedAt).toBeGreaterThanOrEqual(3);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(passes).toBe(stoppedAt);
  });
});
