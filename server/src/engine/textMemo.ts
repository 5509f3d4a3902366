/**
 * Answers remembered by the text they were computed from, for work the editor repeats on texts
 * that rarely change (a notebook's cells: only the edited one is new). Bounded: past `limit`
 * characters of remembered keys, everything is forgotten and remembering starts again.
 */
export class TextMemo<V> {
  private readonly answers = new Map<string, V>();
  private units = 0;

  constructor(private readonly limit = 8 * 1024 * 1024) {}

  get(text: string, compute: (text: string) => V): V {
    if (this.answers.has(text)) return this.answers.get(text) as V;
    const answer = compute(text);
    if (this.units + text.length > this.limit) {
      this.answers.clear();
      this.units = 0;
    }
    this.answers.set(text, answer);
    this.units += text.length;
    return answer;
  }
}
