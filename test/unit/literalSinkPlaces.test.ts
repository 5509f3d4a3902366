/**
 * Partial parsing keeps a definition for a literal rule's sink words (MLS501: `token=`, `login`,
 * `os.environ`) only where a literal reaching the sink can be: in the same outermost definition,
 * or in a statement of the module that binds a name, or anywhere once `global` or `nonlocal` can
 * bind a name for another definition (perf/literalWords.ts, sinkMayMatter); and a sink word in
 * prose is no sink. These tests put the literal in each of those places and check that the
 * optimised engine finds what the unoptimised one finds, and that the other definitions are
 * left out.
 */
import * as assert from 'node:assert/strict';
import { resolveSelection } from '../../server/src/engine/config/selection';
import { applicableRules, buildIndex, partialFor } from '../../server/src/engine/pipeline/prefilter';
import { SourceText } from '../../server/src/engine/textScan';
import { ALL_RULES } from '../../server/src/rules/index';
import { analyzer } from '../support/engine';
import { assertKeptWhenOptimised } from '../support/keptFindings';
import { checkText } from '../support/differential';

const selection = resolveSelection(ALL_RULES, { select: ['MLS501'] });
const MLS501 = ALL_RULES.find((rule) => rule.code === 'MLS501')!;

/** Definitions no rule can fire in, long enough for partial parsing to leave them out. */
const FILLER = Array.from({ length: 40 }, (_, i) => `def helper_${i}(x):\n    y = x + ${i}\n    return y * 2\n`).join('\n');

/** A made-up secret (random-looking, no placeholder words, no provider's format). */
const SECRET = 'Qx7mW2pLk9VnR4tYs8HdJ3bFc6GzAe5N';

/** Where the literal of a sink can be, each with at least one finding of MLS501. */
const CASES: Record<string, string> = {
  'a constant bound by the module': `import wandb\nKEY = "${SECRET}"\n\ndef connect():\n    wandb.login(key=KEY)\n`,
  'a dict bound by the module, passed with **': `from transformers import AutoModel\nOPTIONS = {"token": "${SECRET}"}\n\ndef load():\n    return AutoModel.from_pretrained("m", **OPTIONS)\n`,
  'a constant bound by a module-level if': `import wandb\nif True:\n    KEY = "${SECRET}"\n\ndef connect():\n    wandb.login(key=KEY)\n`,
  'a constant bound through global in another function': `import wandb\n\ndef setup():\n    global KEY\n    KEY = "${SECRET}"\n\ndef connect():\n    wandb.login(key=KEY)\n`,
  'a constant of the enclosing function': `from huggingface_hub import login\n\ndef outer():\n    key = "${SECRET}"\n    def inner():\n        login(key)\n    return inner\n`,
  'a constant of the same class body': `from openai import OpenAI\n\nclass Service:\n    KEY = "${SECRET}"\n    client = OpenAI(api_key=KEY)\n`,
  'the environment set by subscript from a constant': `import os\n\ndef setup():\n    token = "${SECRET}"\n    os.environ[\n        "HF_TOKEN"\n    ] = token\n`,
  'the environment set by setdefault': `import os\n\ndef setup():\n    os.environ.setdefault("HF_TOKEN", "${SECRET}")\n`,
  'a quoted key given a name': `from transformers import AutoModel\n\ndef load():\n    secret = "${SECRET}"\n    options = {"token": secret}\n    return AutoModel.from_pretrained("m", **options)\n`,
  'a keyword given a constant on the next line': `from transformers import AutoModel\n\ndef load():\n    return AutoModel.from_pretrained(\n        "m",\n        token=\n        "${SECRET}",\n    )\n`,
  'an attribute assigned a constant after a continuation': `import openai\n\ndef setup():\n    openai.api_key = \\\n        "${SECRET}"\n`,
  'a keyword given a name bound after a non-constant binding': `from huggingface_hub import HfApi\n\ndef push(kwargs):\n    token = kwargs.pop("token", None)\n    if token is None:\n        token = "${SECRET}"\n    HfApi().upload_folder(folder_path=".", repo_id="a/b", token=token)\n`,
  'a literal with an escape given to a sink': `from openai import OpenAI\n\ndef client():\n    return OpenAI(model="gpt-4o", api_key="${SECRET.slice(0, 8)}\\x41${SECRET.slice(8)}")\n`,
  'a quoted key ending like a credential keyword': `from openai import OpenAI\n\ndef client():\n    return OpenAI(**{"openai_api_key": "${SECRET}"})\n`,
};

