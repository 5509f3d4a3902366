/**
 * MLS202 declares the arguments whose constant text its findings are about
 * (RuleMatch.constantArguments); the engine derives from it which files pass the prefilter and
 * which calls make a definition worth parsing (perf/constantArguments.ts). These tests put a
 * repository id wherever one can reach a download call and check that the optimised engine finds
 * what the unoptimised one finds, and that calls no finding can be at are left out.
 */
import * as assert from 'node:assert/strict';
import { resolveSelection } from '../../server/src/engine/config/selection';
import type { AnalysisOptions, AnalysisResult, Analyzer } from '../../server/src/engine/pipeline/analyzer';
import { UNKNOWN_VALUE, annotatedValue, callMayPassConstant } from '../../server/src/engine/perf/constantArguments';
import type { CallWordRole } from '../../server/src/engine/perf/constantArguments';
import { partialFor, buildIndex, applicableRules } from '../../server/src/engine/pipeline/prefilter';
import { SourceText } from '../../server/src/engine/textScan';
import { ALL_RULES } from '../../server/src/rules/index';
import { analyzer } from '../support/engine';
import { assertKeptWhenOptimised } from '../support/keptFindings';
import { checkText } from '../support/differential';

const selection = resolveSelection(ALL_RULES, { select: ['MLS202'] });
const MLS202 = ALL_RULES.find((rule) => rule.code === 'MLS202')!;
const DECLARED = MLS202.constantArguments!;
const METHOD: CallWordRole = { method: true, callee: false };
const CALLEE: CallWordRole = { method: false, callee: true };

/** Definitions no rule can fire in, long enough for partial parsing to leave them out. */
const FILLER = Array.from({ length: 40 }, (_, i) => `def helper_${i}(x):\n    y = x + ${i}\n    return y * 2\n`).join('\n');

/** Places a repository id can reach a download from, each with at least one finding of MLS202. */
const CASES: Record<string, string> = {
  'a literal id': `from transformers import AutoModel\n\ndef load():\n    return AutoModel.from_pretrained("org/model")\n`,
  'an id by keyword, over several lines': `from transformers import AutoModel\n\ndef load():\n    return AutoModel.from_pretrained(\n        # the base model\n        pretrained_model_name_or_path="org/model",\n    )\n`,
  'a module constant': `from transformers import AutoModel\nMODEL_ID = "org/model"\n\ndef load():\n    return AutoModel.from_pretrained(MODEL_ID)\n`,
  'an annotated module constant': `from transformers import AutoModel\nMODEL_ID: str = "org/model"\n\ndef load():\n    return AutoModel.from_pretrained(MODEL_ID)\n`,
  'a chained assignment': `from transformers import AutoModel\nBASE = MODEL_ID = "org/model"\n\ndef load():\n    return AutoModel.from_pretrained(MODEL_ID)\n`,
  'a constant in the function, after a one-line if': `from transformers import AutoModel\n\ndef load(flag):\n    if flag: name = "org/model"\n    return AutoModel.from_pretrained(name)\n`,
  'a constant through another name': `from transformers import AutoModel\nMODEL_ID = "org/model"\n\ndef load():\n    chosen = MODEL_ID\n    return AutoModel.from_pretrained(chosen)\n`,
  'a parenthesised id': `from transformers import AutoModel\n\ndef load():\n    return AutoModel.from_pretrained(("org/model"))\n`,
  'a concatenated id': `from transformers import AutoModel\n\ndef load():\n    return AutoModel.from_pretrained("org/" "model")\n`,
  'an id in a ** dict': `from transformers import AutoModel\nOPTIONS = {"pretrained_model_name_or_path": "org/model"}\n\ndef load():\n    return AutoModel.from_pretrained(**OPTIONS)\n`,
  'the second positional argument (PEFT)': `from peft import PeftModel\n\ndef load(base):\n    return PeftModel.from_pretrained(base, "org/adapter")\n`,
  'an alias of a callee by import': `from datasets import load_dataset as ld\n\ndef data():\n    return ld("org/dataset")\n`,
  'an alias of a callee by assignment': `import huggingface_hub\n\ndef fetch():\n    get = huggingface_hub.hf_hub_download\n    return get("org/repo", "model.bin")\n`,
  'an alias of an imported callee': `from huggingface_hub import hf_hub_download\nget = hf_hub_download\n\ndef fetch():\n    return get("org/repo", "model.bin")\n`,
  'a bare call of an imported callee': `from datasets import load_dataset\n\ndef data():\n    return load_dataset("org/dataset")\n`,
  'an import inside the function': `def data():\n    from datasets import load_dataset\n    return load_dataset("org/dataset")\n`,
  'a pipeline model by keyword': `from transformers import pipeline\n\ndef classifier():\n    return pipeline("text-classification", model="org/model")\n`,
  'a dataset id next to a packaged builder': `from datasets import load_dataset\n\ndef data(local):\n    if local:\n        return load_dataset("imagefolder", data_dir="x")\n    return load_dataset("org/dataset")\n`,
  'a model named like a packaged builder': `from transformers import AutoModel\n\ndef load():\n    return AutoModel.from_pretrained("imagefolder")\n`,
  'a call with a comment holding a bracket': `from transformers import AutoModel\n\ndef load():\n    return AutoModel.from_pretrained(  # see (docs\n        "org/model")\n`,
  'a constant bound after a non-constant binding': `from transformers import AutoModel\n\ndef load(kwargs):\n    name = kwargs.pop("model", None)\n    if name is None:\n        name = "org/model"\n    return AutoModel.from_pretrained(name)\n`,
  'a constant in brackets through a name': `from transformers import AutoModel\nBASE = "org/model"\n\ndef load():\n    path = (\n        (BASE)\n    )\n    return AutoModel.from_pretrained((path))\n`,
  'a constant through names bound in a cycle': `from transformers import AutoModel\nA = "org/model"\nB = A\nA = B\n\ndef load():\n    return AutoModel.from_pretrained(B)\n`,
  'an id in an f-string without fields': `from transformers import AutoModel\n\ndef load():\n    return AutoModel.from_pretrained(f"org/model")\n`,
};

