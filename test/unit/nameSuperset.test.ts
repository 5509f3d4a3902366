/**
 * Partial parsing reads names from the text (perf/partialParse.ts: reachingNames, aliasNames,
 * receiverCanReach) to decide which definitions no rule can fire in; the semantic model is the
 * one that answers what a name refers to. The text front must keep a superset of what the model
 * resolves: every call the model resolves to a rule's callee (or names with a rule's method) must
 * lie in text the partial parse keeps, or a finding would be lost (ARCHITECTURE.md, invariants).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildIndex, hotWords } from '../../server/src/engine/pipeline/prefilter';
import { analysisText } from '../../server/src/engine/text';
import { ALL_RULES } from '../../server/src/rules/index';
import { wordsOf } from '../../server/src/engine/perf/ruleWords';
import { analyzer } from '../support/engine';
import { checkNameFront, passesConstantArgument } from '../support/nameFront';
import type { Node } from '../../server/src/engine/parser';
import type { ConstantArguments, TextArguments } from '../../server/src/engine/rule';
import { givesTextArgument } from '../../server/src/engine/perf/declarationCheck';
import type { SemanticModel } from '../../server/src/engine/semantic';
import { CORPUS, FIXTURES, REPO_ROOT, filesUnder } from '../support/paths';

describe('name resolution: the text front keeps what the semantic model resolves', () => {
  it('keeps every call the model resolves to a rule’s callee or method, on every fixture and corpus file', async () => {
    const engine = await analyzer();
    // Data-flow rules make a file they can fire in parsed whole (RuleMatch.flows): the others are.
    const full = buildIndex(ALL_RULES.filter((rule) => !wordsOf(rule).dataFlow));
    const hot = hotWords(full, full);
    assert.ok(hot, 'the rule set can be partially parsed');
    // Rules that declare their own partial-parse words (or show their triggers in findings) are
    // kept by those words instead; the name front serves the rules known by their callees.
    const byName = ALL_RULES.filter((rule) => {
      const derived = wordsOf(rule);
      return !derived.partialParseWords && !derived.findingsShowTriggers;
    });
    const callees = new Set(byName.flatMap((rule) => rule.callees ?? []));
    const methods = new Set(byName.flatMap((rule) => rule.methods ?? []));
    // A callee or method whose every rule judges constant arguments is wanted only where the
    // call passes some: elsewhere it has no finding, and the statement holding it can be left out.
    // One whose rules declare text arguments, only where the call gives one not as string literals
    // (or is written with another name: an alias).
    type Judged = { constant: ConstantArguments } | { text: TextArguments };
    const judged = new Map<string, Judged[] | null>();
    for (const rule of byName)
      for (const word of [...(rule.callees ?? []), ...(rule.methods ?? [])]) {
        const known = judged.get(word);
        const declared: Judged | undefined = rule.constantArguments
          ? { constant: rule.constantArguments }
          : rule.textArguments
            ? { text: rule.textArguments }
            : undefined;
        judged.set(word, known === null || !declared ? null : [...(known ?? []), declared]);
      }
    const passes = (word: string, call: Node, model: SemanticModel) => {
      const declared = judged.get(word);
      const last = word.slice(word.lastIndexOf('.') + 1);
      const fn = call.childForFieldName('function');
      const written = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : fn?.text;
      return (
        !declared ||
        declared.some((d) =>
          'constant' in d ? passesConstantArgument(call, d.constant, model, last) : written !== last || givesTextArgument(call, d.text),
        )
      );
    };
    const files = [
      ...filesUnder(FIXTURES, ['.py']),
      ...filesUnder(CORPUS, ['.py']),
      ...filesUnder(path.join(REPO_ROOT, 'examples'), ['.py']),
    ];
    assert.ok(files.length >= 20, `expected the fixtures and the corpus, found ${files.length} files`);
    let resolved = 0;
    let planned = 0;
    for (const file of files) {
      const text = analysisText(fs.readFileSync(file, 'utf8'));
      const check = checkNameFront(
        engine,
        text,
        hot!,
        (name, method, call, model) =>
          (name !== undefined && callees.has(name) && passes(name, call, model)) ||
          (method !== undefined && methods.has(method) && passes(method, call, model)),
      );
      if (!check.planned) continue;
      planned++;
      resolved += check.resolved;
      for (const { line, name } of check.lost)
        assert.fail(`${path.relative(REPO_ROOT, file)}:${line}: ${name} is left out by partial parsing`);
    }
    assert.ok(planned >= 10, `partial parsing planned ${planned} files`);
    assert.ok(resolved >= 100, `checked ${resolved} resolved calls`);
  });
});
