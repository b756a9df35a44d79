/**
 * Test support for src/model/pth: hand-built ZIP archives and torch-style pickles, so the importer's tests can forge exactly
 * the malformed or hostile files they need (a lying size, overlapping entries, a shared-reference bomb)
 * without Python. Node only (zlib).
 */
import { crc32, deflateRawSync } from 'node:zlib';
import { concatBytes } from '../../src/model/modelFiles.js';

export interface TestEntry {
  readonly name: string;
  readonly data: Uint8Array;
  readonly deflate?: boolean;
  /** Stores these bytes as the entry's deflate stream (method 8) instead of compressing `data`. */
  readonly packed?: Uint8Array;
  /** Overrides the uncompressed size recorded in the central directory. */
  readonly declaredSize?: number;
  /** Overrides the CRC-32 recorded in the central directory. */
  readonly crc?: number;
  /** Points the central-directory record at the local header of the entry with this name. */
  readonly sameDataAs?: string;
}

/** A ZIP archive as torch.save writes it (sizes in the central directory), stored or deflated entries. */
export function makeZip(entries: readonly TestEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const locals: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  const offsets = new Map<string, { at: number; packed: number; method: number; crc: number; size: number }>();
  let at = 0;
  for (const e of entries) {
    const name = enc.encode(e.name);
    let info = e.sameDataAs === undefined ? undefined : offsets.get(e.sameDataAs);
    if (info === undefined) {
      const method = e.deflate === true || e.packed !== undefined ? 8 : 0;
      const packed = e.packed ?? (method === 8 ? new Uint8Array(deflateRawSync(e.data)) : e.data);
      const local = new Uint8Array(30 + name.length + packed.length);
      const lv = new DataView(local.buffer);
      lv.setUint32(0, 0x04034b50, true);
      lv.setUint16(4, 20, true);
      lv.setUint16(8, method, true);
      lv.setUint32(18, packed.length, true);
      lv.setUint32(22, e.data.length, true);
      lv.setUint16(26, name.length, true);
      local.set(name, 30);
      local.set(packed, 30 + name.length);
      info = { at, packed: packed.length, method, crc: crc32(e.data), size: e.data.length };
      offsets.set(e.name, info);
      locals.push(local);
      at += local.length;
    }
    const c = new Uint8Array(46 + name.length);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, info.method, true);
    cv.setUint32(16, (e.crc ?? info.crc) >>> 0, true);
    cv.setUint32(20, info.packed, true);
    cv.setUint32(24, e.declaredSize ?? info.size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, info.at, true);
    c.set(name, 46);
    central.push(c);
  }
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, Math.min(entries.length, 0xffff), true);
  ev.setUint16(10, Math.min(entries.length, 0xffff), true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, at, true);
  return concatBytes([...locals, ...central, eocd]);
}


/** Pickle opcodes, written by hand (protocol 2 plus the few later ones the tests need). */
export class PickleWriter {
  readonly #out: number[] = [0x80, 2];

  op(...bytes: number[]): this {
    for (const b of bytes) this.#out.push(b);
    return this;
  }

  raw(bytes: Uint8Array): this {
    for (const b of bytes) this.#out.push(b);
    return this;
  }

  u32(v: number): this {
    return this.op(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }

  str(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.op(0x58).u32(b.length).raw(b);
  }

  int(v: number): this {
    return this.op(0x4a).u32(v | 0);
  }

  global(module: string, name: string): this {
    return this.op(0x63).raw(new TextEncoder().encode(`${module}\n${name}\n`));
  }

  mark(): this { return this.op(0x28); }
  tuple(): this { return this.op(0x74); }
  reduce(): this { return this.op(0x52); }
  put(i: number): this { return this.op(0x72).u32(i); }
  get(i: number): this { return this.op(0x6a).u32(i); }
  stop(): Uint8Array { return new Uint8Array([...this.#out, 0x2e]); }
}

export interface TestTensor {
  readonly name: string;
  readonly storage: string;
  readonly shape: readonly number[];
  readonly stride?: readonly number[];
  readonly offset?: number;
  readonly storageType?: string;
}

/** Appends torch._utils._rebuild_tensor_v2(storage, offset, shape, stride, False, OrderedDict()). */
export function writeTensor(w: PickleWriter, t: TestTensor, numel = 1): PickleWriter {
  const stride = t.stride ?? t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  w.global('torch._utils', '_rebuild_tensor_v2').mark();
  w.mark().str('storage').global('torch', t.storageType ?? 'FloatStorage').str(t.storage).str('cpu').int(numel).tuple().op(0x51);
  w.int(t.offset ?? 0);
  w.mark();
  for (const d of t.shape) w.int(d);
  w.tuple().mark();
  for (const s of stride) w.int(s);
  w.tuple().op(0x89).global('collections', 'OrderedDict').op(0x29).reduce();
  return w.tuple().reduce();
}

/** A torch.save archive of an OrderedDict state dict: data.pkl, data/<key> storages, version. */
export function torchArchive(tensors: readonly TestTensor[], storages: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const w = new PickleWriter().global('collections', 'OrderedDict').op(0x29).reduce().mark();
  for (const t of tensors) writeTensor(w.str(t.name), t);
  const pkl = w.op(0x75).stop();
  return makeZip([
    { name: 'archive/data.pkl', data: pkl },
    ...[...storages].map(([key, data]) => ({ name: `archive/data/${key}`, data })),
    { name: 'archive/version', data: new TextEncoder().encode('3\n') },
  ]);
}

/** An archive whose data.pkl is the given pickle (no storages). */
export function pickleArchive(pkl: Uint8Array): Uint8Array {
  return makeZip([{ name: 'archive/data.pkl', data: pkl }, { name: 'archive/version', data: new TextEncoder().encode('3\n') }]);
}

export const f32Bytes = (values: readonly number[]): Uint8Array => new Uint8Array(Float32Array.from(values).buffer);
