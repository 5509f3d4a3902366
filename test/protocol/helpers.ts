/** Shared pieces of the protocol tests. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CodeAction, Diagnostic, Range } from 'vscode-languageserver-protocol/node';
import { PythonParser } from '../../server/src/engine/parser';
import type { LspTestClient } from './lspClient';

export function range(startLine: number, startCharacter: number, endLine: number, endCharacter: number): Range {
  return { start: { line: startLine, character: startCharacter }, end: { line: endLine, character: endCharacter } };
}

/** Asserts that the text parses without any syntax error (fixes must keep the code valid). */
export async function assertValidPython(text: string): Promise<void> {
  const parser = await PythonParser.get();
  const tree = parser.parse(text);
  try {
    assert.equal(tree.rootNode.hasError, false, `not valid Python after the edit:\n${text}`);
  } finally {
    tree.delete();
  }
}

export function codes(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.range.start.line}:${d.range.start.character} ${String(d.code)}`);
}

export async function codeActions(
  client: LspTestClient,
  uri: string,
  at: Range,
  diagnostics: Diagnostic[] = [],
  only?: string[],
): Promise<CodeAction[]> {
  return (await client.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri },
    range: at,
    context: { diagnostics, only },
  })) as CodeAction[];
}

export function action(actions: CodeAction[], title: RegExp): CodeAction {
  const found = actions.find((a) => title.test(a.title));
  assert.ok(found, `no action matching ${title}; got: ${actions.map((a) => a.title).join(' | ')}`);
  return found;
}

export function tempWorkspace(prefix = 'mlsec-lsp-'): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  fs.mkdirSync(path.join(dir, '.git'));
  return dir;
}

export function write(dir: string, name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}
