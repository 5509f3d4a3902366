/**
 * Gitignore-style pattern lists that stay fast when they are long. The `ignore` package tests
 * every rule against every path, so a 50,000-line `.gitignore` over 500 files, or 20,000
 * `per-file-ignores` entries, cost tens of seconds. Here each pattern is filed under a key that
 * any path it can match must show (its literal name, the first letters of its name, the last
 * letters of its name, or its first folder), so a path is tested only against the patterns
 * filed under its own keys, plus the few patterns that have no usable key. The matching itself is
 * still the `ignore` package's: the keys only choose which patterns to ask it about, and are
 * necessary conditions, never sufficient ones, so the results are the package's own.
 *
 * Keys are compared in ASCII lower case, as the package matches case-insensitively; a pattern
 * whose key would hold other characters, an escape, or a leading `!` is not filed.
 */
import ignore from 'ignore';
import type { Ignore } from 'ignore';

const META = /[*?[\]]/;
/** Letters of a name's start and end used as keys: up to this many. */
const AFFIX = 3;

function asciiLower(text: string): string {
  return /[A-Z]/.test(text) ? text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase()) : text;
}

/**
 * The key a path must show for `line` to match it (or one of its folders), or undefined when the
 * pattern has none that is cheap to look up.
 */
export function keyOfPattern(line: string): string | undefined {
  if (line.includes('\\') || /[^\x20-\x7e]/.test(line)) return undefined;
  let body = line.replace(/ +$/, '');
  if (body === '' || body.startsWith('#') || body.startsWith('!')) return undefined;
  if (body.endsWith('/')) body = body.slice(0, -1);
  if (body.startsWith('**/') && !body.slice(3).includes('/')) body = body.slice(3);
  if (body.includes('/')) {
    // Anchored to the list's folder: the path must begin with the pattern's leading literal
    // folders (all of them up to the first with a wildcard).
    const segments = (body.startsWith('/') ? body.slice(1) : body).split('/');
    const literal: string[] = [];
    for (const segment of segments) {
      if (segment === '' || META.test(segment)) break;
      literal.push(segment);
    }
    return literal.length > 0 ? `a:${asciiLower(literal.join('/'))}` : undefined;
  }
  if (body === '') return undefined;
  const meta = body.search(META);
  // A name without wildcards: a file or folder of exactly that name, at any depth.
  if (meta < 0) return `n:${asciiLower(body)}`;
  // A name beginning with letters: they start the name.
  if (meta > 0) return `p:${asciiLower(body.slice(0, Math.min(meta, AFFIX)))}`;
  // A name beginning with a wildcard and ending with letters: they end the name.
  let last = body.length - 1;
  while (last >= 0 && !META.test(body[last])) last--;
  const tail = body.slice(last + 1);
  return tail !== '' ? `s:${asciiLower(tail.slice(-AFFIX))}` : undefined;
}

/**
 * Which keys a table files patterns under: their kinds, the lengths of its prefix and suffix keys
 * (bit n set for length n), and the most folders an anchored key names. A path's keys are made
 * only for these: the walk asks every path about the default excludes (names and a few
 * suffixes), where making each path's every key (about eight strings per folder in it) and a
 * set of them was a sixth of listing diffusers' 2,845 files.
 */
class KeyShape {
  names = false;
  prefixes = 0;
  suffixes = 0;
  anchoredDepth = 0;

  note(key: string): void {
    const body = key.slice(2);
    if (key.startsWith('n:')) this.names = true;
    else if (key.startsWith('p:')) this.prefixes |= 1 << body.length;
    else if (key.startsWith('s:')) this.suffixes |= 1 << body.length;
    else this.anchoredDepth = Math.max(this.anchoredDepth, body.split('/').length);
  }
}

/**
 * Calls `visit` with the keys a path (posix, relative, a trailing `/` for a folder) shows, at
 * every depth, that `shape` says the table may hold; stops when `visit` returns true. A key can
 * come more than once (a folder name repeated at two depths).
 */
function forEachKeyOfPath(relative: string, shape: KeyShape, visit: (key: string) => boolean | void): void {
  const segments = asciiLower(relative)
    .split('/')
    .filter((s) => s !== '');
  let leading = '';
  for (let depth = 0; depth < segments.length; depth++) {
    const segment = segments[depth];
    if (depth < shape.anchoredDepth) {
      leading = leading === '' ? segment : `${leading}/${segment}`;
      if (visit(`a:${leading}`)) return;
    }
    if (shape.names && visit(`n:${segment}`)) return;
    for (let length = 1; length <= AFFIX && length <= segment.length; length++) {
      if (shape.prefixes & (1 << length) && visit(`p:${segment.slice(0, length)}`)) return;
      if (shape.suffixes & (1 << length) && visit(`s:${segment.slice(-length)}`)) return;
    }
  }
}

