/**
 * A small pickle interpreter for what torch.save writes (protocol 2, also 3-5 opcodes): containers,
 * numbers, strings, globals, REDUCE/BUILD/NEWOBJ and persistent ids. It never runs code: globals become
 * inert descriptors, and `reduce` decides what a call means (only a few torch/collections functions are
 * understood by the .pth reader). Hand-written because no maintained JS pickle reader covers torch's subset
 * without pulling in a Python runtime.
 *
 * Work is linear in the input by construction: every opcode consumes at least one byte and does bounded
 * work (a MARK-terminated opcode moves the items earlier opcodes pushed), memo GETs push the same object
 * again (shared, never copied), and integers are capped in size. Hostile input ends in a PickleError.
 */
import { PthFormatError } from './errors.js';

export interface PickleGlobal {
  readonly kind: 'global';
  readonly module: string;
  readonly name: string;
}

/** A call or NEWOBJ the interpreter did not map to a value; kept so the caller can inspect it. */
export interface PickleObject {
  readonly kind: 'object';
  readonly callable: PickleGlobal;
  readonly args: readonly unknown[];
  state?: unknown;
}

export interface PickleHooks {
  persistentLoad(pid: unknown): unknown;
  /** Returns the value of callable(*args), or undefined to keep a PickleObject. */
  reduce(callable: PickleGlobal, args: readonly unknown[]): unknown;
}

export class PickleError extends PthFormatError {
  override readonly name: string = 'PickleError';
}

const MARK = Symbol('mark');
/** LONG4 is for integers of more than 255 bytes; a state dict holds none, and decoding is not free. */
export const MAX_LONG4_BYTES = 256;

export function isGlobal(v: unknown, module: string, name: string): boolean {
  return typeof v === 'object' && v !== null && (v as PickleGlobal).kind === 'global' && (v as PickleGlobal).module === module && (v as PickleGlobal).name === name;
}

