// Human output: aligned columns, one row per line. Cells are made single-line
// and free of control characters, so stored text cannot break the layout or
// send escape sequences to the terminal. Given a width, the widest columns
// give way first and their cells wrap onto continuation lines, at spaces
// where they can, so no line is longer than that.

import { oneLine } from './io.js';

const GAP = '  ';

export function table(headers: readonly string[], rows: readonly (readonly string[])[], options: { width?: number } = {}): string {
  const cells = [headers, ...rows].map((row) => headers.map((_, column) => oneLine(row[column] ?? '')));
  const natural = headers.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  const widths = options.width === undefined ? natural : fitColumns(cells, natural, headers, options.width);
  const lines: string[] = [];
  for (const row of cells) {
    const wrapped = row.map((cell, column) => wrap(cell, widths[column]!));
    const height = Math.max(...wrapped.map((part) => part.length));
    for (let line = 0; line < height; line++) {
      lines.push(
        wrapped
          .map((part, column) => (column === row.length - 1 ? (part[line] ?? '') : (part[line] ?? '').padEnd(widths[column]!)))
          .join(GAP)
          .trimEnd(),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Narrows the widest column, one character at a time, until the row fits
 * (never below its header or four characters); then each column keeps only
 * what its wrapped cells use, and the room that frees goes back to the
 * columns that were cut.
 */
function fitColumns(cells: readonly (readonly string[])[], natural: readonly number[], headers: readonly string[], width: number): number[] {
  const widths = [...natural];
  const floor = headers.map((header, column) => Math.min(natural[column]!, Math.max(header.length, 4)));
  const total = () => widths.reduce((sum, w) => sum + w, 0) + GAP.length * (widths.length - 1);
  const used = (column: number) => Math.max(...cells.map((row) => Math.max(...wrap(row[column]!, widths[column]!).map((line) => line.length))));
  while (total() > width) {
    const widest = widestOf(widths, (column) => widths[column]! > floor[column]!);
    if (widest === -1) break;
    widths[widest] = widths[widest]! - 1;
  }
  widths.forEach((_, column) => {
    widths[column] = used(column);
  });
  // Room freed goes to a cut column only as far as its cells then use it.
  const full = new Set<number>();
  const cutColumn = () => widestOf(natural, (column) => !full.has(column) && widths[column]! < natural[column]!);
  for (let cut = cutColumn(); cut !== -1; cut = cutColumn()) {
    const before = widths[cut]!;
    const room = width - total();
    let taken = false;
    for (let more = 1; more <= room && !taken; more++) {
      widths[cut] = before + more;
      if (used(cut) > before) {
        widths[cut] = used(cut);
        taken = true;
      }
    }
    if (!taken) {
      widths[cut] = before;
      full.add(cut);
    }
  }
  return widths;
}

/** The column whose `of` is largest among those `may` allows; -1 when none. */
function widestOf(of: readonly number[], may: (column: number) => boolean): number {
  let found = -1;
  of.forEach((w, column) => {
    if (may(column) && (found === -1 || w > of[found]!)) found = column;
  });
  return found;
}

/** Lines of at most `width` characters, broken after a space or a comma where possible, a longer word cut where it must be. */
function wrap(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const lines: string[] = [];
  let current = '';
  for (const piece of text.match(/[^ ,]*[ ,]?/g) ?? []) {
    if (piece === '') continue;
    if ((current + piece).trimEnd().length <= width) {
      current += piece;
      continue;
    }
    if (current.trimEnd() !== '') lines.push(current.trimEnd());
    let rest = piece;
    while (rest.trimEnd().length > width) {
      lines.push(rest.slice(0, width));
      rest = rest.slice(width);
    }
    current = rest;
  }
  if (current.trimEnd() !== '') lines.push(current.trimEnd());
  return lines;
}
