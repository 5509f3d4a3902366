/**
 * The prefilter's reading of `RuleMatch.values` (rule.ts): does a text hold a string literal whose
 * value is one of a rule's values, compared without case, or a path ending in one (`"/bin/bash"`
 * for `bash`)? It must never say no where the semantic model's constant would say yes
 * (`SemanticModel.constantValue`): adjacent literals are read as the one value Python joins
 * (stringLiterals), escapes are decoded, and a literal whose escapes cannot be decoded here
 * (`\N{...}`) counts as holding any value.
 */
import type { SourceText } from '../textScan';
import { stringLiterals } from '../textScan';

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

/** True when `value` (lower case) is one of `wanted` (lower case) or a path ending in one. */
function isWanted(value: string, wanted: readonly string[]): boolean {
  const lower = value.toLowerCase();
  return wanted.some((w) => lower === w || (lower.endsWith(w) && lower[lower.length - w.length - 1] === '/'));
}

/** True when a string literal of the text has one of `values` as its value (see the module header). */
export function holdsStringValue(source: SourceText, values: readonly string[]): boolean {
  const wanted = values.map((v) => v.toLowerCase());
  for (const literal of stringLiterals(source.text)) {
    if (isWanted(literal.body, wanted)) return true;
    if (!literal.escaped) continue;
    // Raw strings keep their escapes (the body as written, above); others decode them.
    const decoded = decodeEscapes(literal.body);
    if (decoded === undefined || isWanted(decoded, wanted)) return true;
  }
  return false;
}
