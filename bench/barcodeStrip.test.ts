import { describe, expect, it } from 'vitest';
import { barcodeRect, decodeStrip, type BarcodeGeometry } from './pages/barcodeStrip.js';
import { barcodeBlock, BARCODE_BITS } from './webrtcCurve.js';

/** The luma plane writeBarcodedY4m stamps (16/235 blocks over mid-grey), box-downscaled like libyuv. */
function stampedLuma(w: number, h: number, index: number, factor: number): Uint8Array {
  const block = barcodeBlock(h);
  const full = new Uint8Array(w * h).fill(128);
  for (let b = 0; b < BARCODE_BITS + 2; b++) {
    const white = b === 0 || (b <= BARCODE_BITS && ((index >> (BARCODE_BITS - b)) & 1) === 1);
    for (let y = h - block; y < h; y++) full.fill(white ? 235 : 16, y * w + b * block, y * w + (b + 1) * block);
  }
  const [sw, sh] = [w / factor, h / factor];
  const small = new Uint8Array(sw * sh);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      let s = 0;
      for (let dy = 0; dy < factor; dy++) for (let dx = 0; dx < factor; dx++) s += full[(y * factor + dy) * w + x * factor + dx] ?? 0;
      small[y * sw + x] = Math.round(s / factor ** 2);
    }
  }
  return small;
}

describe('barcode strip of a received frame', () => {
  const g: BarcodeGeometry = { sourceWidth: 1920, sourceHeight: 1080, bits: BARCODE_BITS, block: barcodeBlock(1080) };

  it('covers the bottom-left strip scaled to the sent size, on even coordinates', () => {
    expect(barcodeRect({ x: 0, y: 0, width: 1920, height: 1080 }, g)).toEqual({ x: 0, y: 1016, width: 768, height: 64 });
    const r = barcodeRect({ x: 0, y: 0, width: 480, height: 270 }, g);
    expect(r).toEqual({ x: 0, y: 254, width: 192, height: 16 });
    for (const v of [r.x, r.y, r.width]) expect(v % 2).toBe(0);
  });

  it.each([
    [1, 0],
    [2, 613],
    [4, 1023],
    [3, 85],
  ])('reads the index from the strip alone at 1/%i size (index %i)', (factor, index) => {
    const [w, h] = [1920 / factor, 1080 / factor];
    const plane = stampedLuma(1920, 1080, index, factor);
    const visible = { x: 0, y: 0, width: w, height: h };
    const rect = barcodeRect(visible, g);
    // Only the strip, as VideoFrame.copyTo({rect}) returns it: rows of rect.width bytes.
    const strip = new Uint8Array(rect.width * rect.height);
    for (let y = 0; y < rect.height; y++) strip.set(plane.subarray((rect.y + y) * w + rect.x, (rect.y + y) * w + rect.x + rect.width), y * rect.width);
    expect(decodeStrip(strip, rect.width, rect, visible, g)).toBe(index);
  });

  it('finds no barcode in a frame without one', () => {
    const visible = { x: 0, y: 0, width: 640, height: 360 };
    const rect = barcodeRect(visible, g);
    expect(decodeStrip(new Uint8Array(rect.width * rect.height).fill(128), rect.width, rect, visible, g)).toBeNull();
  });
});
