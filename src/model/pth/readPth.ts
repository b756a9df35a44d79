import { isGlobal, unpickle, type PickleGlobal } from './pickle.js';
import { listZip, readZipEntry } from './zip.js';

export type TorchDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** A tensor of a state dict. Floating tensors are converted to contiguous float32; others keep no data. */
export interface TorchTensor {
  readonly dtype: TorchDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array | null;
}

export class PthFormatError extends Error {
  override readonly name = 'PthFormatError';
}

const STORAGES: Record<string, [TorchDtype, number]> = {
  FloatStorage: ['float32', 4], DoubleStorage: ['float64', 8], HalfStorage: ['float16', 2], BFloat16Storage: ['bfloat16', 2],
  LongStorage: ['int64', 8], IntStorage: ['int32', 4], ShortStorage: ['int16', 2], CharStorage: ['int8', 1],
  ByteStorage: ['uint8', 1], BoolStorage: ['bool', 1],
};

interface StorageRef { readonly kind: 'storage'; readonly key: string; readonly dtype: TorchDtype; readonly itemBytes: number }
interface TensorRef { readonly kind: 'tensor'; readonly storage: StorageRef; readonly offset: number; readonly shape: number[]; readonly stride: number[] }

function halfToFloat(h: number): number {
  const s = (h & 0x8000) !== 0 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f === 0 ? s * Infinity : Number.NaN;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function readElement(view: DataView, dtype: TorchDtype, at: number): number {
  switch (dtype) {
    case 'float32': return view.getFloat32(at, true);
    case 'float64': return view.getFloat64(at, true);
    case 'float16': return halfToFloat(view.getUint16(at, true));
    case 'bfloat16': {
      const b = new DataView(new ArrayBuffer(4));
      b.setUint16(0, view.getUint16(at, true), false);
      return b.getFloat32(0, false);
    }
    case 'int64': case 'int32': case 'int16': case 'int8': case 'uint8': case 'bool':
      throw new PthFormatError(`no float conversion for ${dtype}`);
    default: {
      const never: never = dtype;
      throw new PthFormatError(`unknown dtype ${String(never)}`);
    }
  }
}

const isFloat = (d: TorchDtype): boolean => d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';

function toIntArray(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every((d) => typeof d === 'number' && Number.isInteger(d))) throw new PthFormatError(`bad tensor ${what}`);
  return v as number[];
}

/**
 * Reads every tensor of a torch.save archive (the zip format of PyTorch >= 1.6) without Python. Returns the
 * top-level object with tensors replaced by TorchTensor: Maps for dicts, arrays for lists/tuples.
 */
