/**
 * What file rules declare they read (RuleMatch.fileReads), checked the way edit reuse relies on
 * it (perf/fileReads.ts): in every fixture, corpus and example file, each statement of a function's
 * body, each comment there and each function body that the declaration says a rule does not read
 * is blanked (the same length, so offsets stay), and the rule's findings must not change. A rule
 * that reads something it did not declare fails here, as a test-only rule reading an undeclared
 * binding shows. Then edits in the editor: a kept report must follow what the rule reads.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analyzer } from '../../server/src/engine/pipeline/analyzer';
import type { Node } from '../../server/src/engine/parser';
import { defineRule } from '../../server/src/engine/rule';
import type { Rule } from '../../server/src/engine/rule';
import { blankLines, fileRulesKept, keepable } from '../../server/src/engine/perf/fileReads';
import type { ReadPiece } from '../../server/src/engine/perf/fileReads';
import { reachedStatements } from '../../server/src/engine/perf/functionStatement';
import { wordsOf } from '../../server/src/engine/perf/moduleStatement';
import { ALL_RULES } from '../../server/src/rules/index';
import { analyzer } from '../support/engine';
import { EditorDocument as Document, padding, sameAsFresh } from '../support/editorDocument';
import { CORPUS, FIXTURES, REPO_ROOT, filesUnder } from '../support/paths';

/** A statement, comment or function body the declaration says the rule does not read, whose blanking changed its findings. */
interface Unread {
  file: string;
  line: number;
  what: string;
}

/** The piece of text blanked to `head` and spaces, line breaks kept (same length). */
function blanked(text: string, span: { start: number; end: number }, head: string): string {
  const piece = text.slice(span.start, span.end);
  return text.slice(0, span.start) + head + piece.slice(head.length).replace(/[^\n]/g, ' ') + text.slice(span.end);
}

/** The whole lines of a span. */
function linesOf(text: string, span: { start: number; end: number }): string {
  const end = text.indexOf('\n', span.end);
  return text.slice(text.lastIndexOf('\n', span.start - 1) + 1, end < 0 ? text.length : end);
}

function plainString(node: Node): boolean {
  if (node.type !== 'expression_statement' || node.namedChildCount !== 1) return false;
  const string = node.namedChildren[0];
  return string?.type === 'string' && !string.namedChildren.some((part) => part?.type === 'interpolation');
}

/**
 * Blanks, one at a time, each unit of `text` the rule's declaration leaves out (as edit reuse
 * judges it: fileRulesKept) and compares the rule's findings (unoptimised) with the text's.
 */
function undeclaredReads(engine: Analyzer, rule: Rule, file: string, text: string): { checked: number; unread: Unread[] } {
  const findingsOf = (source: string) =>
    engine.analyzePython(source, { prefilter: false }).findings.map((finding) => JSON.stringify({ ...finding, fingerprint: undefined }));
  const reference = findingsOf(text);
  const tree = engine.parser.parse(text);
  const unread: Unread[] = [];
  let checked = 0;
  const check = (
    span: { start: number; end: number },
    head: string,
    pieces: (after: string) => ReadPiece[],
    reached: string[],
    what: string,
  ) => {
    const after = blanked(text, span, head);
    if (!fileRulesKept([rule], text, after, pieces(after), reached).has(rule)) return;
    checked++;
    if (JSON.stringify(findingsOf(after)) !== JSON.stringify(reference))
      unread.push({ file, line: text.slice(0, span.start).split('\n').length, what });
  };
  try {
    for (const fn of tree.rootNode.descendantsOfType('function_definition')) {
      const body = fn?.childForFieldName('body');
      if (!fn || !body) continue;
      const whole = fn.parent?.type === 'decorated_definition' ? fn.parent : fn;
      // The function unit: its body blanked.
      check(
        { start: body.startIndex, end: body.endIndex },
        '0',
        (after) => [{ text: text.slice(whole.startIndex, whole.endIndex) }, { text: after.slice(whole.startIndex, whole.endIndex) }],
        [],
        'function body',
      );
      const statements = body.namedChildren.filter((n): n is Node => n !== null);
      for (const statement of statements) {
        const span = { start: statement.startIndex, end: statement.endIndex };
        if (statement.type === 'comment') {
          check(
            span,
            '#',
            (after) => [{ text: text.slice(span.start, span.end) }, { text: after.slice(span.start, span.end) }],
            [],
            'comment',
          );
          continue;
        }
        // A statement of the body (functionStatement.ts): its lines, and the statements its words lead to.
        const prose = plainString(statement);
        const seeds = prose ? [] : wordsOf(linesOf(text, span));
        const reached = reachedStatements(text, statements, span, seeds, body.endIndex - body.startIndex);
        if (!reached) continue;
        check(
          span,
          prose ? '""' : '0',
          (after) => [
            { text: linesOf(text, span), prose },
            { text: linesOf(after, span), prose },
          ],
          reached.map((r) => text.slice(r.startIndex, r.endIndex)),
          'statement',
        );
      }
    }
  } finally {
    tree.delete();
  }
  return { checked, unread };
}

