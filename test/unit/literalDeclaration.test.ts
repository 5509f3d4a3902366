/**
 * MLS501 declares the literals it reports (RuleMatch.literals); the engine derives its prefilter
 * gate, partial parsing's words and hot positions, and edit reuse's (perf/literalWords.ts). These
 * tests put credentials wherever a literal can be and check that the optimised engine (prefilter,
 * partial parsing, edit reuse) finds what the unoptimised one finds; and that no rule writes a
 * speed field of its own any more.
 */
import * as assert from 'node:assert/strict';
import { resolveSelection } from '../../server/src/engine/config/selection';
import type { AnalysisOptions, AnalysisResult, Analyzer } from '../../server/src/engine/pipeline/analyzer';
import { holdsHotWord } from '../../server/src/engine/perf/partialParse';
import { buildIndex, hotWords } from '../../server/src/engine/pipeline/prefilter';
import { treeEdit } from '../../server/src/engine/perf/treeEdit';
import { literalRuns } from '../../server/src/engine/textScan';
import { ALL_RULES } from '../../server/src/rules/index';
import { analyzer } from '../support/engine';
import { assertKeptWhenOptimised } from '../support/keptFindings';

const selection = resolveSelection(ALL_RULES, { select: ['MLS501'] });
const MLS501 = ALL_RULES.find((rule) => rule.code === 'MLS501')!;

/** Definitions no rule can fire in, long enough for partial parsing to leave them out. */
const FILLER = Array.from({ length: 40 }, (_, i) => `def helper_${i}(x):\n    y = x + ${i}\n    return y * 2\n`).join('\n');

// Made-up credentials of each kind (random-looking, no placeholder words).
const HF = 'hf_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL';
const GITHUB = 'ghp_Z8UzDzV8fUkkibjL5DZPjN0MEQ7wjJJibaZU';
const SECRET = 'Qx7mW2pLk9VnR4tYs8HdJ3bFc6GzAe5N';

/** Places a credential can be written, each with at least one finding of MLS501. */
const CASES: Record<string, string> = {
  'a format in a multi-line string': `CONFIG = """\nhub:\n  token: ${HF}\n"""\n`,
  'a format in a multi-line string inside a function': `def config():\n    return """\n    token: ${HF}\n    """\n`,
  'a format in an f-string part': `def url(user):\n    return f"https://api.example.org/{user}?key=${GITHUB}"\n`,
  'a format in a default argument': `def connect(token="${HF}"):\n    return token\n`,
  'a format in a class attribute': `class Settings:\n    token = "${HF}"\n`,
  'a format in a method of a class': `class Client:\n    def headers(self):\n        return {"Authorization": "token ${GITHUB}"}\n`,
  'a format in a bytes literal': `def raw():\n    return b"${HF}"\n`,
  'a format in a concatenated literal': `def joined():\n    return ("prefix-" "${HF}")\n`,
  'a format in a lambda': `get = lambda: "${GITHUB}"\n`,
  'a secret given to a login function': `from huggingface_hub import login\n\ndef connect():\n    login("${SECRET}")\n`,
  'a secret through an alias of a login function': `from huggingface_hub import login as hub_login\n\ndef connect():\n    sign_in = hub_login\n    sign_in("${SECRET}")\n`,
  'a secret in a module constant used in a function': `import wandb\nKEY = "${SECRET}"\n\ndef connect():\n    wandb.login(key=KEY)\n`,
  'a secret constant followed by a string statement': `from huggingface_hub import login\nKEY = "${SECRET}"\n"""Rotate the key every year."""\n\ndef connect():\n    login(KEY)\n`,
  'a secret split over adjacent literals on several lines': `from huggingface_hub import login\n\ndef connect():\n    login(\n        "${SECRET.slice(0, 12)}"\n        "${SECRET.slice(12)}"\n    )\n`,
  'a secret with escapes': `from huggingface_hub import login\n\ndef connect():\n    login("${SECRET.slice(0, 8)}\\x41\\u0042${SECRET.slice(8)}")\n`,
  // As written it holds a line break (no credential has one); its value does not.
  'a secret continued on the next line': `from huggingface_hub import login\n\ndef connect():\n    login("${SECRET.slice(0, 16)}\\\n${SECRET.slice(16)}")\n`,
  'a secret to a credential keyword': `from openai import OpenAI\n\ndef client():\n    return OpenAI(api_key="${SECRET}")\n`,
  'a secret to a keyword ending in api_key': `from langchain_openai import ChatOpenAI\n\ndef llm():\n    return ChatOpenAI(openai_api_key="${SECRET}")\n`,
  'a secret as a key of a ** dict': `from transformers import AutoModel\n\ndef load():\n    return AutoModel.from_pretrained("m", **{"token": "${SECRET}"})\n`,
  'a secret in a class attribute given to a client': `from openai import OpenAI\n\nclass Service:\n    client = OpenAI(api_key="${SECRET}")\n`,
  'a secret assigned to an api_key attribute': `import openai\n\ndef setup():\n    openai.api_key = "${SECRET}"\n`,
  'a secret in the environment': `import os\n\ndef setup():\n    os.environ["HF_TOKEN"] = "${SECRET}"\n`,
  'a secret in the environment with setdefault': `import os\n\ndef setup():\n    os.environ.setdefault("OPENAI_API_KEY", "${SECRET}")\n`,
  'a secret in a default argument given to a sink': `from huggingface_hub import HfApi\n\ndef api(client=HfApi(token="${SECRET}")):\n    return client\n`,
};

