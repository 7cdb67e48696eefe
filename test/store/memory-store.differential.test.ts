// The memory twin against its specification: random sequences of calls, each
// made on a SQLite store and on a MemoryStore, must get the same answers (or
// fail alike) and leave the same contents. Ids, names and times come from small
// pools so calls collide: duplicate ids, lost races, reused nonces, names
// differing only in case, events and refs naming requests that do not exist.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isJitError } from '../../src/domain/errors.js';
import type { OverlayVm } from '../../src/domain/policy/overlay.js';
import type { AccessRequest, AuditEvent, AuditEventName, RequestState, SystemEvent } from '../../src/domain/types.js';
import { ManualClock } from '../../src/ports/clock.js';
import { MemoryStore } from '../../src/ports/memory-store.js';
import type { MessageRef, Notification } from '../../src/ports/notifier.js';
import type { RequestFilter, Store } from '../../src/ports/store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { makeRequest } from './fixtures.js';

const IDS = ['aaa222', 'bbb222', 'ccc222', 'Aaa222'];
const STATES: RequestState[] = ['pending', 'approved', 'active', 'closing', 'closed', 'denied'];
const TIMES = [1000, 2000, 3000];
const NAMES = ['web-3', 'WEB-3', 'é-1', 'É-1'];

const id = fc.constantFrom(...IDS);
/** Any code points, and lone surrogates (SQLite reads those back as U+FFFD, and so must the twin). */
const unit = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constantFrom('\uD83D', '\uDE00', '\uDBFF'));
const text = fc.string({ unit, maxLength: 20 });
const time = fc.constantFrom(...TIMES);
/** Mostly a state the schema knows, sometimes one it refuses. */
const state = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...STATES) }, { weight: 1, arbitrary: fc.constant('exploded' as RequestState) });

const request = fc
  .record({
    id,
    state,
    version: fc.integer({ min: 1, max: 3 }),
    requester: fc.constantFrom('U1', 'U2'),
    vm: fc.constantFrom('web-01', 'db-01'),
    createdAt: time,
    endAt: fc.option(time, { nil: undefined }),
    link: fc.option(fc.record({ field: fc.constantFrom('batchId', 'extends'), to: id }), { nil: undefined }),
  })
  .map(({ endAt, link, ...fields }): AccessRequest => {
    const made = makeRequest({ ...fields, ...(link === undefined ? {} : { [link.field]: link.to }) });
    if (endAt !== undefined) return { ...made, endAt };
    const { endAt: _, ...open } = made;
    return open as AccessRequest;
  });

/** Undefined: the request being written (the usual case); else any id, existing or not. */
const about = fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: id });
const event = fc
  .record({ about, name: fc.constantFrom<AuditEventName>('request.created', 'request.approved'), at: time, detail: fc.option(text, { nil: undefined }) })
  .map(
    ({ about, detail, ...rest }) =>
      (own: string): AuditEvent => ({ requestId: about ?? own, ...rest, actor: 'U0ACTOR', ...(detail === undefined ? {} : { detail }) }),
  );
const systemEvent = fc.record({ at: time, detail: text }).map((e): SystemEvent => ({ name: 'drift.orphan_closed', actor: 'system', ...e }));
const notification = fc.oneof(
  fc.tuple(about, request).map(
    ([about, r]) =>
      (own: string): Notification => ({ kind: 'approval_update', request: { ...r, id: about ?? own } }),
  ),
  systemEvent.map((e) => (): Notification => ({ kind: 'system', event: e })),
);
/** What a write carries beside it, given the id of the request it writes. */
const sideEffects = fc
  .record({ events: fc.array(event, { maxLength: 2 }), notifications: fc.array(notification, { maxLength: 2 }) })
  .map(({ events, notifications }) => (own: string) => ({ events: events.map((e) => e(own)), notifications: notifications.map((n) => n(own)) }));
const rowId = fc.integer({ min: 1, max: 4 });
const ref = fc.record({
  requestId: id,
  role: fc.constantFrom<MessageRef['role']>('audit', 'approval', 'audit', 'approval', 'banner' as MessageRef['role']),
  channel: fc.constantFrom('C1', 'C2'),
  ts: fc.constantFrom('1.1', '2.2'),
});
const overlay = fc.record({ name: fc.constantFrom(...NAMES), port: fc.integer({ min: 1, max: 3 }), updatedAt: time });
const filter: fc.Arbitrary<RequestFilter> = fc.record(
  { requester: fc.constantFrom('U1', 'U2'), states: fc.subarray(STATES), vm: fc.constantFrom('web-01'), batchId: id, extends: id },
  { requiredKeys: [] },
);

