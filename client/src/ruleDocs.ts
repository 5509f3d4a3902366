/**
 * Rule documentation, read-only and rendered. Pages live in a virtual document provider
 * (`mlsec-docs:/MLS102.md`), filled from the language server (or the pages shipped in the
 * extension when it cannot answer), and are shown in the Markdown preview: nothing to save, no
 * Untitled buffer, and the same page from every entry point (the diagnostic's code link, the
 * hover's link, the "Show documentation" code action, the checklist and the palette command).
 * A page opened as text (e.g. by following a link elsewhere) is read-only as well.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { RuleDocumentationRequest } from '../../common/src/protocol';

export const RULE_DOCS_SCHEME = 'mlsec-docs';

/** The virtual document URI of a rule's page. */
export function ruleDocsUri(code: string): vscode.Uri {
  return vscode.Uri.from({ scheme: RULE_DOCS_SCHEME, path: `/${code.toUpperCase()}.md` });
}

/** The rule code a page URI names (`/MLS102.md` → `MLS102`), if any. */
export function codeOfDocsUri(uri: vscode.Uri): string | undefined {
  const match = /^\/?([A-Za-z0-9_-]+)\.md$/.exec(uri.path);
  return match?.[1];
}

export class RuleDocsProvider implements vscode.TextDocumentContentProvider {
  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const code = codeOfDocsUri(uri);
    if (!code) return `# Unknown page\n\n\`${uri.toString()}\` does not name an mlsec rule.\n`;
    return (
      (await this.markdown(code)) ??
      `# ${code}\n\nNo documentation was found for rule \`${code}\`. Run **ML Security: Show Output** for details.\n`
    );
  }

  /** The page of a rule (a code such as MLS102, or a rule name), or undefined. */
  async markdown(code: string): Promise<string | undefined> {
    const client = this.client();
    if (client?.isRunning()) {
      try {
        const params: RuleDocumentationRequest.Params = { code };
        return (await client.sendRequest<RuleDocumentationRequest.Result>(RuleDocumentationRequest.method, params)).markdown;
      } catch (error) {
        this.log.warn(`rule documentation request for ${code} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (!/^MLS\d{3}$/i.test(code)) return undefined;
    // The pages also ship with the extension (docs/rules) for when the server cannot answer.
    try {
      const file = vscode.Uri.joinPath(this.extensionUri, 'docs', 'rules', `${code.toUpperCase()}.md`);
      return new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
    } catch {
      return undefined;
    }
  }
}

/** Shows a rule page rendered in the Markdown preview (or as read-only text without it). */
export async function showRuleDocs(code: string): Promise<vscode.Uri> {
  const uri = ruleDocsUri(code);
  try {
    await vscode.commands.executeCommand('markdown.showPreview', uri);
  } catch {
    // The built-in Markdown extension is disabled: the page is still readable, and read-only.
    await vscode.window.showTextDocument(uri, { preview: true });
  }
  return uri;
}
