/**
 * What a rule is: metadata (data) plus a small matcher. Rules are registered in one place,
 * `server/src/rules/index.ts`; everything else (CLI, server, docs, SARIF, tests) reads them there.
 */
import type { Node } from './parser';
import type { CallSite } from './callSite';
import type { ConstValue, SemanticModel } from './semantic';
import type { Span } from './text';
import type { ThreatId } from '../../../common/src/protocol';
import type { FlowSinkKind, FlowSourceKind } from './dataflow/words';

export type Severity = 'error' | 'warning' | 'info';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/**
 * The threats of ML systems a rule counters; the checklist groups findings by them. The ids and
 * their titles are defined once, in the catalogue shared with the client.
 */
export type Threat = ThreatId;

export interface RuleReference {
  title: string;
  url: string;
}

export interface RuleMeta {
  /** `MLS###`. */
  code: string;
  /** kebab-case, usable in suppressions and configuration instead of the code. */
  name: string;
  title: string;
  severity: Severity;
  cwe: number[];
  threats: Threat[];
  /** OWASP Machine Learning Security Top 10 entry, e.g. `ML06:2023 AI Supply Chain Attacks`. */
  owasp?: string;
  /** MITRE ATLAS technique, e.g. `AML.T0010 ML Supply Chain Compromise`. */
  atlas?: string;
  /** Why the pattern is dangerous, one paragraph. */
  rationale: string;
  /** How to fix it, one or two sentences. */
  remediation: string;
  references?: RuleReference[];
}

export interface TextEdit extends Span {
  newText: string;
  /** For notebooks: the cell the offsets are relative to. */
  cell?: number;
}

export interface Fix {
  title: string;
  /** A safe fix cannot change what the program does beyond removing the risk. */
  safe: boolean;
  edits: TextEdit[];
}

export interface RelatedLocation {
  span: Span;
  message: string;
}

export interface Report {
  /** The node to underline; `span` wins when both are given. */
  node?: Node;
  span?: Span;
  message: string;
  /** Overrides the rule's default severity for this occurrence (e.g. an explicit `False`). */
  severity?: Severity;
  fixes?: Fix[];
  related?: RelatedLocation[];
}

/** What the project's manifests and locks say about an installed package's version. */
export interface PackageVersion {
  /** The exact version, when a lock or an `==` pin names one. */
  pinned?: string;
  /** Otherwise the lower bound a range proves (`torch>=2.6`). */
  minimum?: string;
  /** Where it is written, as `file:line` relative to the project folder (`requirements.txt:3`). */
  where: string;
}

/** The versions of the project a file belongs to (nearest manifest or lock above it), looked up lazily. */
export interface ProjectVersions {
  get(name: string): PackageVersion | undefined;
}

export interface RuleContext {
  readonly model: SemanticModel;
  /** The project's resolved versions, when the front end knows where the file is. */
  readonly versions?: ProjectVersions;
  /**
   * The file's text as written (the whole file, also when definitions no rule can fire in were
   * left out of the parse: those then have no nodes in the tree). Offsets are the tree's.
   */
  readonly text: string;
  report(report: Report): void;
  /** Constant value of an expression (see SemanticModel.constantValue). */
  constant(node: Node | null | undefined): ConstValue | undefined;
  /** A related location pointing at where a constant was defined, when it came through a name. */
  definedHere(value: ConstValue | undefined, what: string): RelatedLocation[] | undefined;
  /**
   * For a rule declaring `literals` sinks: the calls of the file one of them can be, in document
   * order, for the rule to judge (a call of a sink's callee, also through an alias; a call with a
   * keyword argument a sink names or a `**` argument; a call setting the environment). Found by
   * the engine (pipeline/literalSinks.ts); empty for a rule declaring no sinks.
   */
  literalSinkCalls(): readonly CallSite[];
  /**
   * For a rule declaring `literals` sinks: the assignments one of them can be (to an attribute
   * with a sink's name, `openai.api_key = ...`; for an environment sink, `environ[...] = ...`),
   * in document order, for the rule to judge (pipeline/literalSinks.ts).
   */
  literalSinkAssignments(): readonly Node[];
  /**
   * The calls of the file passing one of `keywords` by name, or a `**` argument (which may hide
   * any of them), in the order a walk of the tree meets them (pipeline/argumentCalls.ts).
   */
  callsWithKeywords(keywords: readonly string[]): readonly Node[];
  /**
   * The calls of the file whose argument list's text holds `word` anywhere (a keyword, a string,
   * a nested call's arguments), in the order a walk of the tree meets them (pipeline/argumentCalls.ts).
   */
  callsMentioning(word: string): readonly Node[];
}

/**
 * What a rule matches, in Python's terms. The engine derives from it which files and which
 * definitions must be parsed for the rule (engine/perf/ruleWords.ts); a rule declaring none of it
 * beyond `onFile` is run on every file, parsed whole. Each declaration must hold for every
 * finding of the rule, since a file or definition without what it names is not looked at.
 */