/** The text as the body of a function: every line indented (a fixture's module statements become a body's). */
function wrapped(text: string): string {
  return 'def wrapped_fixture():\n' + text.replace(/^(?=[^\n])/gm, '    ') + '\n    pass\n';
}

const FILES = [
  ...filesUnder(FIXTURES, ['.py']),
  ...filesUnder(CORPUS, ['.py']),
  ...filesUnder(path.join(REPO_ROOT, 'examples'), ['.py']),
  ...filesUnder(path.join(REPO_ROOT, 'test', 'unit', 'fixtures'), ['.py']),
];

describe('file rules read what they declare (fileReads)', () => {
  const declaring = ALL_RULES.filter(keepable);

  it('some file rules declare what they read', () => {
    assert.ok(declaring.length >= 2, `rules declaring fileReads: ${declaring.map((r) => r.code).join(', ')}`);
    assert.ok(FILES.length >= 40, `${FILES.length} files`);
  });

  for (const rule of declaring)
    it(`${rule.code}: blanking a unit its declaration leaves out changes none of its findings`, async () => {
      const engine = await Analyzer.create([rule]);
      let checked = 0;
      const unread: Unread[] = [];
      for (const file of FILES) {
        const text = fs.readFileSync(file, 'utf8');
        const name = path.relative(REPO_ROOT, file);
        // As written, and with the whole file made the body of a function (its module statements then
        // are statements of a function's body, the units checked here).
        for (const [source, what] of [
          [text, name],
          [wrapped(text), `${name} (in a function)`],
        ]) {
          const result = undeclaredReads(engine, rule, what, source);
          checked += result.checked;
          unread.push(...result.unread);
        }
      }
      assert.deepEqual(unread, [], `${rule.code} reads what it does not declare`);
      assert.ok(checked >= 200, `only ${checked} units checked`);
    });

  it('finds a rule reading a binding it did not declare', async () => {
    // Reports each `api_call()` saying whether `mode` is bound where it is: `mode` is read, undeclared.
    const sloppy = defineRule({
      code: 'MLS999',
      name: 'test-sloppy-declaration',
      title: 'test rule',
      severity: 'warning',
      cwe: [20],
      threats: ['model-tampering'],
      rationale: 'test',
      remediation: 'test',
      fileReads: { names: ['api_call'] },
      onFile(context) {
        for (const call of context.model.calls)
          if (call.text.startsWith('api_call('))
            context.report({ node: call, message: context.model.lookup('mode', call.startIndex) ? 'mode bound' : 'mode free' });
      },
    });
    const engine = await Analyzer.create([sloppy]);
    const text = ['def run():', '    mode = 1', '    other = 2', '    api_call()', ''].join('\n');
    const { checked, unread } = undeclaredReads(engine, sloppy, 'sloppy.py', text);
    assert.ok(checked >= 2, `${checked} units checked`);
    assert.deepEqual(
      unread.map((u) => `${u.line}:${u.what}`),
      ['2:statement'],
    );
  });
});

const SOURCE = [
  'import os',
  'from huggingface_hub import login',
  'from transformers import AutoModel',
  '',
  '',
  'def load(name, steps):',
  '    """Loads a model.',
  '',
  '    Mentions trust_remote_code and the token in prose only.',
  '    """',
  '    trusted = True',
  '    hub_key = "Zx81hfq2Lm0Pq9wEr7"',
  '    label = "plain"',
  '    if steps:',
  '        # a note hung on the `if`',
  '        label = "stepped"',
  ...padding('total'),
  '    # a comment',
  '    model = AutoModel.from_pretrained(name, trust_remote_code=trusted)',
  '    login(hub_key)',
  '    return model',
  '',
].join('\n');

