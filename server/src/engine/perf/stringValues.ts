/**
 * The prefilter's reading of string values in literals, for `RuleMatch.values` (rule.ts) and the
 * value test of `RuleMatch.literals` (literalWords.ts). For `values`: does a text hold a string literal whose
 * value is one of a rule's values, compared without case, or a path ending in one (`"/bin/bash"`
 * for `bash`)? It must never say no where the semantic model's constant would say yes
 * (`SemanticModel.constantValue`): adjacent literals are read joined and apart (someLiteralValue),
 * escapes are decoded, and a literal whose escapes cannot be decoded here
 * (`\N{...}`) counts as holding any value. Values are ASCII, without quotes, backslashes or control characters.
 */
import type { LiteralPiece, SourceText } from '../textScan';

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\n': '',
};

/**
 * The value of a literal body as Python decodes a non-raw string (an unknown escape stays as
 * written), or undefined when it holds a named character (`\N{...}`), which is not decoded here.
 */
export function decodeEscapes(body: string): string | undefined {
  let value = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\' || i + 1 >= body.length) {
      value += c;
      continue;
    }
    const next = body[i + 1];
    if (next in SIMPLE_ESCAPES) {
      value += SIMPLE_ESCAPES[next];
      i++;
    } else if (next === 'N') {
      return undefined;
    } else if (next === 'x' || next === 'u' || next === 'U') {
      const digits = next === 'x' ? 2 : next === 'u' ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + digits);
      const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === digits ? parseInt(hex, 16) : NaN;
      if (Number.isNaN(code) || code > 0x10ffff) {
        value += c; // not an escape Python accepts: the literal is an error, keep the text
        continue;
      }
      value += String.fromCodePoint(code);
      i += 1 + digits;
    } else if (next >= '0' && next <= '7') {
      const octal = /^[0-7]{1,3}/.exec(body.slice(i + 1))![0];
      value += String.fromCodePoint(parseInt(octal, 8));
      i += octal.length;
    } else {
      value += c;
    }
  }
  return value;
}

/** The values looked for, in lower case, with what a quick first test needs: their shortest length and last characters. */
interface Wanted {
  values: readonly string[];
  shortest: number;
  /** By character code with bit 0x20 set (lower case for letters): a value ends with it. */
  last: Uint8Array;
}

const wantedOf = new WeakMap<readonly string[], Wanted>();

function wanted(values: readonly string[]): Wanted {
  let found = wantedOf.get(values);
  if (found) return found;
  const lower = values.map((v) => v.toLowerCase());
  const last = new Uint8Array(128);
  for (const v of lower) last[v.charCodeAt(v.length - 1) | 0x20] = 1;
  found = { values: lower, shortest: Math.min(...lower.map((v) => v.length)), last };
  wantedOf.set(values, found);
  return found;
}

/** True when `value` is one of the wanted values, compared without case, or a path ending in one. */
function isWanted(value: string, wanted: Wanted): boolean {
  const length = value.length;
  if (length < wanted.shortest) return false;
  // Values are ASCII: a value ending otherwise is none of them in any case.
  const end = value.charCodeAt(length - 1);
  if (end >= 128 || wanted.last[end | 0x20] === 0) return false;
  // Lower case may change the length (`İ`): positions are taken in the lower-case text.
  const lower = value.toLowerCase();
  return wanted.values.some((w) => lower === w || (lower.endsWith(w) && lower[lower.length - w.length - 1] === '/'));
}

/** The literal runs of each text asked about, found once for all the rules that ask. */
/**
 * Segments of adjacent literals (see someLiteralValue) beyond which a run is taken to hold any
 * value rather than joined every way: the joins grow with the square of the segments.
 */
const MAX_SEGMENTS = 24;

/** The value of a literal as written (undefined when its escapes are not decoded here: any value). */
function pieceValue(piece: LiteralPiece): string | undefined {
  return piece.raw || !piece.escaped ? piece.body : decodeEscapes(piece.body);
}

/**
 * True when a string literal of the text can have a value that passes `test`, as the semantic
 * model reads constants (SemanticModel.constantValue): adjacent literals are one value when they
 * are one expression, which a line break between them may end (`SHELL = "bash"` followed by a
 * docstring). So each run of adjacent literals (textScan.literalRuns) is tried as every sequence
 * of its segments (literals on one line, which Python always joins); a literal whose escapes are
 * not decoded here, or a run of too many segments, counts as passing.
 */
export function someLiteralValue(source: SourceText, test: (value: string) => boolean): boolean {
  return source.literalRuns().some((run) => runMayPass(run, test));
}

/** True when a run of adjacent literals (textScan.literalRuns) can have a value that passes `test` (see someLiteralValue). */
export function runMayPass(run: readonly LiteralPiece[], test: (value: string) => boolean): boolean {
  if (run.length === 1) {
    const value = pieceValue(run[0]);
    return value === undefined || test(value);
  }
  const segments: Array<string | undefined> = [];
  for (const piece of run) {
    const value = pieceValue(piece);
    if (segments.length === 0 || piece.lineBreakBefore) segments.push(value);
    else {
      const last = segments[segments.length - 1];
      segments[segments.length - 1] = last === undefined || value === undefined ? undefined : last + value;
    }
  }
  if (segments.length > MAX_SEGMENTS || segments.includes(undefined)) return true;
  for (let first = 0; first < segments.length; first++) {
    let value = '';
    for (let last = first; last < segments.length; last++) {
      value += segments[last]!;
      if (test(value)) return true;
    }
  }
  return false;
}

/** True when a string literal of the text has one of `values` as its value (see the module header). */
export function holdsStringValue(source: SourceText, values: readonly string[]): boolean {
  const looked = wanted(values);
  return someLiteralValue(source, (value) => isWanted(value, looked));
}