/**
 * Entries (a pattern and a value) looked up by path: `matching` gives the values of every entry
 * whose pattern matches the path or a folder above it (what `ignore().add(pattern).ignores(path)`
 * says), in the entries' order. For `per-file-ignores`.
 */
export class PatternTable<T> {
  private readonly byKey = new Map<string, number[]>();
  private readonly shape = new KeyShape();
  private readonly unkeyed: number[] = [];
  private readonly matchers: Array<Ignore | undefined>;

  constructor(private readonly entries: ReadonlyArray<{ pattern: string; value: T }>) {
    this.matchers = new Array(entries.length);
    entries.forEach(({ pattern }, index) => {
      const key = pattern.includes('\n') || pattern.includes('\r') ? undefined : keyOfPattern(pattern);
      if (key === undefined) this.unkeyed.push(index);
      else {
        const list = this.byKey.get(key);
        if (list) list.push(index);
        else this.byKey.set(key, [index]);
        this.shape.note(key);
      }
    });
  }

  get size(): number {
    return this.entries.length;
  }

  matching(relative: string): T[] {
    const candidates: number[] = [...this.unkeyed];
    if (this.byKey.size > 0)
      forEachKeyOfPath(relative, this.shape, (key) => {
        const filed = this.byKey.get(key);
        if (filed) for (const index of filed) candidates.push(index);
      });
    // Each entry is filed under one key, but a path can show a key twice: duplicates are dropped.
    if (candidates.length > 1) candidates.sort((a, b) => a - b);
    const result: T[] = [];
    for (let k = 0; k < candidates.length; k++) {
      const index = candidates[k];
      if (k > 0 && candidates[k - 1] === index) continue;
      const matcher = (this.matchers[index] ??= ignore().add(this.entries[index].pattern));
      if (matcher.ignores(relative)) result.push(this.entries[index].value);
    }
    return result;
  }
}

/**
 * The rules of a `.gitignore` (or an `exclude` list), answering `ignores(path)` exactly as
 * `ignore().add(lines)` does. Rules after the last negation (`!`) only ever exclude, so for them
 * "some rule matches the path or a folder above it" is the whole answer and they are filed by
 * key, one `ignore` instance per key; the rules up to the last negation are kept in order in one
 * instance, since there the last matching rule decides. A path is ignored when a filed rule
 * matches it or a folder above it (that level's last match is then an exclusion), and otherwise
 * as the ordered rules say.
 */
export class GitignoreIndex {
  private readonly ordered?: Ignore;
  /** The rules filed under each key; made into a matcher the first time a path shows the key. */
  private readonly byKey = new Map<string, string[] | Ignore>();
  private readonly shape = new KeyShape();
  private readonly unkeyed?: Ignore;

  constructor(text: string | readonly string[]) {
    const lines = typeof text === 'string' ? text.split(/\r?\n/) : text.flatMap((t) => t.split(/\r?\n/));
    let lastNegation = -1;
    lines.forEach((line, index) => {
      if (line.trimStart().startsWith('!')) lastNegation = index;
    });
    if (lastNegation >= 0) this.ordered = ignore().add(lines.slice(0, lastNegation + 1));
    const unkeyed: string[] = [];
    for (let index = lastNegation + 1; index < lines.length; index++) {
      const line = lines[index];
      const key = keyOfPattern(line);
      if (key !== undefined) {
        const list = this.byKey.get(key) as string[] | undefined;
        if (list) list.push(line);
        else this.byKey.set(key, [line]);
        this.shape.note(key);
      } else if (line.trim() !== '' && !line.startsWith('#')) unkeyed.push(line);
    }
    if (unkeyed.length > 0) this.unkeyed = ignore().add(unkeyed);
  }

  ignores(relative: string): boolean {
    if (this.unkeyed?.ignores(relative)) return true;
    let ignored = false;
    if (this.byKey.size > 0)
      forEachKeyOfPath(relative, this.shape, (key) => {
        let matcher = this.byKey.get(key);
        if (matcher === undefined) return false;
        if (Array.isArray(matcher)) this.byKey.set(key, (matcher = ignore().add(matcher)));
        return (ignored = matcher.ignores(relative));
      });
    return ignored || (this.ordered?.ignores(relative) ?? false);
  }
}
