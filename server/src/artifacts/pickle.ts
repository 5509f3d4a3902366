/**
 * A static reader of Python pickle streams (protocols 0 to 5): it walks the opcodes, keeps a
 * model of the stack and the memo, and reports every global the stream imports (`GLOBAL`,
 * `INST`, `STACK_GLOBAL`, extension codes) with its byte offset, and whether it is called
 * (`REDUCE`, `OBJ`, `INST`, `NEWOBJ`, `NEWOBJ_EX`, `BUILD` on it). Nothing is imported or built.
 *
 * Hand-written on purpose: this is the security-critical part of the scanner and it is small.
 * Libraries that read pickles build objects (that is the attack), and the published bypasses of
 * pickle scanners (picklescan issues #14 and #22: memo confusion between `MEMOIZE` and `BINPUT`
 * feeding `STACK_GLOBAL`; GHSA-9gvj-pp9x-gcfr: a parse error hiding what came before it) come
 * from readers that approximate the stack and the memo. This one follows them exactly as
 * CPython's `_pickle.c` does, refuses to guess (an operand it cannot resolve is reported, never
 * skipped), and keeps what it found when the stream breaks.
 *
 * Bounds: opcodes per stream, stack depth, memo entries and kept string length are limited
 * (`PickleLimits`); reaching one is reported as "not fully inspected", never as clean.
 */
import type { ByteSource } from './source';
import { latin1, TruncatedError, utf8 } from './source';

export interface PickleLimits {
  maxOpcodes: number;
  maxStack: number;
  maxMemo: number;
  /** Longer strings are kept as "a long string" (a module name is never this long). */
  maxString: number;
  /** Items kept per tuple or dict in the model (the rest is counted, not kept). */
  maxItems: number;
  /** Milliseconds before reading stops with "not fully inspected" (see PICKLE_TIME_BUDGET_MS). */
  timeBudgetMs?: number;
}

export const DEFAULT_PICKLE_LIMITS: PickleLimits = {
  maxOpcodes: 20_000_000,
  maxStack: 1_000_000,
  maxMemo: 1_000_000,
  maxString: 1024,
  maxItems: 64,
};

/** Wall-clock budget per stream, checked every 65 536 opcodes (a backstop behind the counters). */
export const PICKLE_TIME_BUDGET_MS = 20_000;

export interface PickleGlobal {
  module: string;
  name: string;
  /** Byte offset of the opcode that imported it (in the source the reader was given). */
  offset: number;
  opcode: string;
  /** True when the stream calls it (REDUCE, OBJ, INST, NEWOBJ, NEWOBJ_EX) or BUILDs on it. */
  called: boolean;
}

export type PickleIssueKind = 'malformed' | 'unresolved-global' | 'extension' | 'limit' | 'truncated' | 'not-inspected';

export interface PickleIssue {
  kind: PickleIssueKind;
  message: string;
  offset: number;
}

export interface PickleResult {
  start: number;
  /** Offset just after STOP (or where reading ended). */
  end: number;
  protocol: number;
  globals: PickleGlobal[];
  issues: PickleIssue[];
  opcodes: number;
  persistentIds: number;
  /** True when the stream reached STOP. */
  complete: boolean;
  /** The value left by STOP, for callers that look at small top-level values (legacy PyTorch). */
  value?: Value;
}

/** The reader's model of a value. Only what is needed to resolve names and sizes is kept. */
export type Value =
  | { k: 'mark' }
  | { k: 'str'; s: string }
  | { k: 'longstr' }
  | { k: 'int'; n: number }
  | { k: 'none' }
  | { k: 'bool'; b: boolean }
  | { k: 'global'; g: PickleGlobal }
  | { k: 'tuple'; items: Value[]; more: number }
  | { k: 'dict'; entries: Array<[Value, Value]>; more: number }
  | { k: 'obj'; cls: Value; args?: Value; state?: Value }
  | { k: 'other' };

const OTHER: Value = { k: 'other' };
const NONE: Value = { k: 'none' };

/**
 * Raw bytes that follow a BUILD in the stream and are read by the loader, not by pickle (joblib
 * writes numpy array data there). The hook says how to step over them.
 */
export type AfterBuild = (obj: Value, offset: number) => { skip: number } | { nested: true } | { unknown: string } | undefined;

