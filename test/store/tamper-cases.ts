// What a database administrator could do to the audit log by hand, and the row
// `verifyAuditChain` must name for each: the same cases for every engine.

export const TAMPER_CASES: ReadonlyArray<[name: string, sql: string, expected: { seq: number; problem: string }]> = [
  ['an edited detail', "UPDATE audit_events SET actor = 'UMALLORY' WHERE seq = 5", { seq: 5, problem: 'edited' }],
  ['a deleted row', 'DELETE FROM audit_events WHERE seq = 7', { seq: 8, problem: 'deleted_or_reordered_before' }],
  [
    'two rows swapped',
    'UPDATE audit_events SET seq = -1 WHERE seq = 3; UPDATE audit_events SET seq = 3 WHERE seq = 4; UPDATE audit_events SET seq = 4 WHERE seq = -1',
    { seq: 3, problem: 'deleted_or_reordered_before' },
  ],
  [
    'a row inserted by hand',
    "INSERT INTO audit_events (seq, request_id, name, actor, at) SELECT 1000, request_id, 'grant.closed', 'UMALLORY', 0 FROM audit_events LIMIT 1",
    { seq: 1000, problem: 'deleted_or_reordered_before' },
  ],
];
