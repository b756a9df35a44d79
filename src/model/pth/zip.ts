/**
 * Just enough of a ZIP reader for torch.save archives: central directory (ZIP64 included, torch writes it
 * for big files), stored entries (what torch writes) and deflated ones (in case a tool repacked the file),
 * through DecompressionStream, which Node 20, browsers and workers all have.
 *
 * Hostile archives are refused before they cost anything: every record is bounds-checked, entries may not
 * overlap (one stored blob listed under many names), a deflated entry is inflated only if its declared
 * size fits the caller's budget and never past that size, and every entry read has its CRC-32 checked.
 */
import { type ByteBudget, PthFormatError } from './errors.js';

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  readonly localHeaderOffset: number;
  /** Where the entry's stored (or deflated) bytes start, past its local header. */
  readonly dataOffset: number;
}

export class ZipFormatError extends PthFormatError {
  override readonly name: string = 'ZipFormatError';
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Compressed bytes handed to the inflater at a time: bounds what one write can expand to (~1 MB). */
const INFLATE_FEED = 1024;

function u64(view: DataView, at: number, what: string): number {
  if (at + 8 > view.byteLength) throw new ZipFormatError(`${what} runs past the end of the archive`);
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError(`${what} too large`);
  return Number(v);
}

/** The end records: where the central directory is and how many entries it holds. */
function directory(bytes: Uint8Array, view: DataView): { count: number; cdOffset: number } {
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipFormatError('not a zip archive (no end of central directory)');
  let count = view.getUint16(eocd + 10, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  const locator = eocd - 20;
  if (locator >= 0 && view.getUint32(locator, true) === EOCD64_LOCATOR) {
    const at = u64(view, locator + 8, 'ZIP64 end record offset');
    if (at + 56 > locator || view.getUint32(at, true) !== EOCD64) throw new ZipFormatError('bad ZIP64 end record');
    count = u64(view, at + 32, 'ZIP64 entry count');
    cdOffset = u64(view, at + 48, 'ZIP64 central directory offset');
  }
  // Each central record takes at least 46 bytes: a larger count is a lie, refused before any loop.
  if (cdOffset > bytes.length || count > (bytes.length - cdOffset) / 46) throw new ZipFormatError(`bad central directory (${count} entries at ${cdOffset})`);
  return { count, cdOffset };
}

/** Every entry by name, validated: records in bounds, unique names, local headers present, no overlap. */
export function listZip(bytes: Uint8Array): ReadonlyMap<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { count, cdOffset } = directory(bytes, view);
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder();
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== CENTRAL) throw new ZipFormatError(`bad central directory record ${n}`);
    const method = view.getUint16(p + 10, true);
    const crc32 = view.getUint32(p + 16, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let localHeaderOffset = view.getUint32(p + 42, true);
    const extraStart = p + 46 + nameLen;
    const next = extraStart + extraLen + commentLen;
    if (next > bytes.length) throw new ZipFormatError(`central directory record ${n} runs past the end of the archive`);
    const name = decoder.decode(bytes.subarray(p + 46, extraStart));
    if ((view.getUint16(p + 8, true) & 1) !== 0) throw new ZipFormatError(`${name} is encrypted`);
    // ZIP64 extra field: the 0xffffffff fields, in order, as 8-byte values.
    for (let e = extraStart; e + 4 <= extraStart + extraLen;) {
      const id = view.getUint16(e, true);
      const end = e + 4 + view.getUint16(e + 2, true);
      if (end > extraStart + extraLen) throw new ZipFormatError(`${name}: extra field runs past its record`);
      if (id === 0x0001) {
        let q = e + 4;
        const field = (what: string): number => {
          if (q + 8 > end) throw new ZipFormatError(`${name}: ZIP64 extra field too short for the ${what}`);
          q += 8;
          return u64(view, q - 8, `${name}: ZIP64 ${what}`);
        };
        if (size === 0xffffffff) size = field('size');
        if (compressedSize === 0xffffffff) compressedSize = field('compressed size');
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = field('local header offset');
      }
      e = end;
    }
    const at = localHeaderOffset;
    if (at + 30 > cdOffset || view.getUint32(at, true) !== LOCAL) throw new ZipFormatError(`bad local header for ${name}`);
    const dataOffset = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
    if (dataOffset + compressedSize > cdOffset) throw new ZipFormatError(`${name} runs past the end of the archive's data (truncated file?)`);
    if (method === 0 && compressedSize !== size) throw new ZipFormatError(`${name} is stored, yet records ${compressedSize} bytes stored for ${size}`);
    if (entries.has(name)) throw new ZipFormatError(`two entries are named ${name}`);
    entries.set(name, { name, method, compressedSize, size, crc32, localHeaderOffset, dataOffset });
    p = next;
  }
  checkNoOverlap([...entries.values()]);
  return entries;
}

/** One stored blob listed under several names would be inflated (and budgeted) once per name. */
function checkNoOverlap(entries: ZipEntry[]): void {
  entries.sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (let i = 1; i < entries.length; i++) {
    const prev = entries[i - 1];
    const cur = entries[i];
    if (prev !== undefined && cur !== undefined && cur.localHeaderOffset < prev.dataOffset + prev.compressedSize) {
      throw new ZipFormatError(`entries ${prev.name} and ${cur.name} overlap`);
    }
  }
}

const CRC_TABLE = ((): Uint32Array => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO-HDLC, the ZIP one). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = (CRC_TABLE[(c ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Inflates into a buffer of exactly `size` bytes, feeding the input in small pieces and stopping past it. */
async function inflate(raw: Uint8Array, size: number, name: string): Promise<Uint8Array> {
  const stream = new DecompressionStream('deflate-raw');
  const writer = stream.writable.getWriter();
  const reader = (stream.readable as ReadableStream<Uint8Array>).getReader();
  const feed = (async (): Promise<void> => {
    for (let i = 0; i < raw.length; i += INFLATE_FEED) await writer.write(raw.slice(i, i + INFLATE_FEED));
    await writer.close();
  })();
  // A failed or cancelled inflate rejects the pending write too; the reader reports it.
  feed.catch(() => undefined);
  const out = new Uint8Array(size);
  let got = 0;
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (e) {
      throw new ZipFormatError(`${name}: bad deflate data (${(e as Error).message})`);
    }
    if (chunk.done) break;
    if (got + chunk.value.length > size) {
      await reader.cancel().catch(() => undefined);
      throw new ZipFormatError(`${name} inflates to more than the ${size} bytes it declares`);
    }
    out.set(chunk.value, got);
    got += chunk.value.length;
  }
  if (got !== size) throw new ZipFormatError(`${name} inflates to ${got} bytes, not the ${size} it declares`);
  return out;
}

/** An entry's bytes (a view for stored entries), CRC-checked; inflated bytes are taken from `budget` first. */
export async function readZipEntry(bytes: Uint8Array, entry: ZipEntry, budget: ByteBudget): Promise<Uint8Array> {
  const raw = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  let out: Uint8Array;
  if (entry.method === 0) out = raw;
  else if (entry.method === 8) {
    budget.take(entry.size, `inflating ${entry.name}`, ZipFormatError);
    out = await inflate(raw, entry.size, entry.name);
  } else throw new ZipFormatError(`${entry.name}: unsupported compression method ${entry.method}`);
  const crc = crc32(out);
  if (crc !== entry.crc32) {
    throw new ZipFormatError(`${entry.name}: CRC-32 ${crc.toString(16).padStart(8, '0')} differs from the recorded ${entry.crc32.toString(16).padStart(8, '0')} (corrupted file)`);
  }
  return out;
}