type Call = (store: Store) => Promise<unknown>;

const call: fc.Arbitrary<[string, Call]> = fc.oneof(
  fc.tuple(request, sideEffects).map(([r, s]): [string, Call] => {
    const { events, notifications } = s(r.id);
    return [`insertRequest ${r.id}`, (store) => store.insertRequest(r, events, notifications)];
  }),
  fc
    .array(fc.tuple(request, sideEffects), { minLength: 1, maxLength: 3 })
    .map((items): [string, Call] => [
      `insertRequests ${items.map(([r]) => r.id)}`,
      (store) => store.insertRequests(items.map(([r, s]) => ({ request: r, ...s(r.id) }))),
    ]),
  fc.tuple(id, fc.constantFrom(...STATES), fc.integer({ min: 1, max: 3 }), request, sideEffects).map(([at, from, version, next, s]): [string, Call] => {
    const { events, notifications } = s(at);
    return [
      `transition ${at} ${from}@${version} → ${next.state}`,
      (store) => store.transition({ id: at, state: from, version }, { ...next, id: at }, events, notifications),
    ];
  }),
  id.map((at): [string, Call] => [`getRequest ${at}`, (store) => store.getRequest(at)]),
  filter.map((f): [string, Call] => [`listRequests ${JSON.stringify(f)}`, (store) => store.listRequests(f)]),
  time.map((now): [string, Call] => [`dueForClose ${now}`, (store) => store.dueForClose(now)]),
  fc.option(id, { nil: undefined }).map((at): [string, Call] => [`auditEvents ${at}`, (store) => store.auditEvents(at)]),
  time.map((at): [string, Call] => [`auditEventsSince ${at}`, (store) => store.auditEventsSince(at)]),
  fc.tuple(systemEvent, fc.array(notification, { maxLength: 2 }), id).map(([e, n, own]): [string, Call] => [
    'recordSystemEvent',
    (store) =>
      store.recordSystemEvent(
        e,
        n.map((note) => note(own)),
      ),
  ]),
  fc.integer({ min: -1, max: 4 }).map((limit): [string, Call] => [`pendingOutbox ${limit}`, (store) => store.pendingOutbox(limit)]),
  fc.tuple(rowId, fc.array(ref, { maxLength: 2 })).map(([row, refs]): [string, Call] => [`markDelivered ${row}`, (store) => store.markDelivered(row, refs)]),
  fc
    .tuple(rowId, fc.oneof(text, fc.string({ unit, minLength: 495, maxLength: 510 })), time)
    .map(([row, error, next]): [string, Call] => [`markRetry ${row}`, (store) => store.markRetry(row, error, next)]),
  id.map((at): [string, Call] => [`messageRefs ${at}`, (store) => store.messageRefs(at)]),
  fc
    .tuple(rowId, fc.constantFrom('audit', 'dm'), fc.constantFrom('C1', 'C2'), time)
    .map(([row, step, channel, at]): [string, Call] => [`claimPost ${row} ${step}`, (store) => store.claimPost(row, step, channel, at)]),
  fc
    .tuple(rowId, fc.constantFrom('audit', 'dm'), fc.constantFrom('C1', 'C2'), fc.constantFrom('1.1', '2.2'))
    .map(([row, step, channel, ts]): [string, Call] => [`recordPost ${row} ${step}`, (store) => store.recordPost(row, step, channel, ts)]),
  rowId.map((row): [string, Call] => [`outboxPosts ${row}`, (store) => store.outboxPosts(row)]),
  fc.tuple(overlay, fc.array(notification, { maxLength: 1 }), id).map(([o, n, own]): [string, Call] => {
    const entry: OverlayVm = { name: o.name, vm: { id: o.name, ports: [o.port] }, updatedBy: 'UADMIN', updatedAt: o.updatedAt };
    const changed: SystemEvent = { name: 'policy.vm_changed', actor: 'UADMIN', at: o.updatedAt, detail: o.name };
    return [
      `saveOverlayVm ${o.name}`,
      (store) =>
        store.saveOverlayVm(
          entry,
          changed,
          n.map((note) => note(own)),
        ),
    ];
  }),
  fc.constantFrom(...NAMES).map((name): [string, Call] => [`retireOverlayVm ${name}`, (store) => store.retireOverlayVm(name)]),
  fc
    .tuple(fc.constantFrom('n1', 'n2', 'n3'), fc.constantFrom('U1', 'U2'), fc.constantFrom('198.51.100.1', '198.51.100.2'), time)
    .map(([nonce, user, address, at]): [string, Call] => [`recordSourceLink ${nonce}`, (store) => store.recordSourceLink(nonce, user, address, at)]),
  fc
    .tuple(fc.constantFrom('U1', 'U2'), time)
    .map(([user, since]): [string, Call] => [`recentSource ${user} ${since}`, (store) => store.recentSource(user, since)]),
);

