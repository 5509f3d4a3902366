/**
 * Where the prefilter's words occur as whole identifiers in an edited text, for the editor: the
 * occurrences in the previous text, moved over the change, with the change's surroundings searched
 * again. Handed to the text's SourceText (noteOccurrences), they answer the gates' identifier
 * questions after an edit (SourceText.identifiers, quoted) without a search of the whole text
 * per word, which was about half of an edit's prefilter in a 5,000-line module. In batch, the
 * prefilter's one pass records them (findTriggers); the editor counts triggers instead
 * (countTriggers), and had nothing to answer from.
 *
 * Why it is exact: whether an occurrence of a word is a whole identifier depends on its own
 * characters and on the one before and after it. An occurrence ending before the character
 * before the change, or starting after the character after it, has all of those outside the
 * change: it is one in both texts, at an offset moved by the change's length after it. Every
 * other occurrence in the new text overlaps the change or touches it, so it lies in the change
 * widened by the longest word on each side, which is searched again with the same automaton
 * and the same test as SourceText's search (identifierOccurrences).
 */
import type { TextChange } from './editReuse';
import type { RuleIndex } from '../pipeline/prefilter';
import { wordFinderOf } from '../pipeline/prefilter';
import type { SourceText } from '../textScan';
import { isIdentifierChar } from '../textScan';

type Offsets = Array<number[] | undefined>;

/** Occurrences by text for the last few texts (each analysis of a document hands them to the next). */
const byText = new Map<string, { full: RuleIndex; offsets: Offsets }>();
const REMEMBERED = 4;

/** Keeps the occurrences of `text`, the most recently used last (an undo goes back to a text often). */
function remember(text: string, full: RuleIndex, offsets: Offsets): void {
  if (byText.has(text)) byText.delete(text);
  else if (byText.size >= REMEMBERED) byText.delete(byText.keys().next().value!);
  byText.set(text, { full, offsets });
}

function whole(text: string, at: number, length: number): boolean {
  return (at === 0 || !isIdentifierChar(text.charCodeAt(at - 1))) && !isIdentifierChar(text.charCodeAt(at + length));
}

/** Every whole-identifier occurrence of the index's words in `text[start, end)`, by automaton index, in order. */
function search(text: string, full: RuleIndex, start = 0, end = text.length, keep?: (at: number, length: number) => boolean): Offsets {
  const { strings, isWord } = wordFinderOf(full);
  const offsets: Offsets = new Array(strings.strings.length);
  strings.forEach(
    text,
    (index, at) => {
      if (!isWord[index]) return;
      const length = strings.strings[index].length;
      if (whole(text, at, length) && (!keep || keep(at, length))) (offsets[index] ??= []).push(at);
    },
    start,
    end,
  );
  return offsets;
}

/** The previous text's occurrences moved over `change`, with its surroundings searched again in `text`. */
function moved(previous: Offsets, text: string, full: RuleIndex, change: TextChange): Offsets {
  const { strings } = wordFinderOf(full);
  const delta = change.newEnd - change.oldEnd;
  const longest = strings.longest;
  const touching = (at: number, length: number) => at + length >= change.start && at <= change.newEnd;
  const found = search(text, full, Math.max(0, change.start - longest), Math.min(text.length, change.newEnd + 1 + longest), touching);
  const offsets: Offsets = new Array(previous.length);
  for (let index = 0; index < previous.length; index++) {
    const old = previous[index];
    const near = found[index];
    if (!old && !near) continue;
    const length = strings.strings[index].length;
    const list: number[] = [];
    // Before the change (with the character after each), the searched ones, then after it (moved).
    for (const at of old ?? []) if (at + length < change.start) list.push(at);
    list.push(...(near ?? []));
    for (const at of old ?? []) if (at > change.oldEnd) list.push(at + delta);
    if (list.length > 0) offsets[index] = list;
  }
  return offsets;
}

/**
 * Gives `source` (the text of an editor's analysis) the occurrences of the full index's words:
 * moved from those of `previous` (the text before `change`) when they are known, else found.
 */
export function noteEditOccurrences(
  source: SourceText,
  full: RuleIndex,
  previous: string | undefined,
  change: TextChange | undefined,
): void {
  const text = source.text;
  let known = byText.get(text);
  if (known?.full !== full) {
    const before = previous !== undefined && change ? byText.get(previous) : undefined;
    const offsets = before?.full === full && change ? moved(before.offsets, text, full, change) : search(text, full);
    known = { full, offsets };
  }
  remember(text, full, known.offsets);
  source.noteOccurrences(wordFinderOf(full).slots, known.offsets);
}