export interface PickleOptions {
  limits?: Partial<PickleLimits>;
  afterBuild?: AfterBuild;
}

type Arg = 'none' | 'u1' | 'u2' | 'i4' | 'u4' | 'u8' | 'line' | 'line2' | 'str1' | 'str4' | 'str8' | 'long1' | 'long4' | 'f8';

/** Opcode table: byte → [name, argument, lowest protocol]. From the pickle protocol (PEP 307, 3154, 574). */
const OPCODES = new Map<number, [string, Arg]>([
  [0x28, ['MARK', 'none']],
  [0x2e, ['STOP', 'none']],
  [0x30, ['POP', 'none']],
  [0x31, ['POP_MARK', 'none']],
  [0x32, ['DUP', 'none']],
  [0x46, ['FLOAT', 'line']],
  [0x49, ['INT', 'line']],
  [0x4a, ['BININT', 'i4']],
  [0x4b, ['BININT1', 'u1']],
  [0x4c, ['LONG', 'line']],
  [0x4d, ['BININT2', 'u2']],
  [0x4e, ['NONE', 'none']],
  [0x50, ['PERSID', 'line']],
  [0x51, ['BINPERSID', 'none']],
  [0x52, ['REDUCE', 'none']],
  [0x53, ['STRING', 'line']],
  [0x54, ['BINSTRING', 'str4']],
  [0x55, ['SHORT_BINSTRING', 'str1']],
  [0x56, ['UNICODE', 'line']],
  [0x58, ['BINUNICODE', 'str4']],
  [0x61, ['APPEND', 'none']],
  [0x62, ['BUILD', 'none']],
  [0x63, ['GLOBAL', 'line2']],
  [0x64, ['DICT', 'none']],
  [0x7d, ['EMPTY_DICT', 'none']],
  [0x65, ['APPENDS', 'none']],
  [0x67, ['GET', 'line']],
  [0x68, ['BINGET', 'u1']],
  [0x69, ['INST', 'line2']],
  [0x6a, ['LONG_BINGET', 'u4']],
  [0x6c, ['LIST', 'none']],
  [0x5d, ['EMPTY_LIST', 'none']],
  [0x6f, ['OBJ', 'none']],
  [0x70, ['PUT', 'line']],
  [0x71, ['BINPUT', 'u1']],
  [0x72, ['LONG_BINPUT', 'u4']],
  [0x73, ['SETITEM', 'none']],
  [0x74, ['TUPLE', 'none']],
  [0x29, ['EMPTY_TUPLE', 'none']],
  [0x75, ['SETITEMS', 'none']],
  [0x47, ['BINFLOAT', 'f8']],
  [0x80, ['PROTO', 'u1']],
  [0x81, ['NEWOBJ', 'none']],
  [0x82, ['EXT1', 'u1']],
  [0x83, ['EXT2', 'u2']],
  [0x84, ['EXT4', 'i4']],
  [0x85, ['TUPLE1', 'none']],
  [0x86, ['TUPLE2', 'none']],
  [0x87, ['TUPLE3', 'none']],
  [0x88, ['NEWTRUE', 'none']],
  [0x89, ['NEWFALSE', 'none']],
  [0x8a, ['LONG1', 'long1']],
  [0x8b, ['LONG4', 'long4']],
  [0x42, ['BINBYTES', 'str4']],
  [0x43, ['SHORT_BINBYTES', 'str1']],
  [0x8c, ['SHORT_BINUNICODE', 'str1']],
  [0x8d, ['BINUNICODE8', 'str8']],
  [0x8e, ['BINBYTES8', 'str8']],
  [0x8f, ['EMPTY_SET', 'none']],
  [0x90, ['ADDITEMS', 'none']],
  [0x91, ['FROZENSET', 'none']],
  [0x92, ['NEWOBJ_EX', 'none']],
  [0x93, ['STACK_GLOBAL', 'none']],
  [0x94, ['MEMOIZE', 'none']],
  [0x95, ['FRAME', 'u8']],
  [0x96, ['BYTEARRAY8', 'str8']],
  [0x97, ['NEXT_BUFFER', 'none']],
  [0x98, ['READONLY_BUFFER', 'none']],
]);

