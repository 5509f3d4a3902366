/**
 * Text for a terminal from untrusted sources. File names, comments (suppression reasons) and code
 * quoted in messages come from the scanned tree: an ANSI escape sequence there could erase or
 * recolour the lines of findings, a carriage return could overwrite one, and bidirectional
 * controls could reorder what is shown (issue 13). Everything the CLI prints that did not come
 * from mlsec itself goes through `printable`.
 *
 * Written here rather than taken from a package: the job is small and security-critical, and the
 * set of characters is exactly the one below, escaped in a form a reader can see and copy.
 */

/**
 * C0 controls (tab included: it can push text out of sight), DEL, C1 controls (0x9b is a one-byte
 * CSI on some terminals), bidirectional embeddings, overrides and isolates, the line and paragraph
 * separators, and unpaired surrogates (invalid in UTF-8 output).
 */
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- control characters are what this pattern finds
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` with every unsafe character written as an escape (`\x1b`, `\n`, `\u202e`); backslashes stay. */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
