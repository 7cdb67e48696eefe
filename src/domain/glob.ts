// VM-name globs for rules: `*` any run, `?` one character, the rest literal.
// Case-insensitive because people type VM names in whatever case they remember.

// Compiled patterns are memoised: the rule engine tests every rule on every request.
// Bounded so a policy reload with many new patterns cannot grow it without limit.
const compiled = new Map<string, RegExp>();
const CACHE_LIMIT = 512;

function compile(pattern: string): RegExp {
  const cached = compiled.get(pattern);
  if (cached) return cached;
  let source = '';
  for (const ch of pattern) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  // `s`: `*` spans any character, newlines included. `u`: `?` is one code point, as iterated above.
  const regex = new RegExp(`^${source}$`, 'isu');
  if (compiled.size >= CACHE_LIMIT) compiled.clear();
  compiled.set(pattern, regex);
  return regex;
}

/** True when `name` matches the whole `pattern` (case-insensitive). */
export function matchGlob(pattern: string, name: string): boolean {
  return compile(pattern).test(name);
}
