// The benchmark table: in smoke mode a label that names a size says the
// smaller size that actually ran; the full run's labels stay as written.

import { describe, expect, it } from 'vitest';
import { renderTable, type Row } from '../../bench/support/table.js';

const size = { full: 10_000, smoke: 50, what: 'grants' };
const rows: Row[] = [
  { id: '4', benchmark: 'Mass expiry: 10,000 grants on nftables', measured: 'x', reference: '—', target: '< 5 s', verdict: 'met', size },
  { id: '3b', benchmark: 'Expiry precision: the same on nftables', measured: 'x', reference: '—', target: '—', verdict: 'info', size },
  { id: '5', benchmark: 'Rule engine: 1,000 VMs', measured: 'x', reference: '—', target: '—', verdict: 'info' },
];

describe('renderTable labels', () => {
  it('smoke_labelsThatNameASize_sayTheSizeThatRan', () => {
    const table = renderTable(rows, { smoke: true });
    expect(table).toContain('| 4 | Mass expiry: 10,000 grants (smoke: 50) on nftables |');
    expect(table).toContain('| 3b | Expiry precision: the same on nftables (smoke: 50 grants) |');
    expect(table).toContain('| 5 | Rule engine: 1,000 VMs |');
  });

  it('full_labelsAreAsWritten', () => {
    expect(renderTable(rows, { smoke: false })).toContain('| 4 | Mass expiry: 10,000 grants on nftables |');
  });
});
