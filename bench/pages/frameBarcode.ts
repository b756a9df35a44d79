import { barcodeRect, decodeStrip, type BarcodeGeometry, type Rect } from './barcodeStrip.js';

/** Pixel formats whose first plane is 8-bit luma: copyTo of a small rect gives the barcode without any colour conversion. */
const PLANAR = new Set(['I420', 'I420A', 'I422', 'I444', 'NV12']);

/**
 * The index barcoded into a received frame, read from a few hundred bytes: `copyTo` of the strip's Y
 * plane for planar frames (what software decoders give), else a 2D draw of the strip alone. Either way the
 * full frame is never converted, which is what made the page too slow to see every frame.
 */
export async function readFrameIndex(frame: VideoFrame, g: BarcodeGeometry, scratch: OffscreenCanvasRenderingContext2D): Promise<number | null> {
  const vr = frame.visibleRect;
  const visible: Rect = vr === null ? { x: 0, y: 0, width: frame.displayWidth, height: frame.displayHeight } : { x: vr.x, y: vr.y, width: vr.width, height: vr.height };
  const rect = barcodeRect(visible, g);
  if (rect.width <= 0 || rect.height <= 0) return null;
  if (frame.format !== null && PLANAR.has(frame.format)) {
    const buf = new Uint8Array(frame.allocationSize({ rect }));
    const layout = await frame.copyTo(buf, { rect });
    const y = layout[0];
    if (y !== undefined) return decodeStrip(buf.subarray(y.offset), y.stride, rect, visible, g);
  }
  scratch.canvas.width = rect.width;
  scratch.canvas.height = rect.height;
  // drawImage's source rect is in display coordinates, which start at the visible rect.
  scratch.drawImage(frame, rect.x - visible.x, rect.y - visible.y, rect.width, rect.height, 0, 0, rect.width, rect.height);
  const rgba = scratch.getImageData(0, 0, rect.width, rect.height).data;
  const luma = new Uint8Array(rect.width * rect.height);
  for (let i = 0; i < luma.length; i++) luma[i] = 0.299 * (rgba[4 * i] ?? 0) + 0.587 * (rgba[4 * i + 1] ?? 0) + 0.114 * (rgba[4 * i + 2] ?? 0);
  return decodeStrip(luma, rect.width, rect, visible, g);
}
