/**
 * What a rule is: metadata (data) plus a small matcher. Rules are registered in one place,
 * `server/src/rules/index.ts`; everything else (CLI, server, docs, SARIF, tests) reads them there.
 */
import type { Node } from './parser';
import type { CallSite } from './callSite';
import type { ConstValue, SemanticModel } from './semantic';
import type { Span } from './text';
import type { ThreatId } from '../../../common/src/protocol';
import type { SourceText } from './textScan';

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
  /**
   * Substrings at least one of which must occur in a file for the rule to be able to fire. Files
   * containing none of any enabled rule's triggers are not parsed at all.
   */
  triggers: string[];
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
}

export interface Rule extends RuleMeta {
  /**
   * Calls this rule is interested in. `callees` are fully qualified names (`torch.load`);
   * `methods` are last attribute names matched on any receiver (`from_pretrained`). A rule with
   * neither receives every call in `onCall`.
   */
  callees?: string[];
  methods?: string[];
  onCall?(call: CallSite, context: RuleContext): void;
  /** Whole-file checks (strings, assignments, attribute references). */
  onFile?(context: RuleContext): void;
  /**
   * A closer look at the raw text, asked only when the triggers occur: false when the rule cannot
   * report anything in this text, so the file need not be parsed for it. It may answer true for a
   * file that has no finding (it is a filter, not the rule), but never false for one that has.
   * Worth writing when the triggers are common words (`key`, `debug`, `compile`). `source.code`
   * is the text with strings and comments blanked, for questions about identifiers.
   */
  mayFire?(source: SourceText): boolean;
  /**
   * Identifiers `mayFire` asks the source about (`hasIdentifier`, `identifiers`): the prefilter
   * finds them in the pass it makes over the text anyway, instead of a search each. Only speed
   * depends on this list; an identifier missing from it is searched for when asked.
   */
  mayFireWords?: readonly string[];
  /**
   * Substrings of other statements of the file that the rule's findings depend on (a rule that
   * looks at where models are saved before judging a load). Definitions containing them are
   * always parsed (see partialParse.ts); a rule reading other statements for words that are not
   * its triggers or call names must list them here.
   */
  fileContext?: readonly string[];
  /**
   * True when every finding of the rule is written with one of its triggers (`verify=False`,
   * `debug=True`), in the statement itself or in the assignment of a name it uses. Partial parsing
   * then skips definitions without a trigger even when they call one of the rule's functions.
   */
  findingsShowTriggers?: boolean;
  /**
   * For a rule whose triggers are all hot in partial parsing (one that is not only about calls,
   * or whose findings show its triggers): narrower words a definition must contain for the rule
   * to find something in it, read instead of the triggers, which stay the prefilter's.
   * `substrings` count anywhere; `words` as whole identifiers, wherever written (code, strings,
   * comments); `settings` as whole identifiers only where a value goes by that name: `name=` (a
   * keyword argument, an assignment to the name or to an attribute of that name) or `"name"` (a
   * quoted key). Every finding, and every statement of a definition the rule reads to decide (a
   * constant's assignment), must hold one of them, except what is parsed anyway (module-level
   * code and the names it carries; see partialParse.ts).
   */
  partialParseWords?: { substrings?: readonly string[]; words?: readonly string[]; settings?: readonly string[] };
}

/** Identity function that gives rule literals their type and keeps registration in one place. */
export function defineRule(rule: Rule): Rule {
  return rule;
}
