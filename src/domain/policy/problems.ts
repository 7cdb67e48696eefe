// Policy problems are data (STYLE.md §4): every one, each with the path a person
// would use to find the spot in their own file.

export interface PolicyProblem {
  /** `virtualMachines[0].ports[1].number`, `(file)` for syntax, `(root)` for the document itself. */
  path: string;
  message: string;
}

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Writes a path as the document spells it: `value[0].properties.virtualMachines[2]`, `tags["cost center"]`. */
export function formatPath(path: Path): string {
  if (path.length === 0) return '(root)';
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** One line per problem, as a log line or a CLI error would show it. */
export function formatPolicyProblems(problems: readonly PolicyProblem[]): string {
  return problems.map((problem) => `${problem.path}: ${problem.message}`).join('\n');
}

/** Shows a value the user wrote inside a message, short enough to stay on one line. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    const flat = value.replace(/\s+/g, ' ');
    return `\`${flat.length > 40 ? `${flat.slice(0, 40)}…` : flat}\``;
  }
  return String(value);
}

/** The allowed key closest to a misspelt one, if it is close enough to be a likely typo. */
export function closestKey(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    // Never a guess (at most 3 edits away), and skipping spares a huge table for a pasted essay of a key.
    if (Math.abs(key.length - candidate.length) > 3) continue;
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= Math.max(1, Math.min(3, Math.floor(key.length / 4))) ? best : undefined;
}

export function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const guess = closestKey(key, allowed);
  const hint = guess === undefined ? '' : ` (did you mean \`${guess}\`?)`;
  return `unknown key${hint}: allowed keys are ${allowed.join(', ')}`;
}

/** Edits between two words, counting a swap of neighbours as one (the commonest typo: `nmae`). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}
