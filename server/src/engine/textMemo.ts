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

/**
 * A value per text for the last `size` texts, the one asked for made the most recently used (an
 * undo goes back to a text often): what an edit hands on from the text before it to the text
 * after it (carried names, flow closures). A text not remembered gets `make()`.
 */
export class RecentTexts<V> {
  private readonly byText = new Map<string, V>();

  constructor(
    private readonly make: () => V,
    private readonly size = 4,
  ) {}

  get(text: string): V {
    let known = this.byText.get(text);
    if (known !== undefined) this.byText.delete(text);
    else {
      if (this.byText.size >= this.size) this.byText.delete(this.byText.keys().next().value!);
      known = this.make();
    }
    this.byText.set(text, known);
    return known;
  }
}