export function unpickle(bytes: Uint8Array, hooks: PickleHooks): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder();
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let p = 0;
  const need = (n: number): void => {
    if (p + n > bytes.length) throw new PickleError('pickle ends early');
  };
  const u8 = (): number => { need(1); return bytes[p++] ?? 0; };
  const u16 = (): number => { need(2); const v = view.getUint16(p, true); p += 2; return v; };
  const u32 = (): number => { need(4); const v = view.getUint32(p, true); p += 4; return v; };
  const u64 = (): number => { need(8); const v = Number(view.getBigUint64(p, true)); p += 8; return v; };
  const take = (n: number): Uint8Array => { need(n); const v = bytes.subarray(p, p + n); p += n; return v; };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, p);
    if (end < 0) throw new PickleError('unterminated text opcode');
    const s = decoder.decode(bytes.subarray(p, end));
    p = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) throw new PickleError('pickle stack underflow');
    return stack.pop();
  };
  const popMark = (): unknown[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) throw new PickleError('pickle MARK missing');
    const items = stack.slice(i + 1);
    stack.length = i;
    return items;
  };
  const top = (): unknown => stack[stack.length - 1];
  const setItems = (dict: unknown, items: unknown[]): void => {
    if (!(dict instanceof Map)) throw new PickleError('SETITEM(S) on a non-dict');
    for (let i = 0; i + 1 < items.length; i += 2) dict.set(items[i], items[i + 1]);
  };
  const appendItems = (list: unknown, items: unknown[]): void => {
    // Tuples are frozen arrays: appending to one is malformed, not a TypeError.
    if (!Array.isArray(list) || Object.isFrozen(list)) throw new PickleError('APPEND(S) on a non-list');
    for (const item of items) list.push(item);
  };
  const call = (callable: unknown, args: unknown): unknown => {
    if (typeof callable !== 'object' || callable === null || (callable as PickleGlobal).kind !== 'global' || !Array.isArray(args)) {
      throw new PickleError('REDUCE of something that is not a global');
    }
    const g = callable as PickleGlobal;
    const value = hooks.reduce(g, args);
    return value === undefined ? ({ kind: 'object', callable: g, args } satisfies PickleObject) : value;
  };
  /** Little-endian two's complement, through one hex string (shifting a BigInt per byte is quadratic). */
  const long = (raw: Uint8Array): number | bigint => {
    if (raw.length === 0) return 0;
    let hex = '';
    for (let i = raw.length - 1; i >= 0; i--) hex += (raw[i] ?? 0).toString(16).padStart(2, '0');
    let v = BigInt(`0x${hex}`);
    if (((raw[raw.length - 1] ?? 0) & 0x80) !== 0) v -= 1n << BigInt(8 * raw.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: p += 8; break; // FRAME: a size hint only
      case 0x2e: return pop(); // STOP
      case 0x28: stack.push(MARK); break;
      case 0x7d: stack.push(new Map()); break;
      case 0x5d: stack.push([]); break;
      case 0x29: stack.push(Object.freeze([])); break;
      case 0x8f: stack.push(new Set()); break;
      case 0x64: { const items = popMark(); const d = new Map(); setItems(d, items); stack.push(d); break; }
      case 0x6c: stack.push(popMark()); break;
      case 0x74: stack.push(Object.freeze(popMark())); break;
      case 0x85: stack.push(Object.freeze([pop()])); break;
      case 0x86: { const b = pop(); const a = pop(); stack.push(Object.freeze([a, b])); break; }
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(Object.freeze([a, b, c])); break; }
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; }
      case 0x75: { const items = popMark(); setItems(top(), items); break; }
      case 0x61: { const v = pop(); appendItems(top(), [v]); break; }
      case 0x65: { const items = popMark(); appendItems(top(), items); break; }
      case 0x90: { const items = popMark(); const s = top(); if (s instanceof Set) items.forEach((i) => s.add(i)); break; }
      case 0x71: memo.set(u8(), top()); break;
      case 0x72: memo.set(u32(), top()); break;
      case 0x70: memo.set(Number(line()), top()); break;
      case 0x94: memo.set(memo.size, top()); break;
      case 0x68: case 0x6a: case 0x67: {
        const key = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(line());
        if (!memo.has(key)) throw new PickleError(`memo ${key} missing`);
        stack.push(memo.get(key));
        break;
      }
      case 0x63: { const module = line(); const name = line(); stack.push({ kind: 'global', module, name } satisfies PickleGlobal); break; }
      case 0x93: {
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError('STACK_GLOBAL needs two strings');
        stack.push({ kind: 'global', module, name } satisfies PickleGlobal);
        break;
      }
      case 0x52: { const args = pop(); const f = pop(); stack.push(call(f, args)); break; }
      case 0x81: { const args = pop(); const cls = pop(); stack.push(call(cls, args)); break; }
      case 0x92: { pop(); const args = pop(); const cls = pop(); stack.push(call(cls, args)); break; }
      case 0x62: {
        const state = pop();
        const obj = top();
        // A dict's BUILD state holds instance attributes (OrderedDict._metadata): not part of the mapping.
        if (typeof obj === 'object' && obj !== null && (obj as PickleObject).kind === 'object') (obj as PickleObject).state = state;
        break;
      }
      case 0x51: stack.push(hooks.persistentLoad(pop())); break;
      case 0x50: stack.push(hooks.persistentLoad(line())); break;
      case 0x4a: need(4); stack.push(view.getInt32(p, true)); p += 4; break;
      case 0x4b: stack.push(u8()); break;
      case 0x4d: stack.push(u16()); break;
      case 0x8a: stack.push(long(take(u8()))); break;
      case 0x8b: {
        const n = u32();
        if (n > MAX_LONG4_BYTES) throw new PickleError(`LONG4 of ${n} bytes at byte ${p - 5}: integers over ${MAX_LONG4_BYTES} bytes are refused`);
        stack.push(long(take(n)));
        break;
      }
      case 0x49: { const s = line(); stack.push(s === '01' ? true : s === '00' ? false : Number(s)); break; }
      case 0x47: need(8); stack.push(view.getFloat64(p, false)); p += 8; break;
      case 0x4e: stack.push(null); break;
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x58: stack.push(decoder.decode(take(u32()))); break;
      case 0x8c: stack.push(decoder.decode(take(u8()))); break;
      case 0x8d: stack.push(decoder.decode(take(u64()))); break;
      case 0x54: stack.push(decoder.decode(take(u32()))); break;
      case 0x55: stack.push(decoder.decode(take(u8()))); break;
      case 0x42: stack.push(take(u32()).slice()); break;
      case 0x43: stack.push(take(u8()).slice()); break;
      case 0x8e: stack.push(take(u64()).slice()); break;
      case 0x30: pop(); break;
      case 0x31: popMark(); break;
      case 0x32: stack.push(top()); break;
      default: throw new PickleError(`unsupported pickle opcode 0x${op.toString(16)} at byte ${p - 1}`);
    }
  }
}