/** The text partial parsing keeps of `text` for MLS501 alone. */
function kept(text: string): string {
  const index = buildIndex([MLS501]);
  const source = new SourceText(text);
  const applicable = applicableRules(source, index);
  assert.ok(applicable, 'MLS501 can fire in the text');
  const partial = partialFor(source, applicable, index, 0);
  return partial ? partial.text : text;
}

describe('literal sinks: a sink word counts where a literal can reach it', () => {
  for (const [name, body] of Object.entries(CASES)) {
    it(`keeps ${name}, with partial parsing and in the editor`, async () => {
      const engine = await analyzer();
      const text = `${FILLER}\n${body}\n${FILLER}`;
      assertKeptWhenOptimised(engine, text, selection, 'MLS501');
      assert.deepEqual(checkText(engine, 'case.py', text, { edits: true, seed: 11 }).differences, [], 'the four-way differential');
    });
  }

  it('leaves out a definition whose sink no literal can reach', () => {
    const text = [
      'import wandb',
      'from huggingface_hub import login',
      'check_min_version("0.40.0.dev0")  # a literal, but bound to no name',
      '',
      'def push(args):',
      '    login(token=args.hub_token)',
      '    wandb.login(key=args.key)',
      '',
      'def parse():',
      '    return dict(help="The token to use to push", default="Rk3vT9wLm2Qp7Zs")',
      '',
      `def connect():`,
      `    login("${SECRET}")`,
      '',
    ].join('\n');
    const partial = kept(`${text}\n${FILLER}`);
    assert.ok(partial.includes(`login("${SECRET}")`), 'the definition with a secret at its sink is parsed');
    assert.ok(!partial.includes('args.hub_token'), 'a sink given no literal is left out');
    assert.ok(!partial.includes('The token to use'), 'a sink word in prose is no sink');
    // The sink's name written where no constant text is given to it is no sink either.
    const given = kept(
      [
        'import os',
        'from huggingface_hub import login',
        '',
        'def upload(api, folder, **kwargs):',
        '    token = kwargs.pop("token", None)',
        '    home = os.environ["HOME"] + "/Rk3vT9wLm2Qp7Zs"',
        '    cache = os.environ.get("HF_HOME", "Rk3vT9wLm2Qp7Zs")',
        '    api.upload_folder(folder_path=folder, repo_id="a/b1c2d3e4f5", token=token)',
        '    api.create_repo(repo_id="a/b1c2d3e4f5", token=',
        '        kwargs["token"])',
        '',
        'def client_for_tests():',
        '    return OpenAI(model="gpt-4.1-nano-2025", api_key="api_key", base_url="")',
        '',
        'def read_token(token):',
        '    return token or "Rk3vT9wLm2Qp7Zs"',
        '',
        FILLER,
      ].join('\n'),
    );
    assert.ok(!given.includes('kwargs.pop'), 'a keyword given a name bound to a call');
    assert.ok(!given.includes('return token or'), 'a parameter named like a sink');
    assert.ok(!given.includes('api_key="api_key"'), 'a sink given a literal that fails the value test');
    // Bound by the module, the literal can reach every sink.
    const bound = kept(`${text.replace('check_min_version("0.40.0.dev0")', `DEFAULT = "${SECRET}"`)}\n${FILLER}`);
    assert.ok(bound.includes('args.hub_token'));
  });
});
