// CSV as RFC 4180 writes it, made safe to open in a spreadsheet. Pure.
//
// - Records end with CRLF, the last one too.
// - A field is quoted when it holds `"`, `,`, CR or LF; a `"` inside is doubled.
// - Formula injection (OWASP "CSV Injection"): a cell that starts with `=`, `+`,
//   `-`, `@`, a tab or a CR would be read by Excel, LibreOffice or Sheets as a
//   formula, so it gets a `'` in front and is shown as text. A cell that already
//   starts with `'` gets one too, so the rule reverses exactly: drop the first
//   character of every cell that starts with `'` and you have the original.
//   Every cell is neutralised, headers included, whatever the column.

const FORMULA_START = /^[=+\-@\t\r']/;
const NEEDS_QUOTES = /[",\r\n]/;

/** The cell as a spreadsheet may safely read it: a `'` before a formula trigger. */
export function neutralise(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** Undoes `neutralise` (for readers of our files that want the original text). */
export function restore(cell: string): string {
  return cell.startsWith("'") ? cell.slice(1) : cell;
}

/** One field, neutralised then quoted where RFC 4180 requires it. */
export function csvField(value: string): string {
  const safe = neutralise(value);
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Whole records, each a list of fields; every record ends with CRLF. */
export function toCsv(records: readonly (readonly string[])[]): string {
  return records.map((record) => `${record.map(csvField).join(',')}\r\n`).join('');
}
