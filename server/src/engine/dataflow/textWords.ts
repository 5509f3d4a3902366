/**
 * Where each name of a text is written, read in one pass and shared by the parts of the data-flow
 * analysis that look names up in the same text (reach.ts's closures, the sink search in sinks.ts,
 * the handler search in sources.ts) instead of searching the text once per name.
 */
import { identifierOccurrences, isIdentifierChar } from '../textScan';

/** The names of a text, by name, with where each occurs (strings and comments included). */
export class Occurrences {
  private readonly at = new Map<string, number[]>();

  constructor(text: string) {
    // One pass over the characters (a regular expression with Unicode classes is several times slower).
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (!isIdentifierChar(c)) continue;
      let j = i + 1;
      while (j < n && isIdentifierChar(text.charCodeAt(j))) j++;
      // A number (`1e5`, `0x1f`) is no name.
      if (c < 48 || c > 57) {
        const name = text.slice(i, j);
        const list = this.at.get(name);
        if (list) list.push(i);
        else this.at.set(name, [i]);
      }
      i = j;
    }
  }

  of(name: string): readonly number[] {
    return this.at.get(name) ?? [];
  }
}

/** The indexes of the last few texts (an analysis, its partial text, the text before an edit). */
const known = new Map<string, Occurrences>();
const KEPT = 4;

/**
 * Records the index of `text`, or of the text a partial text was made from (perf/partialParse.ts:
 * the same length, the kept code at the same offsets, the left-out code blanked, so the index
 * over-approximates its words by the left-out ones, which hold no node of its tree).
 */
export function rememberWords(text: string, words: Occurrences): void {
  if (known.get(text) === words) return;
  known.delete(text);
  if (known.size >= KEPT) known.delete(known.keys().next().value!);
  known.set(text, words);
}

/** The index of a text recorded by rememberWords, if any. */
export function knownWords(text: string): Occurrences | undefined {
  return known.get(text);
}

/** Where `name` is written as a whole word in `text` (or in the text a partial one was made from). */
export function wordOffsets(text: string, name: string): Iterable<number> {
  return knownWords(text)?.of(name) ?? identifierOccurrences(text, name);
}
