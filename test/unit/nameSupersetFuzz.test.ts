/**
 * The text front of partial parsing (perf/partialParse.ts) must keep every call the semantic model
 * resolves to a rule's callee (ARCHITECTURE.md, invariants). nameSuperset.test.ts checks this on
 * the fixtures and the corpus; this test checks it on generated programs that reach the callees
 * through every way Python binds a name: aliased, dotted and star imports, imports inside
 * functions, classes, `try` and `if` blocks, module variables (chained, reassigned, shadowed,
 * annotated, conditional), `global`, `nonlocal`, walrus, tuple and `for` targets, default values,
 * class attributes, nested and async functions, `with`, decorators, lambdas. Names are drawn
 * from a small pool so that the same name is bound to different things in different scopes.
 */
import * as assert from 'node:assert/strict';
import { buildIndex, hotWords } from '../../server/src/engine/pipeline/prefilter';
import { wordsOf } from '../../server/src/engine/perf/ruleWords';
import { ALL_RULES } from '../../server/src/rules/index';
import { analyzer } from '../support/engine';
import { checkNameFront } from '../support/nameFront';
import { random } from '../support/differential';

/** Callees of rules the name front serves (known by their callees alone). */
const TARGETS = [
  ['torch', 'load'],
  ['pickle', 'loads'],
  ['joblib', 'load'],
  ['numpy', 'load'],
  ['yaml', 'unsafe_load'],
  ['os', 'system'],
  ['subprocess', 'check_output'],
  ['pandas', 'read_pickle'],
] as const;
const NAMES = ['f', 'g', 'load', 'run', 'T', 'mod', 'helper', 'L', 'system', 'eval', 'loads', 'np'];

type Next = () => number;
const pick = <T>(next: Next, list: readonly T[]): T => list[Math.floor(next() * list.length)];