/** True when a byte can start a pickle stream (used to detect pickles by content). */
export function isOpcode(byte: number): boolean {
  return OPCODES.has(byte);
}

class Malformed extends Error {}

/** Longest line (protocol 0 argument) accepted; CPython has no limit but names are short. */
const MAX_LINE = 1 << 16;

/**
 * Reads one pickle stream starting at `start`. Never throws for bad input: problems are issues.
 */
export function readPickle(source: ByteSource, start: number, options: PickleOptions = {}): PickleResult {
  const limits = { ...DEFAULT_PICKLE_LIMITS, ...options.limits };
  const result: PickleResult = { start, end: start, protocol: 0, globals: [], issues: [], opcodes: 0, persistentIds: 0, complete: false };
  const stack: Value[] = [];
  const marks: number[] = [];
  const memo = new Map<number, Value>();
  let pos = start;
  let opOffset = start;
  let opName = '';
  const deadline = performance.now() + (limits.timeBudgetMs ?? PICKLE_TIME_BUDGET_MS);

  const issue = (kind: PickleIssueKind, message: string, offset = opOffset) => result.issues.push({ kind, message, offset });
  const push = (v: Value) => {
    if (stack.length >= limits.maxStack) throw new LimitReached(`stack deeper than ${limits.maxStack}`);
    stack.push(v);
  };
  const pop = (): Value => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1]))
      throw new Malformed(`${opName} on an empty stack`);
    return stack.pop() as Value;
  };
  const top = (): Value => {
    if (stack.length === 0) throw new Malformed(`${opName} on an empty stack`);
    return stack[stack.length - 1];
  };
  const popMark = (): Value[] => {
    const mark = marks.pop();
    if (mark === undefined) throw new Malformed(`${opName} without a MARK`);
    return stack.splice(mark);
  };
  const putMemo = (index: number, value: Value) => {
    if (!memo.has(index) && memo.size >= limits.maxMemo) throw new LimitReached(`more than ${limits.maxMemo} memo entries`);
    memo.set(index, value);
  };
  const getMemo = (index: number): Value => {
    const v = memo.get(index);
    if (v === undefined) throw new Malformed(`${opName} of memo entry ${index}, which was never stored`);
    return v;
  };
  const str = (s: string): Value => (s.length > limits.maxString ? { k: 'longstr' } : { k: 'str', s });
  const tuple = (items: Value[]): Value => ({
    k: 'tuple',
    items: items.slice(0, limits.maxItems),
    more: Math.max(0, items.length - limits.maxItems),
  });
  const addGlobal = (module: string, name: string): Value => {
    const g: PickleGlobal = { module, name, offset: opOffset, opcode: opName, called: false };
    result.globals.push(g);
    return { k: 'global', g };
  };
  const markCalled = (callable: Value, how: string) => {
    if (callable.k === 'global') callable.g.called = true;
    else if (callable.k !== 'obj' && callable.k !== 'other') {
      // Calling a string, a number or a container fails in CPython: the stream is broken.
      throw new Malformed(`${how} on a ${callable.k === 'mark' ? 'MARK' : 'value that is not callable'}`);
    }
  };
  const readLine = (): string => {
    const limit = Math.min(source.length, pos + MAX_LINE);
    for (let i = pos; i < limit; i++) {
      if (source.byte(i) === 0x0a) {
        const line = latin1(source.bytes(pos, i - pos));
        pos = i + 1;
        return line;
      }
    }
    if (limit === source.length) throw new TruncatedError(pos, `${opName} argument`);
    throw new Malformed(`${opName} argument longer than ${MAX_LINE} bytes`);
  };
  const uint = (count: number): number => {
    const b = source.bytes(pos, count, `${opName} argument`);
    pos += count;
    let n = 0;
    for (let i = count - 1; i >= 0; i--) n = n * 256 + b[i];
    return n;
  };
  const sizeOf = (n: number) => {
    if (pos + n > source.length) throw new TruncatedError(pos, `${opName} data of ${n} bytes`);
    return n;
  };

  try {
    for (;;) {
      if (result.opcodes >= limits.maxOpcodes) throw new LimitReached(`more than ${limits.maxOpcodes} opcodes`);
      if ((result.opcodes & 0xffff) === 0xffff && performance.now() > deadline)
        throw new LimitReached(`over the time budget of ${limits.timeBudgetMs ?? PICKLE_TIME_BUDGET_MS} ms`);
      opOffset = pos;
      opName = '';
      const code = source.byte(pos);
      const entry = OPCODES.get(code);
      if (!entry) throw new Malformed(`unknown opcode 0x${code.toString(16).padStart(2, '0')}`);
      pos++;
      result.opcodes++;
      opName = entry[0];
      switch (opName) {
        case 'MARK':
          marks.push(stack.length); // CPython keeps marks apart from the stack, as here
          if (marks.length > limits.maxStack) throw new LimitReached(`more than ${limits.maxStack} marks`);
          break;
        case 'STOP':
          result.value = pop();
          result.complete = true;
          result.end = pos;
          return result;
        case 'POP':
          if (marks.length > 0 && stack.length === marks[marks.length - 1]) marks.pop();
          else pop();
          break;
        case 'POP_MARK':
          popMark();
          break;
        case 'DUP':
          push(top());
          break;
        case 'FLOAT':
        case 'LONG':
          readLine();
          push(OTHER);
          break;
        case 'INT': {
          const line = readLine();
          push(line === '01' ? { k: 'bool', b: true } : line === '00' ? { k: 'bool', b: false } : intValue(line));
          break;
        }
        case 'BININT':
          push({ k: 'int', n: signed32(uint(4)) });
          break;
        case 'BININT1':
          push({ k: 'int', n: uint(1) });
          break;
        case 'BININT2':
          push({ k: 'int', n: uint(2) });
          break;
        case 'LONG1':
        case 'LONG4': {
          const n = sizeOf(uint(opName === 'LONG1' ? 1 : 4));
          const b = source.bytes(pos, n);
          pos += n;
          push(longValue(b));
          break;
        }
        case 'BINFLOAT':
          sizeOf(8);
          pos += 8;
          push(OTHER);
          break;
        case 'NONE':
          push(NONE);
          break;
        case 'NEWTRUE':
        case 'NEWFALSE':
          push({ k: 'bool', b: opName === 'NEWTRUE' });
          break;
        case 'PERSID':
          readLine();
          result.persistentIds++;
          push(OTHER);
          break;
        case 'BINPERSID':
          pop();
          result.persistentIds++;
          push(OTHER);
          break;
        case 'REDUCE': {
          const args = pop();
          const callable = pop();
          markCalled(callable, 'REDUCE');
          push({ k: 'obj', cls: callable, args });
          break;
        }
        case 'STRING':
          push(str(unquote(readLine())));
          break;
        case 'UNICODE':
          push(str(rawUnicodeEscape(readLine())));
          break;
        case 'BINSTRING':
        case 'SHORT_BINSTRING':
        case 'BINUNICODE':
        case 'SHORT_BINUNICODE':
        case 'BINUNICODE8': {
          const width = opName.startsWith('SHORT') ? 1 : opName.endsWith('8') ? 8 : 4;
          const n = sizeOf(opName === 'BINSTRING' ? signed32(uint(4)) : uint(width));
          if (n < 0) throw new Malformed('negative string length');
          if (n > limits.maxString) {
            pos += n;
            push({ k: 'longstr' });
          } else {
            const b = source.bytes(pos, n);
            pos += n;
            // Python 2 strings (BINSTRING) decode as the loader's `encoding`, ASCII by default.
            push(str(opName.includes('UNICODE') ? utf8(b) : latin1(b)));
          }
          break;
        }
        case 'BINBYTES':
        case 'SHORT_BINBYTES':
        case 'BINBYTES8':
        case 'BYTEARRAY8': {
          const width = opName === 'SHORT_BINBYTES' ? 1 : opName === 'BINBYTES' ? 4 : 8;
          const n = sizeOf(uint(width));
          pos += n;
          push(OTHER);
          break;
        }
        case 'APPEND':
          pop();
          pop();
          push(OTHER);
          break;
        case 'APPENDS':
        case 'ADDITEMS':
          popMark();
          top();
          break;
        case 'BUILD': {
          const state = pop();
          const obj = top();
          if (obj.k === 'global') obj.g.called = true;
          if (obj.k === 'obj') obj.state = state;
          const after = options.afterBuild?.(obj, pos);
          if (after && 'skip' in after) {
            pos += sizeOf(after.skip);
          } else if (after && 'nested' in after) {
            const nested = readPickle(source, pos, options);
            result.globals.push(...nested.globals);
            result.issues.push(...nested.issues);
            result.opcodes += nested.opcodes;
            if (!nested.complete) {
              result.end = nested.end;
              return result;
            }
            pos = nested.end;
          } else if (after && 'unknown' in after) {
            issue('not-inspected', after.unknown, pos);
            result.end = pos;
            return result;
          }
          break;
        }
        case 'GLOBAL':
        case 'INST': {
          const module = readLine();
          const name = readLine();
          const g = addGlobal(module, name);
          if (opName === 'INST') {
            popMark();
            markCalled(g, 'INST');
            push({ k: 'obj', cls: g });
          } else push(g);
          break;
        }
        case 'STACK_GLOBAL': {
          const name = pop();
          const module = pop();
          if (module.k === 'str' && name.k === 'str') push(addGlobal(module.s, name.s));
          else {
            issue(
              'unresolved-global',
              `STACK_GLOBAL with a ${describe(module)} module and a ${describe(name)} name that a static reader cannot resolve`,
            );
            push(addGlobal('?', '?'));
          }
          break;
        }
        case 'EXT1':
        case 'EXT2':
        case 'EXT4': {
          const n = opName === 'EXT4' ? signed32(uint(4)) : uint(opName === 'EXT1' ? 1 : 2);
          issue('extension', `${opName} ${n}: a global named through the copyreg extension registry, which a static reader cannot resolve`);
          push(addGlobal('copyreg-extension', String(n)));
          break;
        }
        case 'DICT': {
          const items = popMark();
          if (items.length % 2 !== 0) throw new Malformed('DICT with an odd number of items');
          const entries: Array<[Value, Value]> = [];
          for (let i = 0; i + 1 < items.length && entries.length < limits.maxItems; i += 2) entries.push([items[i], items[i + 1]]);
          push({ k: 'dict', entries, more: items.length / 2 - entries.length });
          break;
        }
        case 'EMPTY_DICT':
          push({ k: 'dict', entries: [], more: 0 });
          break;
        case 'SETITEM': {
          const value = pop();
          const key = pop();
          setItems(top(), [key, value], limits.maxItems);
          break;
        }
        case 'SETITEMS': {
          const items = popMark();
          if (items.length % 2 !== 0) throw new Malformed('SETITEMS with an odd number of items');
          setItems(top(), items, limits.maxItems);
          break;
        }
        case 'LIST':
        case 'FROZENSET':
          popMark();
          push(OTHER);
          break;
        case 'TUPLE':
          push(tuple(popMark()));
          break;
        case 'EMPTY_LIST':
        case 'EMPTY_SET':
          push(OTHER);
          break;
        case 'EMPTY_TUPLE':
          push(tuple([]));
          break;
        case 'TUPLE1':
        case 'TUPLE2':
        case 'TUPLE3': {
          const n = Number(opName[5]);
          const items: Value[] = [];
          for (let i = 0; i < n; i++) items.unshift(pop());
          push(tuple(items));
          break;
        }
        case 'GET':
          push(getMemo(decimal(readLine())));
          break;
        case 'BINGET':
          push(getMemo(uint(1)));
          break;
        case 'LONG_BINGET':
          push(getMemo(uint(4)));
          break;
        case 'PUT':
          putMemo(decimal(readLine()), top());
          break;
        case 'BINPUT':
          putMemo(uint(1), top());
          break;
        case 'LONG_BINPUT':
          putMemo(uint(4), top());
          break;
        case 'MEMOIZE':
          putMemo(memo.size, top());
          break;
        case 'OBJ': {
          const items = popMark();
          const cls = items[0];
          if (cls === undefined) throw new Malformed('OBJ without a class');
          markCalled(cls, 'OBJ');
          push({ k: 'obj', cls, args: tuple(items.slice(1)) });
          break;
        }
        case 'NEWOBJ': {
          const args = pop();
          const cls = pop();
          markCalled(cls, 'NEWOBJ');
          push({ k: 'obj', cls, args });
          break;
        }
        case 'NEWOBJ_EX': {
          pop();
          const args = pop();
          const cls = pop();
          markCalled(cls, 'NEWOBJ_EX');
          push({ k: 'obj', cls, args });
          break;
        }
        case 'PROTO': {
          const p = uint(1);
          if (p > 5) throw new Malformed(`unsupported pickle protocol ${p}`);
          result.protocol = p;
          break;
        }
        case 'FRAME': {
          const n = uint(8);
          if (pos + n > source.length) throw new TruncatedError(pos, `FRAME of ${n} bytes`);
          break;
        }
        case 'NEXT_BUFFER':
          push(OTHER);
          break;
        case 'READONLY_BUFFER':
          top();
          break;
        default:
          throw new Malformed(`opcode ${opName} not handled`);
      }
    }
  } catch (error) {
    result.end = opOffset;
    if (error instanceof TruncatedError)
      issue('truncated', opName ? `pickle is truncated inside ${opName}` : 'pickle is truncated: it ends before its STOP opcode');
    else if (error instanceof Malformed) issue('malformed', `malformed pickle: ${error.message}`);
    else if (error instanceof LimitReached) issue('limit', `pickle not fully inspected: ${error.message}`);
    else throw error;
    return result;
  }
}

