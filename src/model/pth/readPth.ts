import { shapeSize } from '../weightSpec.js';
import { ByteBudget, PthFormatError } from './errors.js';
import { isGlobal, unpickle, type PickleGlobal } from './pickle.js';
import { listZip, readZipEntry } from './zip.js';

export { PthFormatError } from './errors.js';

export type TorchDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** A tensor of a state dict. Floating tensors are converted to contiguous float32; others keep no data. */
export interface TorchTensor {
  readonly dtype: TorchDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array | null;
}

const STORAGES = new Map<string, [TorchDtype, number]>([
  ['FloatStorage', ['float32', 4]], ['DoubleStorage', ['float64', 8]], ['HalfStorage', ['float16', 2]], ['BFloat16Storage', ['bfloat16', 2]],
  ['LongStorage', ['int64', 8]], ['IntStorage', ['int32', 4]], ['ShortStorage', ['int16', 2]], ['CharStorage', ['int8', 1]],
  ['ByteStorage', ['uint8', 1]], ['BoolStorage', ['bool', 1]],
]);
/** No SwiftSR tensor has more than 4 dimensions; the cap keeps per-element index work bounded. */
export const MAX_RANK = 16;

interface StorageRef { readonly kind: 'storage'; readonly key: string; readonly dtype: TorchDtype; readonly itemBytes: number }
/** The object callers get (filled in once the storages are read) and where its elements are. */
interface TensorRef {
  readonly tensor: { dtype: TorchDtype; shape: readonly number[]; data: Float32Array | null };
  readonly storage: StorageRef;
  readonly offset: number;
  readonly stride: readonly number[];
}

export function halfToFloat(h: number): number {
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

function toDims(v: unknown, what: string, rank?: number): number[] {
  if (!Array.isArray(v) || v.length > MAX_RANK || (rank !== undefined && v.length !== rank)) {
    throw new PthFormatError(`bad tensor ${what}: ${rank === undefined ? `a tuple of at most ${MAX_RANK} integers` : `a ${rank}-tuple`} expected`);
  }
  if (!v.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) throw new PthFormatError(`bad tensor ${what}: dimensions must be non-negative integers`);
  return v as number[];
}

function describeTensor(shape: readonly number[], stride: readonly number[], storage: StorageRef): string {
  return `tensor [${shape.join(', ')}] (stride [${stride.join(', ')}]) over storage data/${storage.key}`;
}

/** Fills a tensor's float32 data from its storage bytes; every index was checked against them already. */
function convert(t: TensorRef, raw: Uint8Array): void {
  const { shape, dtype } = t.tensor;
  const n = shapeSize(shape);
  const out = new Float32Array(n);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let at = t.offset;
    for (let d = 0; d < index.length; d++) at += (index[d] ?? 0) * (t.stride[d] ?? 0);
    out[i] = readElement(view, dtype, at * t.storage.itemBytes);
    for (let d = index.length - 1; d >= 0; d--) {
      index[d] = (index[d] ?? 0) + 1;
      if ((index[d] ?? 0) < (shape[d] ?? 0)) break;
      index[d] = 0;
    }
  }
  t.tensor.data = out;
}

/**
 * Reads every tensor of a torch.save archive (the zip format of PyTorch >= 1.6) without Python. Returns the
 * top-level object with tensors replaced by TorchTensor: Maps for dicts, arrays for lists (frozen arrays
 * for tuples). Objects the pickle shares stay shared (and may be cyclic): nothing is copied.
 *
 * Hostile files cost at most linear time and EXPANSION x the file size in memory: each tensor's shape,
 * stride and offset are checked against its storage's recorded size, and its float32 copy against the
 * budget, before anything is inflated or allocated. Every fault is a PthFormatError (ZipFormatError,
 * PickleError) naming the problem.
 */