/** One program: several bindings of callees and their calls, at random places, plus filler functions. */
function program(next: Next): string {
  const top: string[] = [];
  const defs: string[] = [];
  let n = 0;
  const fresh = () => `fn_${n++}`;
  const count = 3 + Math.floor(next() * 5);
  for (let i = 0; i < count; i++) {
    const [module, attr] = pick(next, TARGETS);
    const a = pick(next, NAMES);
    const b = pick(next, NAMES);
    const kind = Math.floor(next() * 24);
    switch (kind) {
      case 0:
        top.push(`import ${module}`);
        defs.push(`def ${fresh()}(x):\n    return ${module}.${attr}(x)`);
        break;
      case 1:
        top.push(`import ${module} as ${a}`);
        defs.push(`def ${fresh()}(x):\n    y = x\n    return ${a}.${attr}(\n        y,\n    )`);
        break;
      case 2:
        top.push(`from ${module} import ${attr} as ${a}`);
        defs.push(`def ${fresh()}(x):\n    return ${a}(x)`);
        break;
      case 3:
        top.push(`import ${module}`, `${a} = ${module}`, `${b} = ${a}`);
        defs.push(`def ${fresh()}(x):\n    return ${b}.${attr}(x)`);
        break;
      case 4:
        top.push(`import ${module}`, `${a} = ${module}.${attr}`);
        defs.push(`def ${fresh()}(x):\n    return ${a}(x)`);
        break;
      case 5:
        defs.push(`def ${fresh()}(x):\n    import ${module} as ${a}\n    return ${a}.${attr}(x)`);
        break;
      case 6:
        top.push(`try:\n    from ${module} import ${attr} as ${a}\nexcept ImportError:\n    ${a} = None`);
        defs.push(`def ${fresh()}(x):\n    if ${a} is not None:\n        return ${a}(x)`);
        break;
      case 7:
        top.push(`import ${module}`, `${a} = None`);
        defs.push(`def ${fresh()}():\n    global ${a}\n    ${a} = ${module}.${attr}`);
        defs.push(`def ${fresh()}(x):\n    return ${a}(x)`);
        break;
      case 8:
        top.push(`import ${module}`);
        defs.push(`def ${fresh()}(x):\n    if (${a} := ${module}.${attr}):\n        return ${a}(x)`);
        break;
      case 9:
        top.push(`import ${module}`, `${a}, ${b === a ? a + '2' : b} = ${module}.${attr}, 1`);
        defs.push(`def ${fresh()}(x):\n    return ${a}(x)`);
        break;
      case 10:
        top.push(`import ${module}`);
        defs.push(`def ${fresh()}(x, ${a}=${module}.${attr}):\n    return ${a}(x)`);
        break;
      case 11:
        top.push(`import ${module}`);
        defs.push(`class C${n++}:\n    ${a} = ${module}\n\n    def method(self, x):\n        return self.${a}.${attr}(x)`);
        break;
      case 12:
        top.push(`import ${module} as ${a}`);
        defs.push(`def ${fresh()}(x):\n    def inner(y):\n        return ${a}.${attr}(y)\n    return inner(x)`);
        break;
      case 13:
        top.push(`import ${module}`);
        defs.push(`@decorate\ndef ${fresh()}(x):\n    return (lambda v: ${module}.${attr}(v))(x)`);
        break;
      case 14:
        // Shadowed: a local of the same name; the module-level alias still reaches other functions.
        top.push(`from ${module} import ${attr} as ${a}`);
        defs.push(`def ${fresh()}(x):\n    ${a} = print\n    return ${a}(x)`);
        defs.push(`def ${fresh()}(x):\n    return ${a}(x)`);
        break;
      case 16:
        top.push(`from ${module} import *`);
        defs.push(`def ${fresh()}(x):\n    return ${attr}(x)`);
        break;
      case 17:
        top.push(`import ${module}`);
        defs.push(
          `def ${fresh()}(x):\n    ${a} = None\n    def inner():\n        nonlocal ${a}\n        ${a} = ${module}.${attr}\n    inner()\n    return ${a}(x)`,
        );
        break;
      case 18:
        top.push(`import ${module}`, `${a}: object = ${module}.${attr}`);
        defs.push(`def ${fresh()}(x):\n    return ${a}(x)`);
        break;
      case 19:
        top.push(`import ${module}`, `import pickle`, `${a} = ${module}.${attr} if FLAG else pickle.loads`);
        defs.push(`def ${fresh()}(x):\n    return ${a}(x)`);
        break;
      case 20:
        defs.push(`class K${n++}:\n    import ${module} as ${a}\n\n    def method(self, x):\n        return self.${a}.${attr}(x)`);
        break;
      case 21:
        top.push(`import ${module}`);
        defs.push(`def ${fresh()}(xs):\n    for ${a} in [${module}.${attr}]:\n        return ${a}(xs)`);
        break;
      case 22:
        top.push(`import ${module} as ${a}`);
        defs.push(`async def ${fresh()}(x):\n    async with lock:\n        return await run_in(${a}.${attr}, x)`);
        defs.push(`def ${fresh()}(x):\n    with open(x) as fh:\n        return ${a}.${attr}(fh)`);
        break;
      case 23:
        top.push(`if TYPE_CHECKING:\n    pass\nelse:\n    import ${module} as ${a}`);
        defs.push(`def ${fresh()}(x):\n    return ${a}.${attr}(x)`);
        break;
      default:
        top.push(`import ${module}.${attr === 'load' ? 'serialization' : 'util'}`);
        defs.push(`def ${fresh()}(x):\n    return ${module}.${attr}(x)`);
    }
    // Filler the partial parse can leave out.
    if (next() < 0.7)
      defs.push(`def ${fresh()}(items):\n    total = 0\n    for item in items:\n        total += len(item)\n    return total`);
    // A later rebinding at module level, after the functions that read the name were defined.
    if (next() < 0.2) defs.push(`${a} = len`);
  }
  const order = defs.map((d) => [next(), d] as const).sort((p, q) => p[0] - q[0]);
  return [...top, '', ...order.map(([, d]) => d + '\n')].join('\n') + '\n';
}

describe('name resolution: the text front keeps what the semantic model resolves (generated programs)', () => {
  it('keeps every resolved callee call in 400 generated programs', async () => {
    const engine = await analyzer();
    const full = buildIndex(ALL_RULES.filter((rule) => !wordsOf(rule).dataFlow));
    const hot = hotWords(full, full);
    assert.ok(hot, 'the rule set can be partially parsed');
    const callees = new Set(ALL_RULES.flatMap((rule) => rule.callees ?? []));
    for (const [module, attr] of TARGETS) assert.ok(callees.has(`${module}.${attr}`), `${module}.${attr} is a rule's callee`);
    const next = random(Number(process.env.MLSEC_FUZZ_SEED ?? 20261206));
    let resolved = 0;
    let planned = 0;
    for (let round = 0; round < 400; round++) {
      const text = program(next);
      const check = checkNameFront(engine, text, hot!, (name) => name !== undefined && callees.has(name));
      if (!check.planned) continue;
      planned++;
      resolved += check.resolved;
      for (const { line, name } of check.lost)
        assert.fail(`round ${round}, line ${line}: ${name} is left out by partial parsing in\n${text}`);
    }
    assert.ok(planned >= 300, `partial parsing planned ${planned} of 400 programs`);
    assert.ok(resolved >= 1000, `checked ${resolved} resolved calls`);
  });
});