function mls501(result: AnalysisResult): string[] {
  return result.findings.filter((f) => f.code === 'MLS501').map((f) => JSON.stringify(f));
}

function analyse(engine: Analyzer, text: string, options: AnalysisOptions): string[] {
  return mls501(engine.analyzePython(text, { selection, ...options }));
}

describe('literals: MLS501 declares the literals it reports', () => {
  it('no rule writes a gate, a trigger or partial-parsing words of its own', () => {
    const removed = ['mayFire', 'mayFireWords', 'partialParseWords', 'triggers', 'fileContext', 'findingsShowTriggers'];
    assert.ok(ALL_RULES.length > 30, `the registry has ${ALL_RULES.length} rules`);
    for (const rule of ALL_RULES) for (const field of removed) assert.ok(!(field in rule), `${rule.code} defines ${field}`);
    assert.ok(MLS501.literals?.formats?.length && MLS501.literals.sinks?.length, 'MLS501 declares its literals');
  });

  for (const [name, body] of Object.entries(CASES)) {
    it(`keeps ${name}, with the prefilter and partial parsing`, async () => {
      const engine = await analyzer();
      assertKeptWhenOptimised(engine, `${FILLER}\n${body}\n${FILLER}`, selection, 'MLS501');
    });
  }

  it('keeps a credential in a notebook cell', async () => {
    const engine = await analyzer();
    const cell = (source: string) => ({ cell_type: 'code', metadata: {}, outputs: [], execution_count: null, source });
    const notebook = JSON.stringify({
      cells: [
        cell(FILLER),
        cell('from huggingface_hub import login\n'),
        cell(`login("${SECRET}")\n`),
        cell(`token = "${HF}"\n`),
        cell(FILLER),
      ],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    });
    const reference = mls501(engine.analyzeNotebookJson(notebook, { selection, prefilter: false }));
    assert.equal(reference.length, 2);
    assert.deepEqual(mls501(engine.analyzeNotebookJson(notebook, { selection, minSkipped: 0 })), reference);
  });

  it('has a gate that says no without a credential-like literal where one can go', async () => {
    const engine = await analyzer();
    const no = [
      // Credential words, no literal that could be one.
      'def tokenize(token, key):\n    return token.split(key)\n',
      // A placeholder or a made-up key where a credential goes.
      'from huggingface_hub import login\nlogin(token="hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")\nlogin("YOUR_TOKEN")\n',
      // A literal that could be a credential, but no place where one goes.
      'def version():\n    return "a1b2c3d4e5f6g7h8"\n',
      // A credential's name in prose only (a keyword is code; a key of a `**` dict, quoted).
      'from transformers import AutoModel\n# pass token for private models\nREVISION = "a1b2c3d4e5f6g7h8"\n',
      // A format's mark in a short or made-up value.
      'PREFIX = "hf_"\nNAME = "sk-learn-compatible-estimator-wrapper-2024"\n',
      // A training script: credential-like literals, and the sinks given what cannot be constant text.
      'from huggingface_hub import create_repo\nSUB = "text_encoder_2"\ncreate_repo(name, token=args.hub_token)\nopts = dict(api_key=os.getenv("KEY"))\n',
      // A server's settings: annotations without a constant value, a walrus, a parameter without a default.
      'MODEL = "gpt-35-turbo-0613"\nclass Settings:\n    api_keys: Optional[List[str]] = None\n    api_key: str\n' +
        'def check(auth, api_key: str, *, key: "Key" = Depends(bearer)):\n    if (token := auth.credentials) not in keys:\n        return token\n',
    ];
    for (const text of no) assert.equal(engine.mayMatch(text, selection), false, text);
    assert.equal(engine.mayMatch(`x = "${HF}"\n`, selection), true);
    assert.equal(engine.mayMatch(`import os\nos.environ["HF_TOKEN"] = "${SECRET}"\n`, selection), true);
    // The same script with one sink given a name bound to a literal.
    const bound = 'from huggingface_hub import create_repo\nSUB = "text_encoder_2"\ncreate_repo(name, token=SUB)\n';
    assert.equal(engine.mayMatch(bound, selection), true);
    // A constant given by an annotated assignment to a sink's attribute is judged, and kept.
    const annotated = `import openai\nopenai.api_key: str = "${SECRET}"\n`;
    assert.equal(engine.mayMatch(annotated, selection), true);
    assert.deepEqual(
      engine.analyzePython(annotated, { selection }).findings.map((f) => f.code),
      ['MLS501'],
    );
  });

  it('makes a definition holding an accepted format, or a sink, hot for partial parsing and edit reuse', () => {
    const index = buildIndex([MLS501]);
    const hot = hotWords(index, index)!;
    assert.ok(hot, 'MLS501 can be partially parsed');
    const holds = (text: string) => holdsHotWord(text, 0, text.length, hot, new Set());
    assert.equal(holds(`def f():\n    return "${HF}"\n`), true);
    assert.equal(
      holds(`def f():\n    return "${HF.slice(0, 3)}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"\n`),
      false,
      'a placeholder is no credential',
    );
    assert.equal(holds(`def f():\n    return "${SECRET}"\n`), false, 'a value alone is found through its sink');
    assert.equal(holds(`def f(x):\n    login(x)\n`), true);
    assert.equal(holds(`def f(x):\n    return g(openai_api_key=x)\n`), true);
    assert.equal(holds(`def f(x):\n    os.environ["A"] = x\n`), true);
    assert.equal(holds(`def f(x):\n    return x.key\n`), false);
  });

  it('analyses again an edited function that now holds a credential', async () => {
    const engine = await analyzer();
    let text = `${FILLER}\ndef quiet():\n    return "placeholder"\n`;
    let result = engine.analyzePython(text, { selection, keepTree: true });
    assert.equal(mls501(result).length, 0);
    const start = text.indexOf('placeholder');
    const tree = result.tree!;
    tree.edit(treeEdit(text, start, start + 'placeholder'.length, HF));
    text = text.slice(0, start) + HF + text.slice(start + 'placeholder'.length);
    result = engine.analyzePython(text, { selection, keepTree: true, previousTree: tree, previous: result.memo });
    tree.delete();
    result.tree?.delete();
    assert.notEqual(result.reused, 'moved', 'the findings of a function holding a credential were moved');
    assert.deepEqual(mls501(result), analyse(engine, text, { prefilter: false }));
    assert.equal(mls501(result).length, 1);
  });

  it('reads adjacent literals as runs, split where a line break may end a statement', () => {
    const runs = [...literalRuns('A = "ab" "cd"\n"ef"\nB = (r"g\\h"  # comment\n  "ij")\n')];
    assert.deepEqual(
      runs.map((run) => run.map(({ body, raw, lineBreakBefore }) => [body, raw, lineBreakBefore])),
      [
        [
          ['ab', false, false],
          ['cd', false, false],
          ['ef', false, true],
        ],
        [['g\\h', true, false]],
        [['ij', false, false]],
      ],
    );
  });
});