describe('edit reuse keeps file rules that read nothing of the edit', () => {
  it('a constant the flag comes through, changed: the finding goes', async () => {
    const engine = await analyzer();
    const document = new Document(engine, SOURCE);
    const before = sameAsFresh(engine, document, 'opened');
    assert.ok(before.some((f) => f.startsWith('MLS201')) && before.some((f) => f.startsWith('MLS501')), before.join(' '));
    const result = document.replace('def load', 'trusted = True', 'trusted = False');
    assert.equal(result.reusedUnit, 'function-statement');
    const after = sameAsFresh(engine, document, 'the flag made False');
    assert.ok(!after.some((f) => f.startsWith('MLS201')), after.join(' '));
    document.replace('def load', 'trusted = False', 'trusted = True');
    assert.deepEqual(sameAsFresh(engine, document, 'and back'), before);
    document.dispose();
  });

  it('a binding of `os` made in the function: the fix reading os.environ goes', async () => {
    const engine = await analyzer();
    const document = new Document(engine, SOURCE);
    const fixes = () => document.result.findings.filter((f) => f.code === 'MLS501').flatMap((f) => f.fixes.map((fix) => fix.title));
    sameAsFresh(engine, document, 'opened');
    assert.ok(fixes().length > 0, 'a fix at first');
    document.replace('def load', 'label = "plain"', 'os = "plain"');
    sameAsFresh(engine, document, '`os` bound in the function');
    assert.deepEqual(fixes(), []);
    document.replace('def load', 'os = "plain"', 'label = "plain"');
    sameAsFresh(engine, document, 'and back');
    assert.ok(fixes().length > 0, 'the fix again');
    document.dispose();
  });

  it('blanks on a line naming a binding the rule reads keep the rule; a code change there does not', () => {
    const rule = ALL_RULES.find((r) => r.code === 'MLS501')!;
    assert.ok(keepable(rule) && rule.fileReads?.bindings?.includes('os'), 'MLS501 reads where `os` is bound');
    const before = 'import os\n\n\ndef workers():\n    n = os.cpu_count()\n    return n\n';
    const at = before.indexOf('os.cpu_count()') + 'os.cpu_count()'.length;
    const after = before.slice(0, at) + '  ' + before.slice(at);
    const blanks = blankLines(before, after, { start: at, oldEnd: at, newEnd: at + 2 });
    assert.ok(fileRulesKept([rule], before, after, blanks, []).has(rule), 'blanks bind nothing');
    const rebound = before.replace('n = os.cpu_count()', 'os = os.cpu_count()');
    const pieces = [{ text: '    n = os.cpu_count()' }, { text: '    os = os.cpu_count()' }];
    assert.ok(!fileRulesKept([rule], before, rebound, pieces, []).has(rule), 'a binding of `os` changed');
  });

  it('statements, the docstring, a comment and blanks after it keep the findings, moved', async () => {
    const engine = await analyzer();
    const document = new Document(engine, SOURCE);
    const before = sameAsFresh(engine, document, 'opened');
    const units: string[] = [];
    units.push(document.replace('def load', 'total_3 = 3 * 2', 'total_3 = 3 * 20').reusedUnit ?? 'whole');
    units.push(document.replace('def load', 'in prose only', 'in prose, only').reusedUnit ?? 'whole');
    units.push(document.replace('def load', '# a comment', '# a longer comment').reusedUnit ?? 'whole');
    // Blanks typed at a comment's end are the comment's text, and so are blanks taken away from it.
    const end = document.text.indexOf('\n', document.text.indexOf('# a longer comment'));
    units.push(document.edit(end, end, '  ').reusedUnit ?? 'whole');
    units.push(document.edit(end, end + 2, '').reusedUnit ?? 'whole');
    // A comment between a compound statement's header and its block (tree-sitter hangs it on the statement).
    units.push(document.replace('def load', '# a note hung', '# a longer note hung').reusedUnit ?? 'whole');
    assert.deepEqual(units, ['function-statement', 'function-statement', 'comment', 'comment', 'comment', 'comment']);
    const after = sameAsFresh(engine, document, 'after the edits');
    assert.equal(after.length, before.length);
    document.dispose();
  });
});
