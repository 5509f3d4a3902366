/**
 * Code actions: the rules' fixes as quick fixes (safe ones preferred), suppression comments for a
 * line or the whole file, and `source.fixAll.mlsec`, which applies every safe fix of a document.
 *
 * Fix edits come from the engine as offsets into the analysed text (or cell); actions are only
 * built from an analysis of the current text (`LiveAnalysis.current`), so offsets always match.
 */
import type {
  CancellationToken,
  CodeAction,
  CodeActionParams,
  Diagnostic,
  Range,
  SnippetTextEdit,
  TextDocumentEdit,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver/node';
import { CodeActionKind } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { SUPPRESSION_RULE_CODE } from '../engine/pipeline/analyzer';
import type { Finding } from '../engine/findings';
import { chooseFixes } from '../engine/results/fixes';
import type { Node } from '../engine/parser';
import type { Fix, TextEdit as EngineEdit } from '../engine/rule';
import { formatSuppression, REASON_PLACEHOLDER } from '../engine/results/suppressions';
import { lineBreakAt } from '../engine/text';
import type { LiveAnalysis } from './analysis';
import { DIAGNOSTIC_SOURCE, isOpen, toDiagnostic } from './diagnostics';
import type { OpenDocument, Snapshot } from './documents';
import type { RuleLinks } from './rulePages';

export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.mlsec`;

/** What the inserted suppression says until the user writes the real reason (MLS001 reports it until then). */
export { REASON_PLACEHOLDER };

export interface EditCapabilities {
  /** The client takes `documentChanges` (versioned edits). */
  documentChanges: boolean;
  /** The client takes snippet edits (LSP 3.18), used to select the reason placeholder. */
  snippets: boolean;
}

/** An edit on one document, before it is turned into LSP shapes. */
interface PlannedEdit {
  uri: string;
  range: Range;
  newText: string;
  /** Snippet form of newText (placeholders), used when the client supports it. */
  snippet?: string;
}

/** Whether an action kind was asked for (`only` lists kinds; a kind includes its sub-kinds). */
function wants(only: readonly string[] | undefined, kind: string): boolean {
  return !only || only.some((k) => k === '' || kind === k || kind.startsWith(k + '.'));
}

export class CodeActions {
  constructor(
    private readonly live: LiveAnalysis,
    private readonly links: RuleLinks,
    private readonly capabilities: EditCapabilities,
    /** Whether suppression actions are wanted for a document (mlsec.suppressionActions). */
    private readonly suppressionsWanted: (uri: string) => Promise<boolean> = async () => true,
  ) {}

  async provide(params: CodeActionParams, token?: CancellationToken): Promise<CodeAction[]> {
    const uri = params.textDocument.uri;
    const document = this.live.find(uri);
    const text = this.live.textOf(uri);
    if (!document || !text) return [];
    const snapshot = await this.live.current(document);
    if (!snapshot || snapshot.skipped || token?.isCancellationRequested) return [];
    const only = params.context.only;
    const actions: CodeAction[] = [];
    const cell = document.kind === 'notebook' ? document.cellIndexOf(uri) : undefined;
    const inDocument = snapshot.findings.filter((f) => isOpen(f) && (cell === undefined || f.cell === cell));

    if (wants(only, CodeActionKind.QuickFix)) {
      const suppressions = await this.suppressionsWanted(document.uri);
      const documented = new Set<string>();
      const fixedAllOf = new Set<string>();
      for (const finding of inDocument) {
        if (!intersects(finding.range, params.range)) continue;
        const diagnostic = this.matchingDiagnostic(params.context.diagnostics, finding, uri, snapshot);
        for (const fix of finding.fixes) {
          const edits = this.fixEdits(fix, document, snapshot);
          if (!edits) continue;
          actions.push({
            title: actionTitle(finding.code, fix.safe ? fix.title : `${fix.title} (review: may change behaviour)`),
            kind: CodeActionKind.QuickFix,
            diagnostics: [diagnostic],
            isPreferred: fix.safe,
            edit: this.workspaceEdit(edits),
          });
        }
        if (finding.fixes.length > 0 && !fixedAllOf.has(finding.code)) {
          fixedAllOf.add(finding.code);
          const ofRule = snapshot.findings.filter((f) => isOpen(f) && f.code === finding.code && f.fixes.length > 0);
          if (ofRule.length > 1) {
            const edit = this.fixesEdit(
              document,
              snapshot,
              snapshot.findings.filter((f) => isOpen(f) && f.code === finding.code),
              true,
            );
            const allSafe = ofRule.every((f) => f.fixes.some((x) => x.safe));
            const where = document.kind === 'notebook' ? 'notebook' : 'file';
            if (edit) {
              actions.push({
                title: actionTitle(
                  finding.code,
                  `Fix all ${finding.code} in this ${where} (${ofRule.length})${allSafe ? '' : ' (review: may change behaviour)'}`,
                ),
                kind: CodeActionKind.QuickFix,
                diagnostics: [diagnostic],
                edit,
              });
            }
          }
        }
        if (finding.code !== SUPPRESSION_RULE_CODE && suppressions) {
          const tree = this.treeLookup(document, snapshot, cell);
          actions.push({
            title: actionTitle(finding.code, 'Ignore on this line (with a reason)'),
            kind: CodeActionKind.QuickFix,
            diagnostics: [diagnostic],
            edit: this.workspaceEdit([ignoreLineEdit(uri, text, finding, tree)]),
          });
          actions.push({
            title: actionTitle(finding.code, `Ignore in this ${document.kind === 'notebook' ? 'notebook' : 'file'} (with a reason)`),
            kind: CodeActionKind.QuickFix,
            diagnostics: [diagnostic],
            edit: this.workspaceEdit([ignoreFileEdit(uri, text, finding.code, document.kind === 'notebook', tree)]),
          });
        }
        if (this.links.command && !documented.has(finding.code)) {
          documented.add(finding.code);
          actions.push({
            title: `mlsec: Show documentation for ${finding.code}`,
            kind: CodeActionKind.QuickFix,
            diagnostics: [diagnostic],
            command: { title: `Show documentation for ${finding.code}`, command: this.links.command, arguments: [finding.code] },
          });
        }
      }
    }
    if (wants(only, FIX_ALL_KIND) && (only !== undefined || inDocument.some((f) => f.fixes.some((x) => x.safe)))) {
      const edit = this.safeFixesEdit(document, snapshot);
      if (edit) actions.push({ title: 'mlsec: Apply all safe fixes', kind: FIX_ALL_KIND, edit });
    }
    return actions;
  }

  /** A workspace edit applying every safe fix of the document (non-overlapping), or undefined. */
  async fixAll(uri: string): Promise<WorkspaceEdit | undefined> {
    const document = this.live.find(uri);
    if (!document) return undefined;
    const snapshot = await this.live.current(document);
    if (!snapshot || snapshot.skipped) return undefined;
    return this.safeFixesEdit(document, snapshot);
  }

  private safeFixesEdit(document: OpenDocument, snapshot: Snapshot): WorkspaceEdit | undefined {
    return this.fixesEdit(document, snapshot, snapshot.findings.filter(isOpen), false);
  }

  /**
   * One edit applying a fix of each given open finding (non-overlapping): the choice is the one
   * `mlsec scan --fix` makes (engine/results/fixes.ts); `unsafe` lets unsafe fixes be chosen too.
   */
  private fixesEdit(document: OpenDocument, snapshot: Snapshot, findings: readonly Finding[], unsafe: boolean): WorkspaceEdit | undefined {
    const planned: PlannedEdit[] = [];
    for (const fix of chooseFixes(findings, unsafe)) {
      const edits = this.fixEdits(fix, document, snapshot);
      if (edits) planned.push(...edits);
    }
    return planned.length > 0 ? this.workspaceEdit(planned) : undefined;
  }

  private uriOfEdit(document: OpenDocument, snapshot: Snapshot, edit: EngineEdit): string {
    if (document.kind === 'python') return document.uri;
    return snapshot.cellUris?.[edit.cell ?? -1] ?? document.uri;
  }

  /** The fix's edits as ranges; undefined when an edit targets a document we do not have. */
  private fixEdits(fix: Fix, document: OpenDocument, snapshot: Snapshot): PlannedEdit[] | undefined {
    const edits: PlannedEdit[] = [];
    for (const edit of fix.edits) {
      const uri = this.uriOfEdit(document, snapshot, edit);
      const text = this.live.textOf(uri);
      if (!text) return undefined;
      edits.push({ uri, range: { start: text.positionAt(edit.start), end: text.positionAt(edit.end) }, newText: edit.newText });
    }
    return edits;
  }

  private matchingDiagnostic(given: readonly Diagnostic[], finding: Finding, uri: string, snapshot: Snapshot): Diagnostic {
    const match = given.find((d) => d.source === DIAGNOSTIC_SOURCE && d.code === finding.code && sameRange(d.range, finding.range));
    return match ?? toDiagnostic(finding, (cell) => snapshot.cellUris?.[cell ?? -1] ?? uri, this.links);
  }

  /** Finds the syntax node at an offset of the document (or cell) text, via the kept tree. */
  private treeLookup(document: OpenDocument, snapshot: Snapshot, cell: number | undefined): NodeLookup | undefined {
    const session = document.session;
    if (!session.hasTree) return undefined;
    if (document.kind === 'python') return (offset) => session.nodeAt(offset);
    const layout = snapshot.layout;
    const uri = cell === undefined ? undefined : document.cells[cell]?.document;
    const text = uri ? document.texts.get(uri) : undefined;
    if (!layout || cell === undefined || !text) return undefined;
    return (offset) => session.nodeAt(layout.cellPosition(cell, text.positionAt(offset)));
  }

  private workspaceEdit(edits: PlannedEdit[]): WorkspaceEdit {
    const byUri = new Map<string, PlannedEdit[]>();
    for (const edit of edits) {
      const list = byUri.get(edit.uri);
      if (list) list.push(edit);
      else byUri.set(edit.uri, [edit]);
    }
    if (this.capabilities.documentChanges) {
      const documentChanges: TextDocumentEdit[] = [];
      for (const [uri, list] of byUri) {
        const version = this.live.textOf(uri)?.version ?? null;
        documentChanges.push({
          textDocument: { uri, version },
          edits: list.map((e): TextEdit | SnippetTextEdit =>
            e.snippet && this.capabilities.snippets
              ? { range: e.range, snippet: { kind: 'snippet', value: e.snippet } }
              : { range: e.range, newText: e.newText },
          ),
        });
      }
      return { documentChanges };
    }
    const changes: Record<string, TextEdit[]> = {};
    for (const [uri, list] of byUri) changes[uri] = list.map((e) => ({ range: e.range, newText: e.newText }));
    return { changes };
  }
}

type NodeLookup = (offset: number) => Node | undefined;

/**
 * `mlsec (MLS102): Add weights_only=True`: the tool and rule first, so the action can be told
 * apart from Pylance's and Ruff's in the light-bulb menu; markdown backticks are dropped (menus
 * show them literally).
 */
export function actionTitle(code: string, title: string): string {
  return `mlsec (${code}): ${title.replace(/`/g, '')}`;
}

function intersects(a: Range, b: Range): boolean {
  const before = (p: Range['start'], q: Range['start']) => p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

function sameRange(a: Range, b: Range): boolean {
  return (
    a.start.line === b.start.line &&
    a.start.character === b.start.character &&
    a.end.line === b.end.line &&
    a.end.character === b.end.character
  );
}

function escapeSnippet(text: string): string {
  return text.replace(/[$}\\]/g, (c) => '\\' + c);
}

function lineBounds(document: TextDocument, line: number): { start: number; end: number; text: string } {
  const start = document.offsetAt({ line, character: 0 });
  const next = line + 1 < document.lineCount ? document.offsetAt({ line: line + 1, character: 0 }) : document.getText().length;
  const raw = document.getText().slice(start, next);
  const text = raw.replace(/\r?\n$|\r$/, '');
  return { start, end: start + text.length, text };
}

const LINE_SUPPRESSION = /#\s*mlsec\s*:\s*ignore\[([^\]]*)\]/;
const FILE_SUPPRESSION = /^[ \t]*#\s*mlsec\s*:\s*ignore-file\[([^\]]*)\]/m;

function withinString(node: Node | undefined, lineEnd: number): boolean {
  for (let n: Node | null | undefined = node; n; n = n.parent) {
    if ((n.type === 'string' || n.type === 'string_content' || n.type === 'interpolation') && n.endIndex > lineEnd) return true;
  }
  return false;
}

/**
 * `# mlsec: ignore[CODE] reason` for the finding's first line: added to an existing suppression
 * on that line, else appended as a trailing comment, or — where a trailing comment would change
 * the code (the line continues with a backslash or inside a string) — put on its own line above,
 * where it covers the next line.
 */
export function ignoreLineEdit(uri: string, document: TextDocument, finding: Finding, nodeAt?: NodeLookup): PlannedEdit {
  const line = lineBounds(document, finding.range.start.line);
  const existing = LINE_SUPPRESSION.exec(line.text);
  if (existing && (!nodeAt || nodeAt(line.start + existing.index)?.type === 'comment')) {
    const listEnd = line.start + existing.index + existing[0].length - 1;
    const listed = existing[1].trim();
    const position = document.positionAt(listEnd);
    return { uri, range: { start: position, end: position }, newText: listed ? `, ${finding.code}` : finding.code };
  }
  const comment = formatSuppression('line', finding.code, REASON_PLACEHOLDER);
  const snippetComment = `${escapeSnippet(formatSuppression('line', finding.code, ''))} \${1:${REASON_PLACEHOLDER}}`;
  const content = line.text.replace(/\s+$/, '');
  const contentEnd = line.start + content.length;
  const last = nodeAt?.(Math.max(line.start, contentEnd - 1));
  const inComment = last?.type === 'comment';
  const trailingIsSafe = inComment || (!content.endsWith('\\') && !withinString(last, line.end));
  if (trailingIsSafe) {
    const at = document.positionAt(contentEnd);
    return { uri, range: { start: at, end: at }, newText: `  ${comment}`, snippet: `  ${snippetComment}` };
  }
  const indent = /^[ \t]*/.exec(line.text)?.[0] ?? '';
  const at = document.positionAt(line.start);
  const eol = lineBreakAt(document.getText(), line.start);
  return {
    uri,
    range: { start: at, end: at },
    newText: `${indent}${comment}${eol}`,
    snippet: `${escapeSnippet(indent)}${snippetComment}${eol}`,
  };
}

/**
 * `# mlsec: ignore-file[CODE] reason` near the top: added to an existing file suppression, else
 * inserted after a shebang and an encoding declaration (which must stay on the first two lines);
 * in a notebook, at the top of the finding's cell, after a cell magic line.
 */
export function ignoreFileEdit(uri: string, document: TextDocument, code: string, inNotebook: boolean, nodeAt?: NodeLookup): PlannedEdit {
  const text = document.getText();
  const existing = FILE_SUPPRESSION.exec(text);
  if (existing) {
    const hash = existing.index + existing[0].indexOf('#');
    if (!nodeAt || nodeAt(hash)?.type === 'comment') {
      const listEnd = existing.index + existing[0].length - 1;
      const listed = existing[1].split(',').map((s) => s.trim().toUpperCase());
      const position = document.positionAt(listEnd);
      if (listed.includes(code)) return { uri, range: { start: position, end: position }, newText: '' };
      return { uri, range: { start: position, end: position }, newText: existing[1].trim() ? `, ${code}` : code };
    }
  }
  let line = 0;
  const lineText = (n: number) => (n < document.lineCount ? lineBounds(document, n).text : '');
  if (inNotebook) {
    if (lineText(0).trimStart().startsWith('%%')) line = 1;
  } else {
    if (lineText(0).startsWith('#!')) line = 1;
    if (line < 2 && /^[ \t\f]*#.*?coding[:=]/.test(lineText(line))) line++;
  }
  const eol = lineBreakAt(text, line < document.lineCount ? document.offsetAt({ line, character: 0 }) : text.length);
  const comment = formatSuppression('file', code, REASON_PLACEHOLDER);
  const snippetComment = `${escapeSnippet(formatSuppression('file', code, ''))} \${1:${REASON_PLACEHOLDER}}`;
  if (line >= document.lineCount) {
    // The file is only a shebang (or cell magic) without a final line break.
    const at = document.positionAt(text.length);
    return { uri, range: { start: at, end: at }, newText: `${eol}${comment}`, snippet: `${escapeSnippet(eol)}${snippetComment}` };
  }
  const at = { line, character: 0 };
  return { uri, range: { start: at, end: at }, newText: `${comment}${eol}`, snippet: `${snippetComment}${eol}` };
}