class LimitReached extends Error {}

function setItems(target: Value, items: Value[], maxItems: number): void {
  if (target.k !== 'dict') return;
  for (let i = 0; i + 1 < items.length; i += 2) {
    if (target.entries.length < maxItems) target.entries.push([items[i], items[i + 1]]);
    else target.more++;
  }
}

function describe(v: Value): string {
  switch (v.k) {
    case 'str':
      return 'string';
    case 'longstr':
      return 'very long string';
    case 'obj':
      return 'computed (call result)';
    case 'global':
      return 'global object';
    case 'mark':
      return 'MARK';
    default:
      return `${v.k === 'other' ? 'non-string' : v.k}`;
  }
}

function signed32(n: number): number {
  return n >= 0x80000000 ? n - 0x100000000 : n;
}

function decimal(line: string): number {
  const n = Number(line.trim());
  if (!Number.isInteger(n) || n < 0) throw new Malformed(`bad memo index "${line.slice(0, 40)}"`);
  return n;
}

function intValue(line: string): Value {
  const n = Number(line.trim().replace(/L$/, ''));
  return Number.isSafeInteger(n) ? { k: 'int', n } : OTHER;
}

function longValue(b: Uint8Array): Value {
  if (b.length === 0) return { k: 'int', n: 0 };
  if (b.length > 6) return OTHER;
  let n = 0;
  for (let i = b.length - 1; i >= 0; i--) n = n * 256 + b[i];
  if (b[b.length - 1] & 0x80) n -= 2 ** (8 * b.length);
  return { k: 'int', n };
}

