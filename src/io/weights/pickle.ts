/**
 * A Python pickle read as data, never run: the opcodes of protocols 0 to 5 are interpreted over a
 * stack, and every global the pickle names goes through an allow-list (`resolveGlobal`, given by
 * the caller). What a call would have made is built here as inert data: REDUCE of an allowed
 * function gives what the caller's `call` makes of the arguments; a class the caller lets through
 * as a placeholder gives a `PyInstance` holding its arguments and, after BUILD, its state. Nothing
 * is imported, evaluated or executed, whatever the bytes say.
 *
 * Why our own interpreter rather than an npm package: `pickleparser` (0.2.1, one release, Dec 2024,
 * one author) turns every global into a generic object and has no hook for persistent ids (how
 * torch points at its storages) nor any bound on memo, stack or lengths; the allow-list and the
 * bounds are the point of this module, and the opcode set is small (about 70 opcodes, below).
 *
 * Bounds: every length is checked against the bytes left before anything is sliced (a 4-byte
 * BINUNICODE length of 2^31 fails at once), the stack, the mark depth and the memo have ceilings,
 * LONG values are at most MAX_LONG_BYTES, and each opcode consumes at least one byte, so a pickle
 * ends (STOP or the end of the bytes) in time linear in its size. Everything else is InputError.
 */
import { InputError } from '../errors.js';

/** A global the allow-list let through, as the value GLOBAL/STACK_GLOBAL pushes. */
export interface PyGlobal {
  readonly kind: 'global';
  readonly module: string;
  readonly name: string;
}

/** An instance of a placeholder class: what NEWOBJ / REDUCE / INST / OBJ made, and BUILD's state. */
export class PyInstance {
  state: unknown = undefined;
  constructor(
    readonly cls: PyGlobal,
    readonly args: readonly unknown[],
  ) {}
}

/** A Python tuple (kept apart from lists only so that messages can say which). */
export type PyTuple = readonly unknown[];

/** Python bytes, as a view into the pickle's own bytes. */
export class PyBytes {
  constructor(readonly bytes: Uint8Array) {}
}

export interface PickleHooks {
  /** Bytes' name in messages. */
  readonly source: string;
  /** What the pickle is, for messages: `data.pkl`, `the main pickle`. */
  readonly what: string;
  /** A global by module and name: the value to push, or throws an InputError naming it. */
  resolveGlobal(module: string, name: string): unknown;
  /** REDUCE / NEWOBJ / INST / OBJ of `callable` with `args`; throws for anything not allowed. */
  call(callable: unknown, args: readonly unknown[]): unknown;
  /** BUILD: `state` applied to `target`; throws for a target that takes none. */
  build(target: unknown, state: unknown): void;
  /** PERSID / BINPERSID; absent: persistent ids are an error. */
  persistentLoad?(pid: unknown): unknown;
}

/** Most values on the stack at once; torch batches SETITEMS/APPENDS by 1000. */
export const MAX_STACK = 1 << 20;
/** Most open MARKs (nesting depth of tuples, lists and dicts being built). */
export const MAX_MARKS = 1000;
/** Most memo entries. */
export const MAX_MEMO = 1 << 22;
/** Most bytes of a LONG1/LONG4 integer (or digits of a text LONG). */
export const MAX_LONG_BYTES = 64;

const MARK = Symbol('mark');

export interface PickleResult {
  readonly value: unknown;
  /** Offset just past STOP: where the next pickle of a legacy torch file starts. */
  readonly end: number;
}