export interface RuleMatch {
  /**
   * Calls this rule is interested in. `callees` are fully qualified names (`torch.load`);
   * `methods` are last attribute names matched on any receiver (`from_pretrained`). A rule with
   * neither receives every call in `onCall`.
   */
  callees?: string[];
  methods?: string[];
  /**
   * Keyword arguments or settings the findings are written with (`verify` of `verify=False`,
   * `"verify": False` or `session.verify = False`; `trust_remote_code`). With `names`, `strings`
   * and `values`: a file holding none of them has no finding of the rule.
   */
  keywords?: readonly string[];
  /** Identifiers the findings are written with (`CERT_NONE`, `ServerApp`, `HTTPServer`), see `keywords`. */
  names?: readonly string[];
  /** Text the findings are written with: string contents (`http://`, `0.0.0.0`, `hf_`), see `keywords`. */
  strings?: readonly string[];
  /**
   * True when every finding is written with one of `strings` outside a comment (in a string
   * literal, an f-string included): a file holding them only in comments (a licence header's
   * `http://`) has no finding of the rule.
   */
  stringsNotInComments?: boolean;
  /**
   * String values the findings are written with (a host `0.0.0.0`, a program `bash`), see
   * `keywords`: a string literal of the file has one as its value, compared without case, or is
   * a path ending in one (`"/bin/bash"`). Unlike `strings`, a value is looked for in the literals
   * only, whole; being compared without case it is no trigger, so a rule declaring values is
   * looked for by its callees and methods too (a file rule declaring them runs on every file).
   * Not used by partial parsing.
   */
  values?: readonly string[];
  /**
   * True when every finding is written with one of `keywords` and `names`, in the reported
   * statement itself or in the assignment of a name it uses: a call of one of the rule's
   * functions without them is not a finding (`launch()` without `share=`). A keyword is then
   * written where a value goes by its name (`verify=`, `.verify`, `"verify"`) and a name whole
   * (`CERT_NONE`, or quoted): a file or definition without one is not parsed for the rule.
   */
  wordsInEveryFinding?: boolean;
  /**
   * The arguments of the rule's calls whose constant text the findings are about (a repository
   * id, by position or by keyword name): every finding is at a call of the rule's callees or
   * methods where one of them has a constant string value, a literal or a name assigned one. A
   * call passing none of them so (an attribute `args.model`, a call, a parameter never assigned)
   * has no finding. The engine derives which files and definitions can hold a finding from it
   * (perf/constantArguments.ts).
   */
  constantArguments?: ConstantArguments;
  /**
   * The arguments holding the text a call of the rule's runs or interprets (the code of `eval`, a
   * shell's command line), by position and by keyword name: every finding is at a call of the
   * rule's callees or methods that gives one of them written otherwise than as string literals
   * (a name, an f-string, an expression), or that passes `*` or `**` arguments. A call giving them
   * only as plain string literals (`eval("1 + 1")`, `os.system("nvidia-smi")`), or not at all, has
   * no finding. The engine derives which files and definitions can hold a finding from it
   * (perf/constantArguments.ts, callMayPassText); the unoptimised analysis checks every finding
   * against it (perf/declarationCheck.ts).
   */
  textArguments?: TextArguments;
  /**
   * Words of other statements of the file the findings depend on (a rule that looks at where
   * models are saved before judging a load: `save_pretrained`, `output_dir`).
   */
  reads?: readonly string[];
  /**
   * Like `reads`, for statements the findings depend on only through constant text they pass:
   * the value of a keyword argument named one of `keywords` (`output_dir="finetuned"`), or an
   * argument at one of `positions` of a call of one of `methods` (`model.save_pretrained("out")`),
   * when it is a literal or a name assigned one. Statements passing other values are not read.
   */
  readsConstants?: ReadConstants;
  /**
   * True when a finding depends on other statements of the function holding it than those
   * binding the names it reads: a guard written before the call (`if name not in ALLOWED:
   * raise`), or how the call's result is used afterwards. The engine then keeps the whole of
   * every function holding one of the rule's words; without it, a function's statements that
   * hold none and bind nothing the rest reads may be left out of a batch scan's parse
   * (perf/quietBody.ts). A list names the words whose calls the function matters for (MLS101
   * reads the guards of a `find_class` override, not of every `pickle.load`).
   */
  readsFunction?: boolean | readonly string[];
  /**
   * For a rule with `onFile`: what it reads inside the file's definitions (see FileReads). A file
   * rule declaring nothing is taken to read every statement.
   */
  fileReads?: FileReads;
  /** Packages one of which a file must import for the rule to find anything (`flask`). */
  imports?: readonly string[];
  /**
   * For a data-flow rule (engine/dataflow): the kinds of sources and sinks whose flows it reports,
   * one entry per combination (request data into SQL, the command line into code). A file that
   * cannot hold a source and a sink of one entry has no finding; a file that can is parsed whole,
   * since a flow passes through helpers, callers and registrations anywhere in it.
   */
  flows?: readonly FlowDeclaration[];
  /**
   * For a rule whose findings are string literals judged by their value (a credential written in
   * the code): what makes a literal one (see LiteralDeclaration). Every finding is a string
   * literal that holds one of the `formats`, or whose value passes `value` and goes to one of the
   * `sinks`. The engine derives from it which files can hold a finding, which definitions must
   * be parsed (those holding a format, or a sink's words) and which edits must be analysed again.
   */
  literals?: LiteralDeclaration;
}