/** An answer as the caller sees it: a value, or an error's code, its duplicate-id cause and what failed (SQLite's own wording aside). */
async function answer(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return { value: await run() };
  } catch (error) {
    if (!isJitError(error)) return { thrown: String(error) };
    return { code: error.code, cause: typeof error.cause === 'string' ? error.cause : undefined, what: error.message.replace(/: .*$/s, '') };
  }
}

/** Everything the port can read back. */
async function contents(store: Store): Promise<unknown> {
  const each = <T, R>(keys: readonly T[], read: (key: T) => Promise<R>) => Promise.all(keys.map(read));
  return {
    requests: await store.listRequests({}),
    due: await store.dueForClose(Number.MAX_SAFE_INTEGER),
    events: await store.auditEventsSince(Number.MIN_SAFE_INTEGER),
    system: await store.systemEvents(),
    outbox: await store.pendingOutbox(-1),
    refs: await each(IDS, (at) => store.messageRefs(at)),
    posts: await each([1, 2, 3, 4], (row) => store.outboxPosts(row)),
    overlay: await store.overlayVms(),
    sources: await each(['U1', 'U2'], (user) => store.recentSource(user, 0)),
    chain: await store.verifyAuditChain(),
  };
}

/** Makes every call on both stores, comparing each answer, then everything they hold. */
async function expectSameBehaviour(calls: ReadonlyArray<readonly [string, Call]>): Promise<void> {
  const clock = new ManualClock();
  const sqlite = SqliteStore.open(':memory:', { clock });
  const memory = new MemoryStore({ clock });
  try {
    for (const [name, run] of calls) {
      const expected = await answer(() => run(sqlite));
      expect({ call: name, answer: await answer(() => run(memory)) }).toStrictEqual({ call: name, answer: expected });
      clock.advance(1000);
    }
    expect(await contents(memory)).toStrictEqual(await contents(sqlite));
  } finally {
    await sqlite.close();
    await memory.close();
  }
}

const seeded: [string, Call] = [
  'insertRequest aaa222 with two notifications',
  (store) => {
    const r = makeRequest({ id: 'aaa222' });
    return store.insertRequest(
      r,
      [],
      [
        { kind: 'approval_update', request: r },
        { kind: 'approval_update', request: r },
      ],
    );
  },
];
const audit = (ts: string): MessageRef => ({ requestId: 'aaa222', role: 'audit', channel: 'C1', ts });
const saved = (name: string): [string, Call] => [
  `saveOverlayVm ${name}`,
  (store) =>
    store.saveOverlayVm({ name, vm: { id: name }, updatedBy: 'UADMIN', updatedAt: 1 }, { name: 'policy.vm_enabled', actor: 'UADMIN', at: 1, detail: name }, []),
];

describe('memory store against SQLite', () => {
  it('everySequenceOfCalls_getsTheSameAnswers_andLeavesTheSameContents', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 30 }), (calls) => expectSameBehaviour(calls)),
      { numRuns: 400 },
    );
  });

  // Corners the random calls reach only now and then.
  it.each<[string, Array<[string, Call]>]>([
    [
      'markDeliveredAgain_stillUpsertsItsRefs',
      [
        seeded,
        ['markDelivered 1', (store) => store.markDelivered(1, [audit('1.1')])],
        ['markDelivered 1 again', (store) => store.markDelivered(1, [audit('2.2')])],
      ],
    ],
    [
      'overlayNames_differingInNonAsciiCaseOnly_areTwoEntries',
      [saved('é-1'), saved('É-1'), saved('WEB-3'), saved('web-3'), ['retireOverlayVm É-1', (s) => s.retireOverlayVm('É-1')]],
    ],
    [
      'recordPost_afterAClaim_keepsTheClaimTime_andAClaimAfterItChangesNothing',
      [
        seeded,
        ['claimPost', (s) => s.claimPost(2, 'dm', 'U1', 5)],
        ['recordPost', (s) => s.recordPost(2, 'dm', 'D1', '1.1')],
        ['claimPost', (s) => s.claimPost(2, 'dm', 'U2', 9)],
      ],
    ],
  ])('%s', async (_name, calls) => {
    await expectSameBehaviour(calls);
  });
});