/** Unpickles one pickle starting at `start`. */
export function unpickle(bytes: Uint8Array, start: number, hooks: PickleHooks): PickleResult {
  const { source, what } = hooks;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pos = start;
  let opPos = start;
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();

  const fail = (message: string): never => {
    throw new InputError(`${what}: ${message} (at byte ${opPos})`, { source });
  };
  const need = (n: number): number => {
    if (n < 0 || !Number.isSafeInteger(n) || n > bytes.length - pos) {
      fail(`needs ${n} more bytes, only ${bytes.length - pos} left (truncated or corrupt)`);
    }
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = (): number => bytes[need(1)]!;
  const u16 = (): number => view.getUint16(need(2), true);
  const u32 = (): number => view.getUint32(need(4), true);
  const i32 = (): number => view.getInt32(need(4), true);
  const u64 = (): number => {
    const at = need(8);
    const lo = view.getUint32(at, true);
    const hi = view.getUint32(at + 4, true);
    const n = hi * 2 ** 32 + lo;
    if (hi >= 2 ** 21) fail(`length ${BigInt(hi) * 2n ** 32n + BigInt(lo)} is beyond any file`);
    return n;
  };
  const take = (n: number): Uint8Array => {
    const at = need(n);
    return bytes.subarray(at, at + n);
  };
  const line = (): string => {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) fail('a text argument without its newline (truncated)');
    const text = latin1(bytes.subarray(pos, nl));
    pos = nl + 1;
    return text;
  };
  const text = (b: Uint8Array): string => {
    try {
      return utf8.decode(b);
    } catch {
      return fail('a string that is not valid UTF-8');
    }
  };
  const push = (v: unknown): void => {
    if (stack.length >= MAX_STACK) fail(`more than ${MAX_STACK} values on the stack`);
    stack.push(v);
  };
  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1]!)) fail('pops an empty stack');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1]!)) fail('reads an empty stack');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail('an opcode that needs a MARK, without one');
    return stack.splice(m!);
  };
  const put = (i: number): void => {
    if (!memo.has(i) && memo.size >= MAX_MEMO) fail(`more than ${MAX_MEMO} memo entries`);
    memo.set(i, top());
  };
  const get = (i: number): void => {
    if (!memo.has(i)) fail(`memo ${i} read before it was written`);
    push(memo.get(i));
  };
  const long = (b: Uint8Array): number | bigint => {
    if (b.length > MAX_LONG_BYTES) fail(`a ${b.length}-byte integer (at most ${MAX_LONG_BYTES})`);
    if (b.length === 0) return 0;
    let n = 0n;
    for (let k = b.length - 1; k >= 0; k--) n = (n << 8n) | BigInt(b[k]!);
    if (b[b.length - 1]! & 0x80) n -= 1n << BigInt(8 * b.length);
    return small(n);
  };
  const dict = (target: unknown, items: unknown[]): void => {
    if (!(target instanceof Map)) fail(`SETITEM(S) on ${typeName(target)}, not a dict`);
    if (items.length % 2 !== 0) fail('SETITEMS with an odd number of values');
    const m = target as Map<unknown, unknown>;
    for (let k = 0; k < items.length; k += 2) m.set(dictKey(items[k], fail), items[k + 1]);
  };
  const append = (target: unknown, items: unknown[]): void => {
    if (Array.isArray(target) && !Object.isFrozen(target)) {
      for (const v of items) {
        if (target.length >= MAX_STACK) fail(`a list of more than ${MAX_STACK} values`);
        target.push(v);
      }
    } else if (target instanceof Set) {
      for (const v of items) target.add(v);
    } else {
      fail(`APPEND(S) to ${typeName(target)}, not a list`);
    }
  };
  const tuple = (items: unknown[]): PyTuple => Object.freeze(items);
  const callSafely = (callable: unknown, args: unknown): unknown => {
    if (!Array.isArray(args)) fail(`a call whose arguments are ${typeName(args)}, not a tuple`);
    return hooks.call(callable, args as unknown[]);
  };

  for (;;) {
    opPos = pos;
    if (pos >= bytes.length) fail('ends before STOP (truncated)');
    const op = bytes[pos++]!;
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail(`pickle protocol ${bytes[pos - 1]} (at most 5 is known)`);
        break;
      case 0x95: // FRAME: a length we do not need; the opcodes inside follow directly
        u64();
        break;
      case 0x2e: // STOP
        if (marks.length > 0) fail('STOP inside an open MARK');
        if (stack.length !== 1) fail(`STOP with ${stack.length} values on the stack (expected 1)`);
        return { value: stack[0], end: pos };
      case 0x28: // MARK
        if (marks.length >= MAX_MARKS) fail(`more than ${MAX_MARKS} nested MARKs`);
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x4a: // BININT
        push(i32());
        break;
      case 0x8a: // LONG1
        push(long(take(u8())));
        break;
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n < 0) fail('LONG4 with a negative length');
        push(long(take(n)));
        break;
      }
      case 0x49: {
        // INT: text, or I01/I00 for True/False
        const t = line().trim();
        if (t === '01') push(true);
        else if (t === '00') push(false);
        else push(intText(t, fail));
        break;
      }
      case 0x4c: {
        // LONG: text with an optional trailing L
        const t = line().trim().replace(/L$/, '');
        push(intText(t, fail));
        break;
      }
      case 0x46: {
        // FLOAT: text
        const t = line().trim();
        const v = Number(t);
        if (t === '' || (Number.isNaN(v) && !/^[-+]?nan$/i.test(t))) fail(`FLOAT ${JSON.stringify(t.slice(0, 20))} is not a number`);
        push(v);
        break;
      }
      case 0x47: // BINFLOAT: big-endian double
        push(view.getFloat64(need(8), false));
        break;
      case 0x53: // STRING: a quoted Python 2 str
        push(pyStringLiteral(line(), fail));
        break;
      case 0x54: {
        // BINSTRING
        const n = i32();
        push(latin1(take(n)));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        push(latin1(take(u8())));
        break;
      case 0x56: // UNICODE: raw-unicode-escape text
        push(rawUnicodeEscape(line(), fail));
        break;
      case 0x58: // BINUNICODE
        push(text(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(text(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        push(text(take(u64())));
        break;
      case 0x42: // BINBYTES
        push(new PyBytes(take(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        push(new PyBytes(take(u8())));
        break;
      case 0x8e: // BINBYTES8
        push(new PyBytes(take(u64())));
        break;
      case 0x96: // BYTEARRAY8
        push(new PyBytes(take(u64())));
        break;
      case 0x97: // NEXT_BUFFER
        fail('an out-of-band buffer (NEXT_BUFFER), which a file cannot carry');
        break;
      case 0x98: // READONLY_BUFFER
        top();
        break;
      case 0x29: // EMPTY_TUPLE
        push(tuple([]));
        break;
      case 0x85: // TUPLE1
        push(tuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        push(tuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        push(tuple([a, b, c]));
        break;
      }
      case 0x74: // TUPLE
        push(tuple(popMark()));
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        push(new Map());
        break;
      case 0x64: {
        // DICT
        const m = new Map<unknown, unknown>();
        dict(m, popMark());
        push(m);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        dict(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        dict(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) fail(`ADDITEMS to ${typeName(s)}, not a set`);
        for (const v of items) (s as Set<unknown>).add(v);
        break;
      }
      case 0x91: // FROZENSET
        push(new Set(popMark()));
        break;
      case 0x70: // PUT
        put(memoIndex(line(), fail));
        break;
      case 0x71: // BINPUT
        put(u8());
        break;
      case 0x72: // LONG_BINPUT
        put(u32());
        break;
      case 0x94: // MEMOIZE
        put(memo.size);
        break;
      case 0x67: // GET
        get(memoIndex(line(), fail));
        break;
      case 0x68: // BINGET
        get(u8());
        break;
      case 0x6a: // LONG_BINGET
        get(u32());
        break;
      case 0x63: {
        // GLOBAL: "module\nname\n"
        const module = line();
        const name = line();
        push(hooks.resolveGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL of values that are not strings');
        push(hooks.resolveGlobal(module as string, name as string));
        break;
      }
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
        fail('an extension-registry global (EXT1/2/4), which no saved model uses');
        break;
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        push(callSafely(callable, args));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args)
        const args = pop();
        const cls = pop();
        push(callSafely(cls, args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX: cls, args, kwargs
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (!(kwargs instanceof Map) || kwargs.size > 0) fail('NEWOBJ_EX with keyword arguments');
        push(callSafely(cls, args));
        break;
      }
      case 0x69: {
        // INST: "module\nname\n", arguments since the MARK
        const module = line();
        const name = line();
        const args = popMark();
        push(hooks.call(hooks.resolveGlobal(module, name), args));
        break;
      }
      case 0x6f: {
        // OBJ: the class is the first value after the MARK
        const items = popMark();
        if (items.length === 0) fail('OBJ without a class');
        push(hooks.call(items[0], items.slice(1)));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        hooks.build(top(), state);
        break;
      }
      case 0x50: {
        // PERSID: text id
        const pid = line();
        if (hooks.persistentLoad === undefined) fail('a persistent id, which this pickle should not have');
        push(hooks.persistentLoad!(pid));
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (hooks.persistentLoad === undefined) fail('a persistent id, which this pickle should not have');
        push(hooks.persistentLoad!(pid));
        break;
      }
      default:
        fail(`unknown pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}

/** A bigint that fits a double exactly comes back as a number. */
function small(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

function intText(t: string, fail: (m: string) => never): number | bigint {
  if (!/^[-+]?\d+$/.test(t) || t.length > MAX_LONG_BYTES * 3) fail(`INT/LONG ${JSON.stringify(t.slice(0, 20))} is not an integer`);
  return small(BigInt(t));
}

function memoIndex(t: string, fail: (m: string) => never): number {
  const n = Number(t);
  if (!/^\d{1,10}$/.test(t.trim()) || !Number.isSafeInteger(n)) fail(`memo index ${JSON.stringify(t.slice(0, 20))} is not a number`);
  return n;
}

/** Dict keys as a Map can compare them: strings, numbers, booleans, None; anything else by identity. */
function dictKey(k: unknown, fail: (m: string) => never): unknown {
  if (k instanceof Map || (Array.isArray(k) && !Object.isFrozen(k))) fail(`an unhashable ${typeName(k)} as a dict key`);
  return k;
}

export function latin1(b: Uint8Array): string {
  let s = '';
  for (let k = 0; k < b.length; k += 8192) s += String.fromCharCode(...b.subarray(k, k + 8192));
  return s;
}

/** Python 2 `repr(str)`: quoted with ' or ", with \\ escapes. */
function pyStringLiteral(t: string, fail: (m: string) => never): string {
  const q = t[0];
  if (t.length < 2 || (q !== "'" && q !== '"') || t[t.length - 1] !== q) fail('STRING argument is not a quoted string');
  const body = t.slice(1, -1);
  return body.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8) & 0xff);
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };
    return simple[e] ?? `\\${e}`;
  });
}

/** Python's raw-unicode-escape: only \uXXXX and \UXXXXXXXX are escapes. */
function rawUnicodeEscape(t: string, fail: (m: string) => never): string {
  return t.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, a: string | undefined, b: string | undefined) => {
    const cp = parseInt(a ?? b!, 16);
    if (cp > 0x10ffff) fail('UNICODE escape beyond U+10FFFF');
    return String.fromCodePoint(cp);
  });
}

/** What a value is, for messages (never the value: it may be huge or hostile). */
export function typeName(v: unknown): string {
  if (v === null) return 'None';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return Object.isFrozen(v) ? 'a tuple' : 'a list';
  if (v instanceof Map) return 'a dict';
  if (v instanceof Set) return 'a set';
  if (v instanceof PyBytes) return 'bytes';
  if (v instanceof PyInstance) return `a ${v.cls.module}.${v.cls.name}`;
  if (typeof v === 'object' && (v as { kind?: unknown }).kind === 'global') {
    const g = v as PyGlobal;
    return `${g.module}.${g.name}`;
  }
  if (typeof v === 'string') return 'a str';
  if (typeof v === 'number' || typeof v === 'bigint') return Number.isInteger(v) || typeof v === 'bigint' ? 'an int' : 'a float';
  if (typeof v === 'boolean') return 'a bool';
  return 'an object';
}
