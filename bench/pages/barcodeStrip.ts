import { decodeBarcode } from './webrtcTypes.js';

/* DOM-free, so that Node tests can run it on synthetic planes. */

/** A pixel rectangle in the received frame's coordinates. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface BarcodeGeometry {
  /** Size the barcode was drawn at (the source), whatever size the encoder sent. */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  readonly bits: number;
  readonly block: number;
}

/**
 * Where the barcode strip lies in a received frame of `visible` size: the bottom-left corner scaled from
 * the source size, widened to even coordinates because `VideoFrame.copyTo` needs 4:2:0-aligned rects.
 */
export function barcodeRect(visible: Rect, g: BarcodeGeometry): Rect {
  const sx = visible.width / g.sourceWidth;
  const sy = visible.height / g.sourceHeight;
  const even = (v: number): number => 2 * Math.floor(v / 2);
  const top = even((g.sourceHeight - g.block) * sy);
  const right = Math.min(visible.width, even(Math.ceil((g.bits + 2) * g.block * sx) + 1));
  return { x: visible.x, y: visible.y + top, width: right, height: visible.height - top };
}

/**
 * Decodes the frame index from the luma of the strip only (`rect` in frame coordinates, `luma` row-major
 * with `stride`): a 5x5 mean around each block centre, since single pixels carry codec noise.
 */
export function decodeStrip(luma: Uint8Array | Uint8ClampedArray, stride: number, rect: Rect, visible: Rect, g: BarcodeGeometry): number | null {
  const sx = visible.width / g.sourceWidth;
  const sy = visible.height / g.sourceHeight;
  const at = (x: number, y: number): number => {
    const cx = Math.floor(x * sx) + visible.x - rect.x;
    const cy = Math.floor(y * sy) + visible.y - rect.y;
    let s = 0;
    let n = 0;
    for (let dy = -2; dy <= 2; dy++) {
      for (let dx = -2; dx <= 2; dx++) {
        const px = cx + dx;
        const py = cy + dy;
        if (px < 0 || py < 0 || px >= rect.width || py >= rect.height) continue;
        s += luma[py * stride + px] ?? 0;
        n++;
      }
    }
    return n === 0 ? 0 : s / n;
  };
  return decodeBarcode(at, g.sourceHeight, g.bits, g.block);
}
