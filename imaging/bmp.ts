/**
 * Minimal BMP decoder. sharp's prebuilt libvips has no BMP loader (it would need ImageMagick), and
 * users' frame dumps are often BMP, so uncompressed BMPs (1/4/8-bit palette, 16/24/32-bit) are read here.
 */
export interface DecodedRgb {
  readonly width: number;
  readonly height: number;
  /** RGB interleaved, 8 bit. */
  readonly data: Uint8Array;
}

export class BmpDecodeError extends Error {
  override readonly name = 'BmpDecodeError';
}

export function isBmp(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d;
}

export function decodeBmp(buf: Uint8Array): DecodedRgb {
  if (!isBmp(buf) || buf.length < 54) throw new BmpDecodeError('not a BMP file');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dataOffset = dv.getUint32(10, true);
  const headerSize = dv.getUint32(14, true);
  if (headerSize < 40) throw new BmpDecodeError(`unsupported BMP header size ${headerSize}`);
  const width = dv.getInt32(18, true);
  const rawHeight = dv.getInt32(22, true);
  const bpp = dv.getUint16(28, true);
  const compression = dv.getUint32(30, true);
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0) throw new BmpDecodeError(`bad BMP size ${width}x${rawHeight}`);
  // BI_RGB (0) everywhere; BI_BITFIELDS (3) only with the default 16/32-bit masks handled below.
  let masks: [number, number, number] | undefined;
  if (compression === 3) {
    masks = [dv.getUint32(54, true), dv.getUint32(58, true), dv.getUint32(62, true)];
  } else if (compression !== 0) {
    throw new BmpDecodeError(`compressed BMP (method ${compression}) is not supported`);
  }
  if (![1, 4, 8, 16, 24, 32].includes(bpp)) throw new BmpDecodeError(`unsupported BMP bit depth ${bpp}`);
  let palette: Uint8Array | undefined;
  if (bpp <= 8) {
    const colors = dv.getUint32(46, true) || 1 << bpp;
    const start = 14 + headerSize;
    palette = new Uint8Array(colors * 3);
    for (let i = 0; i < colors; i++) {
      palette[i * 3] = buf[start + i * 4 + 2] ?? 0;
      palette[i * 3 + 1] = buf[start + i * 4 + 1] ?? 0;
      palette[i * 3 + 2] = buf[start + i * 4] ?? 0;
    }
  }
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  if (dataOffset + stride * height > buf.length) throw new BmpDecodeError('truncated BMP pixel data');
  const out = new Uint8Array(width * height * 3);
  const m = masks ?? (bpp === 16 ? [0x7c00, 0x03e0, 0x001f] : [0xff0000, 0x00ff00, 0x0000ff]);
  const chan = (v: number, mask: number): number => {
    if (mask === 0) return 0;
    let shift = 0;
    while (((mask >>> shift) & 1) === 0) shift++;
    const max = mask >>> shift;
    return Math.round((((v & mask) >>> shift) * 255) / max);
  };
  for (let y = 0; y < height; y++) {
    const row = dataOffset + stride * (topDown ? y : height - 1 - y);
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (palette) {
        const bit = x * bpp;
        const byte = buf[row + (bit >> 3)] ?? 0;
        const idx = (byte >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        out[o] = palette[idx * 3] ?? 0;
        out[o + 1] = palette[idx * 3 + 1] ?? 0;
        out[o + 2] = palette[idx * 3 + 2] ?? 0;
      } else if (bpp === 24 || (bpp === 32 && !masks)) {
        const p = row + x * (bpp / 8);
        out[o] = buf[p + 2] ?? 0;
        out[o + 1] = buf[p + 1] ?? 0;
        out[o + 2] = buf[p] ?? 0;
      } else {
        const v = bpp === 16 ? dv.getUint16(row + x * 2, true) : dv.getUint32(row + x * 4, true);
        out[o] = chan(v, m[0]);
        out[o + 1] = chan(v, m[1]);
        out[o + 2] = chan(v, m[2]);
      }
    }
  }
  return { width, height, data: out };
}

/** Writes a 24-bit bottom-up BMP; used by tests to make fixtures. */
export function encodeBmp24(img: DecodedRgb): Uint8Array {
  const stride = Math.floor((24 * img.width + 31) / 32) * 4;
  const size = 54 + stride * img.height;
  const buf = new Uint8Array(size);
  const dv = new DataView(buf.buffer);
  buf[0] = 0x42;
  buf[1] = 0x4d;
  dv.setUint32(2, size, true);
  dv.setUint32(10, 54, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, img.width, true);
  dv.setInt32(22, img.height, true);
  dv.setUint16(26, 1, true);
  dv.setUint16(28, 24, true);
  for (let y = 0; y < img.height; y++) {
    const row = 54 + stride * (img.height - 1 - y);
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * 3;
      buf[row + x * 3] = img.data[i + 2] ?? 0;
      buf[row + x * 3 + 1] = img.data[i + 1] ?? 0;
      buf[row + x * 3 + 2] = img.data[i] ?? 0;
    }
  }
  return buf;
}