/** A protocol-0 STRING argument: a Python string literal in quotes with backslash escapes. */
function unquote(line: string): string {
  const q = line[0];
  if ((q !== "'" && q !== '"') || line.length < 2 || line[line.length - 1] !== q) throw new Malformed('STRING argument is not quoted');
  return line.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return (
      ({ n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v' } as Record<string, string>)[e] ??
      `\\${e}`
    );
  });
}

/** A protocol-0 UNICODE argument: raw-unicode-escape (`\uXXXX`, `\UXXXXXXXX`). */
function rawUnicodeEscape(line: string): string {
  return line.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, u?: string, U?: string) =>
    String.fromCodePoint(parseInt((u ?? U) as string, 16)),
  );
}

/**
 * Reads the pickle streams that follow each other from `start` (joblib, legacy PyTorch), until
 * the data ends, a stream breaks, or `maxStreams` were read. `stopAt` lets a caller end earlier
 * (legacy PyTorch: raw storage bytes follow the last pickle).
 */
export function readPickles(source: ByteSource, start: number, options: PickleOptions & { maxStreams?: number } = {}): PickleResult[] {
  const results: PickleResult[] = [];
  let pos = start;
  const max = options.maxStreams ?? 64;
  while (pos < source.length && results.length < max) {
    const r = readPickle(source, pos, options);
    results.push(r);
    if (!r.complete) break;
    pos = r.end;
    if (pos < source.length && !isOpcode(source.byte(pos))) break;
  }
  return results;
}
