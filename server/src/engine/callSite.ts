/**
 * A call expression with its callee resolved and its arguments indexed, so that rules can ask
 * "what is `weights_only` here?" without caring whether it was passed by keyword, by position or
 * through a `**{...}` dict literal.
 */
import type { Node } from './parser';
import type { SemanticModel } from './semantic';
import { CALL_RESULT_SUFFIX } from './semantic';
import type { TextEdit } from './rule';

export interface Argument {
  /** The value expression. */
  value: Node;
  /** The whole argument (`name=value`, or the value for positionals and splat entries). */
  node: Node;
  /** True when the keyword came from a `**{...}` or `**CONST` dict rather than `name=value`. */
  fromSplat: boolean;
}

/** Marks a callee not resolved yet (CallSite resolves it on first use). */
const UNRESOLVED: unique symbol = Symbol('unresolved');

export class CallSite {
  /** The callee's qualified name (resolved on first use: most calls a rule is shown never need it). */
  get callee(): string | undefined {
    if (this.resolved === UNRESOLVED) this.resolved = this.model.qualifiedName(this.calleeNode);
    return this.resolved;
  }
  private resolved: string | undefined | typeof UNRESOLVED;
  readonly methodName: string | undefined;
  readonly calleeNode: Node;
  readonly argumentList: Node | null;
  readonly positional: Node[] = [];
  readonly keywords = new Map<string, Argument>();
  /** `*args` present: positions past it are unknown. */
  readonly hasListSplat: boolean = false;
  /** `**kwargs` that could not be resolved to a constant dict: any keyword may be hidden in it. */
  readonly hasOpaqueKwargs: boolean = false;

  constructor(
    readonly node: Node,
    private readonly model: SemanticModel,
    /** The callee's qualified name when the caller has already resolved it (undefined included). */
    ...callee: [] | [string | undefined]
  ) {
    this.calleeNode = node.childForFieldName('function') ?? node;
    this.resolved = callee.length > 0 ? callee[0] : UNRESOLVED;
    if (this.calleeNode.type === 'attribute') this.methodName = this.calleeNode.childForFieldName('attribute')?.text;
    else if (this.calleeNode.type === 'identifier') this.methodName = this.calleeNode.text;
    const args = node.childForFieldName('arguments');
    this.argumentList = args?.type === 'argument_list' ? args : null;
    let listSplat = false;
    let opaque = false;
    for (const arg of this.argumentList?.namedChildren ?? []) {
      if (!arg || arg.type === 'comment') continue;
      switch (arg.type) {
        case 'keyword_argument': {
          const name = arg.childForFieldName('name');
          const value = arg.childForFieldName('value');
          if (name && value) this.keywords.set(name.text, { value, node: arg, fromSplat: false });
          break;
        }
        case 'list_splat':
          listSplat = true;
          break;
        case 'dictionary_splat': {
          const inner = arg.namedChildren[0];
          const dict = model.constantValue(inner);
          if (dict?.kind === 'dict') {
            for (const [key, value] of dict.value) {
              if (!this.keywords.has(key)) this.keywords.set(key, { value, node: value.parent ?? value, fromSplat: true });
            }
          } else {
            opaque = true;
          }
          break;
        }
        default:
          if (!listSplat) this.positional.push(arg);
      }
    }
    this.hasListSplat = listSplat;
    this.hasOpaqueKwargs = opaque;
  }

  /** True when the callee is one of the names (exact fully qualified match). */
  is(...names: string[]): boolean {
    return this.callee !== undefined && names.includes(this.callee);
  }

  /** The receiver's qualified name for a method call, e.g. `flask.Flask()` for `app.run`. */
  get receiver(): string | undefined {
    if (!this.callee || !this.methodName) return undefined;
    const suffix = '.' + this.methodName;
    return this.callee.endsWith(suffix) ? this.callee.slice(0, -suffix.length) : undefined;
  }

  /** True when the receiver is the result of calling one of `constructors` (e.g. `flask.Flask`). */
  receiverIsInstanceOf(...constructors: string[]): boolean {
    const receiver = this.receiver;
    return receiver !== undefined && constructors.some((c) => receiver === c + CALL_RESULT_SUFFIX);
  }

  /** A keyword argument, or the positional argument at `position` when given. */
  argument(name: string, position?: number): Argument | undefined {
    const keyword = this.keywords.get(name);
    if (keyword) return keyword;
    if (position !== undefined && position < this.positional.length) {
      const node = this.positional[position];
      return { value: node, node, fromSplat: false };
    }
    return undefined;
  }

  /**
   * The edits that add `name=value` as the last argument, keeping the call's layout: on its own
   * line with the same indentation when the arguments are one per line, else after a comma and
   * a space. A trailing comma is preserved, and so is every comment: text between the last
   * argument and `)` is only replaced when it is blank, and a comment after the last argument
   * stays on that argument's line (the new line goes after it).
   */
  appendKeyword(source: string, text: string): TextEdit[] | undefined {
    const list = this.argumentList;
    if (!list) return undefined;
    const closeParen = list.endIndex - 1;
    if (source[closeParen] !== ')') return undefined;
    const args = list.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
    if (args.length === 0) return [{ start: closeParen, end: closeParen, newText: text }];
    const last = args[args.length - 1];
    const between = source.slice(last.endIndex, closeParen);
    const trailingComma = /^\s*,/.test(between);
    const commaEnd = trailingComma ? last.endIndex + between.indexOf(',') + 1 : last.endIndex;
    const multiline = last.startPosition.row !== list.startPosition.row && /\n/.test(source.slice(list.startIndex, last.startIndex));
    if (multiline) {
      const lineStart = source.lastIndexOf('\n', last.startIndex - 1) + 1;
      const indent = /^[ \t]*/.exec(source.slice(lineStart, last.startIndex))?.[0] ?? '';
      const added = `\n${indent}${text}${trailingComma ? ',' : ''}`;
      // `last,  # why` keeps its comment: the new argument goes on a line after the comment.
      const rest = /^[ \t]*#[^\r\n]*/.exec(source.slice(commaEnd, closeParen));
      if (rest) {
        const lineEnd = commaEnd + rest[0].length;
        return trailingComma
          ? [{ start: lineEnd, end: lineEnd, newText: added }]
          : [
              { start: commaEnd, end: commaEnd, newText: ',' },
              { start: lineEnd, end: lineEnd, newText: added },
            ];
      }
      return [{ start: commaEnd, end: commaEnd, newText: `${trailingComma ? '' : ','}${added}` }];
    }
    if (trailingComma) {
      const after = source.slice(commaEnd, closeParen);
      // `f(x,  # why\n)`: the comment and the line break stay; the keyword goes after the comma.
      if (after.trim() !== '') return [{ start: commaEnd, end: commaEnd, newText: ` ${text},` }];
      return [{ start: commaEnd, end: closeParen, newText: ` ${text}` }];
    }
    return [{ start: last.endIndex, end: last.endIndex, newText: `, ${text}` }];
  }
}

export function isCallResult(name: string | undefined): boolean {
  return name !== undefined && name.endsWith(CALL_RESULT_SUFFIX);
}