/**
 * What a file rule's `onFile` reads of the statements inside definitions (RuleMatch.fileReads):
 * the statements holding one of its words; what the names written in those statements stand for,
 * followed through the semantic model (bindings, constant values, parameters' defaults, guards);
 * and the statements using a name assigned from one it reads. A statement of a definition outside
 * all of that can change without changing what `onFile` reports. Names the rule asks the model
 * about that such statements do not write are its `bindings`. A rule declaring `literals` reads the literals holding an accepted match of its
 * formats too (no need to repeat their marks). Checked statement by statement on the fixtures
 * (test/unit/fileReads.test.ts).
 */
export interface FileReads {
  /** Identifiers, whole, written in code or quoted (`"token"`); not in a docstring's or a comment's prose. */
  names?: readonly string[];
  /** Endings of such identifiers (`api_key` of `openai_api_key`). */
  nameEndings?: readonly string[];
  /** Text anywhere, docstrings and comments included. */
  strings?: readonly string[];
  /**
   * Names whose bindings the rule looks up wherever it reports (`os`, for a fix writing
   * `os.environ[...]`): the statements binding them are read, not those merely using them.
   */
  bindings?: readonly string[];
}

/** Sources of these kinds reaching sinks of these kinds (see RuleMatch.flows). */
export interface FlowDeclaration {
  sources: readonly FlowSourceKind[];
  sinks: readonly FlowSinkKind[];
}

/**
 * What makes a string literal a finding of a rule that judges literals by their value (RuleMatch.literals).
 * Formats are recognised by their text alone, wherever the literal stands; other literals count
 * only where they are given to a sink, and then when their value passes `value`.
 */
/** What RuleMatch.readsConstants reads: keyword arguments by name, and arguments of method calls by position. */
export interface ReadConstants {
  keywords?: readonly string[];
  methods?: readonly string[];
  positions?: readonly number[];
}

/** Arguments of a call, by position and by keyword name (RuleMatch.constantArguments). */
export interface ConstantArguments {
  /** Positions (0-based) of positional arguments. */
  positions?: readonly number[];
  /** Keyword names. */
  keywords?: readonly string[];
  /**
   * True when a constant string passed there can be a finding's (a repository id, not a local
   * path); `word` is the call's word as the rule declares it (a method, or a callee's last name:
   * `load_dataset`). Without it, any constant text can.
   */
  value?(value: string, word: string): boolean;
}

/** Arguments of a call, by position and by keyword name (RuleMatch.textArguments). */
export interface TextArguments {
  /** Positions (0-based) of positional arguments. */
  positions?: readonly number[];
  /** Keyword names. */
  keywords?: readonly string[];
}

export interface LiteralDeclaration {
  formats?: readonly LiteralFormat[];
  /** True when a string value given to a sink is one the rule reports (for a sink finding). */
  value?(value: string): boolean;
  sinks?: readonly LiteralSink[];
}

/** A format of text a reported literal holds, as written (a `hf_` token, an `AKIA` key). */
export interface LiteralFormat {
  /** Fixed texts one of which every match of `pattern` contains. */
  marks: readonly string[];
  /** A global expression; a literal holding a match that `accept` takes is a finding. */
  pattern: RegExp;
  /** A closer look at a match (does the random part look random?); every match counts without it. */
  accept?(match: RegExpMatchArray): boolean;
}

/**
 * Where a value goes that makes a literal holding it a finding (RuleMatch.literals). Each field
 * narrows the others: `names` of the `callees` only, `names` in a file using one of `within`.
 */
export interface LiteralSink {
  /**
   * Names the value is given under, whole: a keyword argument (`token=`), a key of a dict passed
   * with `**` (quoted, or a keyword of `dict(...)`), an assigned attribute (`openai.api_key = ...`).
   */
  names?: readonly string[];
  /** Endings of such names (`api_key` of `openai_api_key=`). */
  nameEndings?: readonly string[];
  /** Functions taking the value (qualified names): by position, or by `names` when given. */
  callees?: readonly string[];
  /** With `names`: the names count only in calls of these packages or methods, one of which the file uses. */
  within?: readonly string[];
  /**
   * Environment variables named with one of these words (`HF_TOKEN`): the value assigned to
   * `os.environ[name]` or given to `os.environ.setdefault`, `os.environ.update`, `os.putenv`.
   */
  environment?: readonly string[];
}

export interface Rule extends RuleMeta, RuleMatch {
  onCall?(call: CallSite, context: RuleContext): void;
  /** Whole-file checks (strings, assignments, attribute references). */
  onFile?(context: RuleContext): void;
}

/** Identity function that gives rule literals their type and keeps registration in one place. */
export function defineRule(rule: Rule): Rule {
  return rule;
}