export async function readPth(bytes: Uint8Array): Promise<unknown> {
  const budget = ByteBudget.forFile(bytes.length);
  const entries = listZip(bytes);
  const pkl = [...entries.values()].find((e) => e.name === 'data.pkl' || e.name.endsWith('/data.pkl'));
  if (pkl === undefined) throw new PthFormatError('no data.pkl: not a torch.save zip (legacy pre-1.6 .pth files are not supported; re-save with torch>=1.6)');
  const prefix = pkl.name.slice(0, pkl.name.length - 'data.pkl'.length);
  const byteorder = entries.get(`${prefix}byteorder`);
  if (byteorder !== undefined && new TextDecoder().decode(await readZipEntry(bytes, byteorder, budget)).trim() !== 'little') {
    throw new PthFormatError('big-endian checkpoints are not supported');
  }
  const storageEntry = (key: string): NonNullable<ReturnType<typeof entries.get>> => {
    const entry = entries.get(`${prefix}data/${key}`);
    if (entry === undefined) throw new PthFormatError(`storage data/${key} missing from the archive`);
    return entry;
  };
  const refs: TensorRef[] = [];
  const rebuild = (args: readonly unknown[]): TensorRef['tensor'] => {
    const storage = args[0] as StorageRef | null | undefined;
    if (typeof storage !== 'object' || storage?.kind !== 'storage') throw new PthFormatError('tensor without storage');
    const shape = toDims(args[2], 'size');
    const stride = toDims(args[3], 'stride', shape.length);
    const offset = args[1];
    if (!Number.isSafeInteger(offset) || (offset as number) < 0) throw new PthFormatError(`bad tensor storage offset for ${describeTensor(shape, stride, storage)}`);
    const what = describeTensor(shape, stride, storage);
    // Overflow is harmless: Infinity (or NaN from Infinity x 0) fails the budget below.
    let numel = 1;
    let last = offset as number;
    for (let d = 0; d < shape.length; d++) {
      numel *= shape[d] ?? 0;
      last += ((shape[d] ?? 1) - 1) * (stride[d] ?? 0);
    }
    const elements = Math.floor(storageEntry(storage.key).size / storage.itemBytes);
    if (numel > 0 && last >= elements) {
      throw new PthFormatError(`${what} reaches element ${last}; storage data/${storage.key} holds ${elements} ${storage.dtype} elements`);
    }
    const tensor = { dtype: storage.dtype, shape, data: null };
    if (isFloat(storage.dtype)) {
      budget.take(4 * numel, `${what} as float32`);
      refs.push({ tensor, storage, offset: offset as number, stride });
    }
    return tensor;
  };
  const root = unpickle(await readZipEntry(bytes, pkl, budget), {
    persistentLoad(pid): StorageRef {
      if (!Array.isArray(pid) || pid[0] !== 'storage') throw new PthFormatError(`unknown persistent id (${Array.isArray(pid) ? `a ${pid.length}-tuple` : typeof pid}); only ('storage', ...) is read`);
      const type = pid[1] as PickleGlobal | null | undefined;
      const info = typeof type === 'object' && type?.kind === 'global' && type.module === 'torch' ? STORAGES.get(type.name) : undefined;
      if (info === undefined || typeof pid[2] !== 'string') throw new PthFormatError(`unsupported storage ${typeof type?.name === 'string' ? type.name.slice(0, 64) : '?'}`);
      return { kind: 'storage', key: pid[2], dtype: info[0], itemBytes: info[1] };
    },
    reduce(callable, args): unknown {
      if (isGlobal(callable, 'collections', 'OrderedDict')) return new Map();
      if (isGlobal(callable, 'torch._utils', '_rebuild_tensor_v2') || isGlobal(callable, 'torch._utils', '_rebuild_tensor')) return rebuild(args);
      if (isGlobal(callable, 'torch._utils', '_rebuild_parameter')) return args[0];
      return undefined;
    },
  });
  const storageBytes = new Map<string, Uint8Array>();
  for (const t of refs) {
    let raw = storageBytes.get(t.storage.key);
    if (raw === undefined) {
      raw = await readZipEntry(bytes, storageEntry(t.storage.key), budget);
      storageBytes.set(t.storage.key, raw);
    }
    convert(t, raw);
  }
  return root;
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
