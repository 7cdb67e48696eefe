// DeliveryProblems: a refused destination is logged once with its fix, told
// once across replicas (a lease marks it told), cleared when a refused row
// goes out, and forgotten when this replica no longer sees it.

import { expect, it } from 'vitest';
import { DestinationError } from '../../src/domain/delivery-problem.js';
import { ManualClock } from '../../src/ports/clock.js';
import { MemoryLogger } from '../../src/ports/logger.js';
import { MemoryStore } from '../../src/ports/memory-store.js';
import { DeliveryProblems, type DestinationProblem } from '../../src/workflow/delivery-problems.js';

const notInAudit = () => new DestinationError('CAUDIT', 'audit_channel', 'not_in_channel');
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

function setUp(options: { tell?: (problem: DestinationProblem) => Promise<void>; store?: MemoryStore; holder?: string; clock?: ManualClock } = {}) {
  const clock = options.clock ?? new ManualClock();
  const logger = new MemoryLogger();
  const told: DestinationProblem[] = [];
  const problems = new DeliveryProblems({
    logger,
    clock,
    leases: options.store ?? new MemoryStore({ clock }),
    holder: options.holder ?? 'replica-a',
    tell:
      options.tell ??
      (async (problem) => {
        told.push(problem);
      }),
  });
  return { clock, logger, told, problems };
}

it('refused_manyTimes_logsTheFixOnce_andDebugAfterwards', async () => {
  const { logger, problems, told } = setUp();

  for (let row = 1; row <= 5; row++) problems.refused(row % 2, notInAudit());
  await settle();

  const errors = logger.lines.filter((line) => line.level === 'error');
  expect(errors).toHaveLength(1);
  expect(errors[0]?.text).toContain('the bot is not in the audit channel CAUDIT (not_in_channel). Fix: invite it with `/invite @jit` in that channel');
  expect(logger.lines.filter((line) => line.level === 'debug')).toHaveLength(4);
  expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([]);
  expect(told).toHaveLength(1);
  expect(problems.problems()).toEqual([expect.objectContaining({ destination: 'CAUDIT', role: 'audit_channel', error: 'not_in_channel' })]);
});

it('delivered_ofARefusedRow_clearsTheProblem_andSaysSo_andADeliveryOfAnotherRowDoesNot', async () => {
  const { logger, problems } = setUp();
  problems.refused(7, notInAudit());

  problems.delivered(8);
  expect(problems.problems()).toHaveLength(1);
  problems.delivered(7);

  expect(problems.problems()).toEqual([]);
  expect(logger.lines.filter((line) => line.level === 'info').map((line) => line.text)).toEqual([expect.stringContaining('delivering to CAUDIT again')]);
});

it('refused_onTwoReplicas_isToldOnce_andAgainAfterItWasFixed', async () => {
  const clock = new ManualClock();
  const store = new MemoryStore({ clock });
  const told: string[] = [];
  const tell = async (problem: DestinationProblem) => {
    told.push(problem.destination);
  };
  const a = setUp({ clock, store, holder: 'replica-a', tell }).problems;
  const b = setUp({ clock, store, holder: 'replica-b', tell }).problems;

  a.refused(1, notInAudit());
  await settle();
  b.refused(1, notInAudit());
  await settle();
  expect(told).toEqual(['CAUDIT']);

  // A restarted replica (same id) does not tell it again either.
  setUp({ clock, store, holder: 'replica-a', tell }).problems.refused(1, notInAudit());
  await settle();
  expect(told).toEqual(['CAUDIT']);

  // Fixed, then broken again: told again.
  a.delivered(1);
  await settle();
  setUp({ clock, store, holder: 'replica-a', tell }).problems.refused(2, notInAudit());
  await settle();
  expect(told).toEqual(['CAUDIT', 'CAUDIT']);
});

it('tell_thatFails_isLogged_andLeavesTheDestinationUntold', async () => {
  const clock = new ManualClock();
  const store = new MemoryStore({ clock });
  const failing = setUp({ clock, store, tell: () => Promise.reject(new Error('channel_not_found')) });

  failing.problems.refused(1, notInAudit());
  await settle();

  expect(failing.logger.lines.filter((line) => line.level === 'warn').map((line) => line.text)).toEqual([
    expect.stringContaining('could not tell anyone in Slack that the bot is not in the audit channel CAUDIT'),
  ]);
  const other = setUp({ clock, store, holder: 'replica-b' });
  other.problems.refused(1, notInAudit());
  await settle();
  expect(other.told).toHaveLength(1);
});

it('problems_notSeenForTenMinutes_areForgotten', () => {
  const { clock, problems } = setUp();
  problems.refused(1, notInAudit());

  clock.advance(10 * 60_000);
  expect(problems.problems()).toHaveLength(1);
  clock.advance(1);
  expect(problems.problems()).toEqual([]);
});

it('refused_withAnotherError_logsTheNewFix', () => {
  const { logger, problems } = setUp();
  problems.refused(1, notInAudit());
  problems.refused(1, new DestinationError('CAUDIT', 'audit_channel', 'is_archived'));

  const errors = logger.lines.filter((line) => line.level === 'error').map((line) => line.text);
  expect(errors).toHaveLength(2);
  expect(errors[1]).toContain(
    'the audit channel CAUDIT is archived (is_archived). Fix: unarchive it, or set JIT_AUDIT_CHANNEL to another channel and restart the bot',
  );
  expect(problems.problems()).toEqual([expect.objectContaining({ error: 'is_archived' })]);
});