function mls202(result: AnalysisResult): string[] {
  return result.findings.filter((f) => f.code === 'MLS202').map((f) => JSON.stringify(f));
}

function analyse(engine: Analyzer, text: string, options: AnalysisOptions): string[] {
  return mls202(engine.analyzePython(text, { selection, ...options }));
}

/** The offset of the first occurrence of `word` in `text` at or after `marker`. */
function at(text: string, word: string, marker = ''): number {
  const offset = text.indexOf(word, text.indexOf(marker));
  assert.ok(offset >= 0, `${word} in ${text}`);
  return offset;
}

describe('constantArguments: MLS202 declares the arguments its findings are about', () => {
  for (const [name, body] of Object.entries(CASES)) {
    it(`keeps ${name}, with the prefilter and partial parsing`, async () => {
      const engine = await analyzer();
      const text = `${FILLER}\n${body}\n${FILLER}`;
      assertKeptWhenOptimised(engine, text, selection, 'MLS202');
      const check = checkText(engine, 'case.py', text, { edits: true, seed: 7 });
      assert.deepEqual(check.differences, [], 'the four-way differential');
    });
  }

  it('judges the declared arguments of a call written where the word is', () => {
    const yes = (text: string, word = 'from_pretrained', role = METHOD, marker = '') =>
      assert.equal(callMayPassConstant(text, at(text, word, marker), word.length, DECLARED, role), true, text);
    const no = (text: string, word = 'from_pretrained', role = METHOD, marker = '') =>
      assert.equal(callMayPassConstant(text, at(text, word, marker), word.length, DECLARED, role), false, text);
    yes('m = A.from_pretrained("org/m")');
    yes("m = A.from_pretrained(rb'org/m')");
    yes('ID = "x"\nm = A.from_pretrained(ID)');
    yes('m = A.from_pretrained(\n    ID,\n)\nID = "x"');
    yes('m = A.from_pretrained(*names)');
    yes('m = A.from_pretrained(x, **options)');
    yes('m = A.from_pretrained(base, "org/adapter")');
    yes('m = A.from_pretrained(model_id="org/m", torch_dtype=dtype)');
    yes('m = A.from_pretrained(args.x  # unclosed');
    yes('m = A.from_pretrained(f"{root}/x")', 'from_pretrained');
    no('m = A.from_pretrained(args.model_name, revision="main", torch_dtype=dtype)');
    no('m = A.from_pretrained(os.path.join(root, "x"))');
    no('m = A.from_pretrained(paths["x"])');
    no('m = A.from_pretrained()');
    // A parameter is no constant, nor is a name given only as a keyword argument elsewhere.
    no('def f(path):\n    g(path=path)\n    return A.from_pretrained(path)');
    // The id is not among the arguments the rule judges.
    no('m = A.from_pretrained(x, y, "third")');
    no('m = A.from_pretrained(args.m, subfolder="unet")');
    // A string holding brackets and commas does not split the arguments.
    no('m = A.from_pretrained(names[", )"], cache_dir="/tmp")');
    // A name counts only where a statement binds it to what can be constant text.
    no('name = kwargs.pop("model", None)\nm = A.from_pretrained(name)');
    no('name = args.model\nm = A.from_pretrained(name)');
    no('name = None\nm = A.from_pretrained(name)');
    no('a = b\nb = a\nm = A.from_pretrained(a)');
    yes('name = args.model\nif not name: name = "org/m"\nm = A.from_pretrained(name)');
    yes('a = b = "org/m"\nm = A.from_pretrained(a)');
    yes('b = "org/m"\na = b  # the default\nm = A.from_pretrained(a)');
    yes('a = b\nb = a\nb = "org/m"\nm = A.from_pretrained(a)');
    yes('name = (\n    "org/m"\n)\nm = A.from_pretrained(name)');
    yes('name = \\\n    other; x = 1\nother = "org/m"\nm = A.from_pretrained(name)');
    yes('name: str = load()\nm = A.from_pretrained(name)');
    // An f-string whose fields close is read past; one that may hold its own quotes counts.
    no('m = A.from_pretrained(args.m, cache_dir=f"{root}/{name}")');
    no('img.save(os.path.join(folder, f"image_{i}.png"))', 'save');
    yes('m = A.from_pretrained(f"{d["k"]}", "org/m")');
    // A name bound where the word is written, or a keyword's name: no call, no alias.
    no('pipeline = build(args)\nfrom transformers import pipeline', 'pipeline', CALLEE);
    no('run(pipeline=pipe)\nfrom transformers import pipeline', 'pipeline', CALLEE);
    yes('make = pipeline\nfrom transformers import pipeline', 'pipeline', CALLEE);
    // A comment or a string holds no call; an f-string's fields are code.
    no('# see A.from_pretrained("org/m")\nx = 1');
    no('doc = \'call A.from_pretrained("org/m") first\'');
    yes('s = f"{A.from_pretrained(\'org/m\')}"');
    // Brackets alone are what they hold.
    no('path = (\n    args.vae\n    if args.vae is not None\n    else args.model\n)\nm = A.from_pretrained(path)');
    no('m = A.from_pretrained((args.model))');
    no('path = (base) + "/x"\nm = A.from_pretrained(path)');
    yes('m = A.from_pretrained((  # the id )\n    "org/m"))');
    yes('path = ((NAME))\nNAME = "org/m"\nm = A.from_pretrained(path)');
    yes('path = (\n    "org/" "m"\n)\nm = A.from_pretrained(path)');
    // A constant the declared test refuses: a local file, a packaged builder of the datasets loaders.
    no('m = A.from_pretrained("./checkpoints/model.bin")');
    no('m = A.from_pretrained("model.safetensors", cache_dir=d)');
    no('from datasets import load_dataset\nd = load_dataset("imagefolder", data_files=files)', 'load_dataset', CALLEE, 'd =');
    yes('from datasets import load_dataset\nd = load_dataset("org/data")', 'load_dataset', CALLEE, 'd =');
    yes('m = A.from_pretrained("imagefolder")');
    // Definitions bind the name; they are no calls.
    no('def from_pretrained(cls, *args, **kwargs):\n    pass');
    no('class pipeline(Base):\n    pass', 'pipeline', CALLEE);
  });

  it('counts the names a callee can be called by, and nothing else that is not a call', () => {
    const check = (text: string, word: string, role: CallWordRole, marker = '') =>
      callMayPassConstant(text, at(text, word, marker), word.length, DECLARED, role);
    assert.equal(check('get = huggingface_hub.hf_hub_download', 'hf_hub_download', CALLEE), true);
    assert.equal(check('from datasets import load_dataset as ld', 'load_dataset', CALLEE), true);
    assert.equal(check('from datasets import load_dataset', 'load_dataset', CALLEE), false, 'its bare calls are judged');
    assert.equal(check('from datasets import load_dataset\nf = load_dataset', 'load_dataset', CALLEE, 'f ='), true);
    assert.equal(check('pipeline = Pipe.from_pretrained(x)\ndel pipeline', 'pipeline', CALLEE, 'del'), false);
    assert.equal(check('images = pipeline("a cat").images', 'pipeline', CALLEE), false, 'a variable called like the function');
    assert.equal(check('from transformers import pipeline\nimages = pipeline("text-to-image")', 'pipeline', CALLEE, 'images'), true);
    assert.equal(
      check('from transformers import pipeline\nimages = pipeline("a cat")', 'pipeline', CALLEE, 'images'),
      false,
      'no repository id',
    );
    assert.equal(check('loader = model.from_pretrained', 'from_pretrained', METHOD), false, 'a method is matched where it is called');
  });

  it('keeps the statements that save to a directory, and leaves out those saving elsewhere', async () => {
    const engine = await analyzer();
    const cases = [
      // The id names a directory another function saves to: no finding, in every analysis.
      `def train(model):\n    model.save_pretrained("finetuned")\n`,
      `OUT = "finetuned"\n\ndef train(Trainer, TrainingArguments):\n    return Trainer(args=TrainingArguments(output_dir=OUT))\n`,
      `def train(Trainer, TrainingArguments):\n    args = TrainingArguments(\n        output_dir="finetuned",  # where checkpoints go\n    )\n    return Trainer(args=args)\n`,
    ];
    for (const saving of cases) {
      const text = `from transformers import AutoModel\n${FILLER}\n${saving}\n${FILLER}\ndef load():\n    return AutoModel.from_pretrained("finetuned"), AutoModel.from_pretrained("org/other")\n`;
      const reference = analyse(engine, text, { prefilter: false });
      assert.equal(reference.length, 1, `one finding (org/other) in\n${saving}`);
      const partial = engine.analyzePython(text, { selection, minSkipped: 0 });
      assert.ok((partial.skippedUnits ?? 0) > 0, 'partial parsing left nothing out');
      assert.deepEqual(mls202(partial), reference, saving);
    }
    // Saving to a directory given on the command line is no constant: that function is left out.
    const elsewhere = `from transformers import AutoModel\n\ndef train(model, args):\n    model.save_pretrained(args.output_dir)\n    return dict(output_dir=args.output_dir)\n\n${FILLER}\n${CASES['a literal id']}`;
    const index = buildIndex([MLS202]);
    const source = new SourceText(elsewhere);
    const partial = partialFor(source, applicableRules(source, index)!, index, 0)!;
    assert.ok(!partial.text.includes('save_pretrained(args.output_dir)'), 'a save to a computed directory is left out');
  });

  it('leaves out the files and definitions where no call can pass a constant id', async () => {
    const engine = await analyzer();
    const training = `from transformers import AutoModel\n\ndef main(args):\n    model = AutoModel.from_pretrained(args.model_name_or_path, revision=args.revision)\n    return model\n`;
    assert.equal(engine.mayMatch(training, selection), false, 'no call can hold a finding');
    assert.equal(engine.mayMatch(training.replace('args.model_name_or_path', '"org/model"'), selection), true);
    const text = `${training}\n${FILLER}\n${CASES['a literal id']}`;
    const index = buildIndex([MLS202]);
    const source = new SourceText(text);
    const applicable = applicableRules(source, index)!;
    const partial = partialFor(source, applicable, index, 0)!;
    assert.ok(partial, 'partial parsing applies');
    assert.ok(partial.text.includes('def load'), 'the definition with a constant id is parsed');
    assert.ok(!partial.text.includes('args.model_name_or_path'), 'the definition without one is left out');
  });

  it('finds the value an annotation is followed by, and none where the annotation ends', () => {
    const value = (text: string) => {
      const at = annotatedValue(text, text.indexOf(':') + 1);
      return at < 0 ? at : text.slice(at + 1).trim();
    };
    assert.equal(value('api_key: str = "k"\n'), '"k"');
    assert.equal(value('key: Annotated[int, Field(default=3)] = 4\n'), '4');
    assert.equal(value('key: Literal["a=b", \'x\'] = "a"'), '"a"');
    assert.equal(value('key: "Key" = None  # a comment = no'), 'None  # a comment = no');
    for (const none of [
      'api_key: str\nx = 1\n',
      'def f(token: str, x=1):',
      'lambda token: token == 1\n',
      'd[token:] = 1',
      'f(x, key: int)',
    ])
      assert.equal(value(none), -1, none);
    assert.equal(annotatedValue('k: f"{a["b"]}" = 1', 2), UNKNOWN_VALUE, 'an f-string whose fields may hold quotes');
  });
});
