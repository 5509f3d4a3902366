/**
 * The parser under hostile input (issue 13): a file that exhausts the parser's memory must not
 * fail the files after it, memory per file is bounded, and what was not analysed says why.
 */
import * as assert from 'node:assert/strict';
import { Analyzer } from '../../server/src/engine/pipeline/analyzer';
import { bracketDepth, MAX_BRACKET_DEPTH } from '../../server/src/engine/pipeline/parseLimits';
import { ParseLimitError, PythonParser } from '../../server/src/engine/parser';
import { SourceText } from '../../server/src/engine/textScan';
import { ALL_RULES } from '../../server/src/rules/index';

const SMALL = 'import torch\nmodel = torch.load(path)\n';
/** About 1.7 million nodes: far more than 48 MiB of parser memory can hold. */
const LARGE = 'import torch\ntorch.load(p)\n' + 'x = [1, 2]\n'.repeat(250_000);

describe('parser limits and recovery', function () {
  this.timeout(60_000);

  it('replaces a runtime that ran out of memory, and later files are analysed as before', async () => {
    const parser = await PythonParser.create({ maxMemoryBytes: 48 * 1048576, parseBudgetBytes: Infinity, maxTreeNodes: Infinity });
    const analyzer = await Analyzer.create(ALL_RULES, parser);
    const before = analyzer.analyzePython(SMALL).findings.map((f) => f.code);
    assert.deepEqual(before, ['MLS102']);
    assert.throws(
      () => analyzer.analyzePython(LARGE),
      (error: unknown) => error instanceof ParseLimitError && /ran out of its 48 MiB/.test(error.message),
    );
    assert.equal(parser.usable, false, 'the aborted runtime is known to be dead');
    assert.throws(() => parser.parse(SMALL), /restarted/);
    const generation = parser.generation;
    await parser.ready();
    assert.equal(parser.usable, true);
    assert.equal(parser.generation, generation + 1);
    assert.equal(parser.replacements, 1);
    assert.deepEqual(
      analyzer.analyzePython(SMALL).findings.map((f) => f.code),
      before,
    );
  });

  it('cancels a parse that passes the budget, without losing the runtime', async () => {
    const parser = await PythonParser.create({ parseBudgetBytes: 40 * 1048576, maxTreeNodes: Infinity });
    assert.throws(
      () => parser.parse(LARGE),
      (error: unknown) => error instanceof ParseLimitError && /more than 40 MiB/.test(error.message),
    );
    assert.equal(parser.usable, true, 'a cancelled parse leaves the runtime working');
    // The parser starts afresh: the cancelled parse is not resumed with this text.
    const tree = parser.parse(SMALL);
    assert.equal(tree.rootNode.text, SMALL);
    assert.ok(!tree.rootNode.hasError);
    parser.release(tree);
  });

  it('gives the grown memory back by loading a fresh runtime, and does not reuse its trees', async () => {
    const parser = await PythonParser.create({ recycleBytes: 40 * 1048576, parseBudgetBytes: Infinity, maxTreeNodes: Infinity });
    const kept = parser.parse(SMALL);
    parser.release(parser.parse(LARGE));
    assert.ok(parser.memoryBytes > 40 * 1048576, `memory after a large parse: ${parser.memoryBytes}`);
    assert.equal(parser.needsReplacing, true);
    await parser.ready();
    assert.ok(parser.memoryBytes < 40 * 1048576, `memory of the new runtime: ${parser.memoryBytes}`);
    assert.equal(parser.owns(kept), false);
    // A tree of the old runtime given as `previous` is not used (it would point into other memory).
    const again = parser.parse(SMALL, kept);
    assert.equal(again.rootNode.text, SMALL);
    parser.release(again);
  });

  it('refuses trees with more nodes than the limit', async () => {
    const parser = await PythonParser.create({ maxTreeNodes: 5_000 });
    assert.throws(() => parser.parse('x = 1\n'.repeat(2_000)), /10001 nodes, over the limit of 5000/);
    assert.equal(parser.parse('x = 1\n'.repeat(100)).rootNode.childCount, 100);
  });

  it('measures bracket nesting in code only', () => {
    assert.equal(bracketDepth(new SourceText('f(a[b{1: (2)}])\n')), 4);
    assert.equal(bracketDepth(new SourceText('x = "((((((" # ((((((\ny = (1)\n')), 1);
    // Closing brackets in a string cannot hide real opening ones.
    assert.equal(bracketDepth(new SourceText('f(")", g(")", h(")", 1)))\n')), 3);
  });

  it('does not parse code nested deeper than Python accepts, and says so', async () => {
    const analyzer = await Analyzer.create(ALL_RULES);
    const deep = 'import torch\ntorch.load(' + '['.repeat(MAX_BRACKET_DEPTH + 50) + ']'.repeat(MAX_BRACKET_DEPTH + 50) + ')\n';
    assert.throws(() => analyzer.analyzePython(deep), /nested 251 deep; Python itself refuses more than 200/);
    const fine = 'import torch\ntorch.load(' + '['.repeat(MAX_BRACKET_DEPTH - 1) + ']'.repeat(MAX_BRACKET_DEPTH - 1) + ')\n';
    assert.deepEqual(
      analyzer.analyzePython(fine).findings.map((f) => f.code),
      ['MLS102'],
    );
  });
});
