import type { RgbFrame } from '../adapt/trainingPairs.js';

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** The LR size training pairs are built at, and whether the camera forced it. */
export interface TrainGeometry {
  readonly lrWidth: number;
  readonly lrHeight: number;
  /**
   * true: the send size × scale is larger than the camera frame, so no HR target of that size exists; the
   * pairs use LR = camera / scale (area) and HR = the camera frame (area-cropped to LR × scale) instead. The
   * model then learns the camera's content at a smaller LR than the receivers get.
   */
  readonly fromCamera: boolean;
}

/**
 * HR = the camera frame area-downscaled to send × scale, LR = the camera area-downscaled to the send size;
 * when send × scale exceeds the camera in either dimension, LR = floor(camera / scale). Null when that LR is
 * smaller than one crop (nothing to train on).
 */
export function trainGeometry(camera: Size, send: Size, scale: number, crop: number): TrainGeometry | null {
  const fits = send.width * scale <= camera.width && send.height * scale <= camera.height;
  const lrWidth = fits ? send.width : Math.floor(camera.width / scale);
  const lrHeight = fits ? send.height : Math.floor(camera.height / scale);
  if (lrWidth < crop || lrHeight < crop) return null;
  return { lrWidth, lrHeight, fromCamera: !fits };
}

/**
 * The send size to train at before the encoder reports one: `provisional` (what the app's
 * scaleResolutionDownBy makes of the camera), else camera / scale (the receivers' model then paints the
 * camera's own size), at least 1x1.
 */
export function provisionalSendSize(camera: Size, provisional: Size | null, scale: number): Size {
  if (provisional !== null) return provisional;
  return { width: Math.max(1, Math.floor(camera.width / scale)), height: Math.max(1, Math.floor(camera.height / scale)) };
}

/** RGBA bytes (ImageData, VideoFrame.copyTo RGBA) to an RGB frame in [0, 1]. */
export function rgbaToRgb(rgba: ArrayLike<number>, width: number, height: number): RgbFrame {
  if (rgba.length !== width * height * 4) throw new RangeError(`rgbaToRgb: ${rgba.length} bytes for ${width}x${height} RGBA`);
  const data = new Float32Array(width * height * 3);
  for (let i = 0, o = 0; o < data.length; i += 4, o += 3) {
    data[o] = (rgba[i] ?? 0) / 255;
    data[o + 1] = (rgba[i + 1] ?? 0) / 255;
    data[o + 2] = (rgba[i + 2] ?? 0) / 255;
  }
  return { width, height, data };
}
