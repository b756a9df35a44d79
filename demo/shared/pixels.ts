/** Frame read-back for the pages' test hooks (sender source frame, receiver output frame). */

/** Base64 of a byte array, in chunks: one String.fromCharCode(...bytes) call overflows the argument limit on a frame. */
export function toBase64(bytes: Uint8Array | Uint8ClampedArray): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Draws `source` at its own size into an OffscreenCanvas and returns the RGBA pixels. */
export function readRgba(source: CanvasImageSource, width: number, height: number): Uint8ClampedArray {
  const c = new OffscreenCanvas(width, height);
  const ctx = c.getContext('2d');
  if (ctx === null) throw new Error('no 2d context');
  ctx.drawImage(source, 0, 0);
  return ctx.getImageData(0, 0, width, height).data;
}

declare const MediaStreamTrackProcessor: new (init: { track: MediaStreamTrack }) => { readable: ReadableStream<VideoFrame> };

/**
 * The next frame of `track` as RGBA, read from a clone through a track processor: nothing waits on a
 * <video> or the compositor (which takes minutes when several SwiftShader browsers share two cores).
 */
export async function readTrackFrame(track: MediaStreamTrack): Promise<{ width: number; height: number; rgba: Uint8ClampedArray }> {
  const clone = track.clone();
  const reader = new MediaStreamTrackProcessor({ track: clone }).readable.getReader();
  try {
    const { value: frame } = await reader.read();
    if (frame === undefined) throw new Error('the track ended before giving a frame');
    const { displayWidth: width, displayHeight: height } = frame;
    try {
      return { width, height, rgba: readRgba(frame, width, height) };
    } finally {
      frame.close();
    }
  } finally {
    await reader.cancel();
    clone.stop();
  }
}