export async function readPth(bytes: Uint8Array): Promise<unknown> {
  const entries = listZip(bytes);
  const pkl = entries.find((e) => e.name === 'data.pkl' || e.name.endsWith('/data.pkl'));
  if (pkl === undefined) throw new PthFormatError('no data.pkl: not a torch.save zip (legacy pre-1.6 .pth files are not supported; re-save with torch>=1.6)');
  const prefix = pkl.name.slice(0, pkl.name.length - 'data.pkl'.length);
  const byteorder = entries.find((e) => e.name === `${prefix}byteorder`);
  if (byteorder !== undefined && new TextDecoder().decode(await readZipEntry(bytes, byteorder)).trim() !== 'little') {
    throw new PthFormatError('big-endian checkpoints are not supported');
  }
  const tensors: TensorRef[] = [];
  const root = unpickle(await readZipEntry(bytes, pkl), {
    persistentLoad(pid): StorageRef {
      if (!Array.isArray(pid) || pid[0] !== 'storage') throw new PthFormatError(`unknown persistent id ${JSON.stringify(pid)}`);
      const type = pid[1] as PickleGlobal | undefined;
      const info = type === undefined ? undefined : STORAGES[type.name];
      if (info === undefined || typeof pid[2] !== 'string') throw new PthFormatError(`unsupported storage ${type?.name ?? '?'}`);
      return { kind: 'storage', key: pid[2], dtype: info[0], itemBytes: info[1] };
    },
    reduce(callable, args): unknown {
      if (isGlobal(callable, 'collections', 'OrderedDict')) return new Map();
      if (isGlobal(callable, 'torch._utils', '_rebuild_tensor_v2') || isGlobal(callable, 'torch._utils', '_rebuild_tensor')) {
        const storage = args[0] as StorageRef;
        if (storage?.kind !== 'storage') throw new PthFormatError('tensor without storage');
        const t: TensorRef = { kind: 'tensor', storage, offset: Number(args[1]), shape: toIntArray(args[2], 'size'), stride: toIntArray(args[3], 'stride') };
        tensors.push(t);
        return t;
      }
      if (isGlobal(callable, 'torch._utils', '_rebuild_parameter')) return args[0];
      return undefined;
    },
  });
  const storageBytes = new Map<string, Uint8Array>();
  for (const t of tensors) {
    if (storageBytes.has(t.storage.key)) continue;
    const entry = entries.find((e) => e.name === `${prefix}data/${t.storage.key}`);
    if (entry === undefined) throw new PthFormatError(`storage data/${t.storage.key} missing from the archive`);
    storageBytes.set(t.storage.key, await readZipEntry(bytes, entry));
  }
  const convert = (t: TensorRef): TorchTensor => {
    if (!isFloat(t.storage.dtype)) return { dtype: t.storage.dtype, shape: t.shape, data: null };
    const raw = storageBytes.get(t.storage.key) ?? new Uint8Array(0);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const n = t.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n);
    const index = new Array<number>(t.shape.length).fill(0);
    for (let i = 0; i < n; i++) {
      let at = t.offset;
      for (let d = 0; d < index.length; d++) at += (index[d] ?? 0) * (t.stride[d] ?? 0);
      const byte = at * t.storage.itemBytes;
      if (byte + t.storage.itemBytes > raw.length) throw new PthFormatError(`storage data/${t.storage.key} is too short (truncated file?)`);
      out[i] = readElement(view, t.storage.dtype, byte);
      for (let d = index.length - 1; d >= 0; d--) {
        index[d] = (index[d] ?? 0) + 1;
        if ((index[d] ?? 0) < (t.shape[d] ?? 0)) break;
        index[d] = 0;
      }
    }
    return { dtype: t.storage.dtype, shape: t.shape, data: out };
  };
  const walk = (v: unknown): unknown => {
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, walk(x)]));
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null && (v as TensorRef).kind === 'tensor') return convert(v as TensorRef);
    return v;
  };
  return walk(root);
}

export function isTorchTensor(v: unknown): v is TorchTensor {
  return typeof v === 'object' && v !== null && typeof (v as TorchTensor).dtype === 'string' && Array.isArray((v as TorchTensor).shape) && 'data' in v;
}

/**
 * The state dict inside a checkpoint: the object itself when it maps names to tensors, or the first of
 * 'model', 'state_dict', 'generator', 'gen', 'netG', 'params' that does (the authors' .pth.tar uses 'model').
 */
export function findStateDict(root: unknown): Map<string, TorchTensor> {
  const isStateDict = (v: unknown): v is Map<string, unknown> =>
    v instanceof Map && v.size > 0 && [...(v as Map<unknown, unknown>).values()].some(isTorchTensor) && [...(v as Map<unknown, unknown>).keys()].every((k) => typeof k === 'string');
  const wrapper = root instanceof Map ? (root as Map<unknown, unknown>) : new Map<unknown, unknown>();
  const candidates: unknown[] = [root, ...['model', 'state_dict', 'generator', 'gen', 'netG', 'params'].map((k) => wrapper.get(k))];
  const found = candidates.find(isStateDict);
  if (found === undefined) throw new PthFormatError('no state dict (a mapping of names to tensors) in the checkpoint');
  const out = new Map<string, TorchTensor>();
  for (const [k, v] of found) if (isTorchTensor(v)) out.set(k, v);
  return out;
}
