import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CODEC_SPECS, CODECS, type Codec } from './codecs.js';
import { decodeRgbFrames, ffmpeg, packetBytes, probeVideo, type StreamInfo } from './ffmpeg.js';
import { fromBytes, type RgbImage } from './image.js';

/** `call:<codec>@<kbit/s>`: what a video call does to the frames a receiver upscales. */
export interface CallDegradation {
  readonly codec: Codec;
  readonly kbps: number;
}

export function parseDegradation(spec: string): CallDegradation {
  const m = /^call:([a-z0-9]+)@(\d+(?:\.\d+)?)$/.exec(spec);
  const codec = m?.[1];
  const kbps = Number(m?.[2]);
  if (codec === undefined || !(CODECS as readonly string[]).includes(codec) || !(kbps > 0)) {
    throw new RangeError(`--degrade must be call:<codec>@<kbit/s> with codec one of ${CODECS.join(', ')} and a positive rate, e.g. call:vp8@300; got '${spec}'`);
  }
  return { codec: codec as Codec, kbps };
}

/** The key a call-degraded result is stored under in swiftsr.json's metrics: `call:vp8@300/FourPeople`. */
export function degradationKey(d: CallDegradation, clip: string): string {
  return `call:${d.codec}@${d.kbps}/${clip}`;
}

/** ffmpeg swscale filter for the sender's downscale: a box filter, as libyuv scales camera frames down in WebRTC. */
export const SENDER_DOWNSCALE = 'area';

export interface SourceY4mOptions {
  readonly fps: number;
  readonly frames: number;
  readonly width: number;
  readonly height: number;
}

/** The first `frames` frames of a clip at `fps`, cropped top-left to width x height, as 4:2:0 y4m (what a camera delivers). */
export async function writeSourceY4m(source: string, out: string, o: SourceY4mOptions): Promise<void> {
  await ffmpeg(['-i', source, '-an', '-vf', `fps=${o.fps},crop=${o.width}:${o.height}:0:0`, '-frames:v', String(o.frames), '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', out]);
}

/** The sender's downscale of a y4m, in YUV 4:2:0 like WebRTC's scaler. */
export async function senderDownscale(hrY4m: string, out: string, width: number, height: number, filter = SENDER_DOWNSCALE): Promise<void> {
  await ffmpeg(['-i', hrY4m, '-vf', `scale=${width}:${height}:flags=${filter}`, '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', out]);
}

export interface ClipGeometry {
  readonly info: StreamInfo;
  readonly width: number;
  readonly height: number;
  readonly lrWidth: number;
  readonly lrHeight: number;
  /** `1920x1080@60.00`, `1920x1080`, `480x270`: for reports. */
  readonly sourceSize: string;
  readonly hrSize: string;
  readonly lrSize: string;
}

/** The call crop of a clip: top-left, sides a multiple of 2 x scale, so the LR sides are even (4:2:0). */
export async function callGeometry(source: string, scale: number): Promise<ClipGeometry> {
  const info = await probeVideo(source);
  const step = 2 * scale;
  const width = info.width - (info.width % step);
  const height = info.height - (info.height % step);
  if (width === 0 || height === 0) throw new RangeError(`${source} is ${info.width}x${info.height}: too small for scale ${scale}`);
  const [lrWidth, lrHeight] = [width / scale, height / scale];
  return { info, width, height, lrWidth, lrHeight, sourceSize: `${info.width}x${info.height}@${info.fps.toFixed(2)}`, hrSize: `${width}x${height}`, lrSize: `${lrWidth}x${lrHeight}` };
}

export interface CallClipOptions {
  /** A video file; evaluation clips only (conference/, video/), never training data. */
  readonly source: string;
  readonly scale: number;
  readonly degradation: CallDegradation;
  /** Frames encoded from the start of the clip (one key frame, then inter frames). */
  readonly frames: number;
  readonly fps: number;
  /** Indices (after resampling to fps) of the frames handed back. */
  readonly scored: readonly number[];
}

/** What every clip report (this eval, the bench's bandwidth curves) says about the frames it scored. */
export interface ClipReport {
  readonly source: string;
  readonly sourceSize: string;
  readonly hrSize: string;
  readonly lrSize: string;
  readonly fps: number;
  readonly frames: number;
  readonly scoredFrames: readonly number[];
}

export interface CallClipConfig extends ClipReport {
  readonly crop: string;
  readonly downscale: string;
  readonly encoder: string;
  readonly ffmpegArgs: string;
  readonly colorMatrix: string;
}

export interface CallClip {
  readonly config: CallClipConfig;
  /** Measured: compressed packet bytes over the clip's duration. */
  readonly kbps: number;
  /** Clean source frames, the reference. */
  readonly hr: ReadonlyMap<number, RgbImage>;
  /** The sender's downscale before the encoder. */
  readonly lrClean: ReadonlyMap<number, RgbImage>;
  /** What the receiver decodes: the model's and bicubic's input. */
  readonly lr: ReadonlyMap<number, RgbImage>;
}

async function decodeImages(path: string, w: number, h: number, wanted: readonly number[]): Promise<Map<number, RgbImage>> {
  const raw = await decodeRgbFrames(path, w, h, (i) => wanted.includes(i));
  const missing = wanted.filter((i) => !raw.has(i));
  if (missing.length > 0) throw new RangeError(`${path}: frames ${missing.join(', ')} are missing (${raw.size} of ${wanted.length} decoded); the clip is shorter than the frames asked for`);
  return new Map([...raw].map(([i, b]) => [i, fromBytes(w, h, b)]));
}

/**
 * Runs a clip through a call: crop to a multiple of 2 x scale (even LR sides for 4:2:0), the sender's box
 * downscale to 1/scale, a real-time encode at the target rate with libwebrtc-like, reproducible settings
 * (`CODEC_SPECS[codec].webrtcArgs`), and the decode. Every stream goes to RGB with BT.601, so the metrics'
 * luma is the Y plane. Deterministic: the same clip and options give the same bytes.
 */
export async function degradeClip(o: CallClipOptions): Promise<CallClip> {
  if (!Number.isInteger(o.scale) || o.scale < 2) throw new RangeError(`scale must be an integer >= 2, got ${o.scale}`);
  if (!Number.isInteger(o.frames) || o.frames < 1) throw new RangeError(`frames must be a positive integer, got ${o.frames}`);
  const bad = o.scored.filter((i) => !Number.isInteger(i) || i < 0 || i >= o.frames);
  if (o.scored.length === 0 || bad.length > 0) throw new RangeError(`scored frames must be a non-empty list of indices below ${o.frames}, got ${o.scored.join(', ')}`);
  const g = await callGeometry(o.source, o.scale);
  const { width: w, height: h, lrWidth: lw, lrHeight: lh } = g;
  const spec = CODEC_SPECS[o.degradation.codec];
  const args = spec.webrtcArgs(o.degradation.kbps * 1000, lw, lh);
  const work = await mkdtemp(join(tmpdir(), 'swiftsr-call-'));
  try {
    const hrY4m = join(work, 'hr.y4m');
    const lrY4m = join(work, 'lr.y4m');
    const coded = join(work, `call.${spec.extension}`);
    await writeSourceY4m(o.source, hrY4m, { fps: o.fps, frames: o.frames, width: w, height: h });
    await senderDownscale(hrY4m, lrY4m, lw, lh);
    await ffmpeg(['-f', 'yuv4mpegpipe', '-i', lrY4m, ...args, '-f', spec.format, coded]);
    const { bytes } = await packetBytes(coded);
    return {
      config: {
        source: o.source,
        sourceSize: g.sourceSize,
        hrSize: g.hrSize,
        lrSize: g.lrSize,
        fps: o.fps,
        frames: o.frames,
        scoredFrames: [...o.scored],
        crop: `top-left ${w}x${h} (sides a multiple of 2 x scale, so the LR sides are even for 4:2:0)`,
        downscale: `ffmpeg scale flags=${SENDER_DOWNSCALE} in YUV 4:2:0 (libyuv's box filter)`,
        encoder: spec.webrtcLabel,
        ffmpegArgs: spec.webrtcArgs(1000, lw, lh).join(' ').replace(/\b1000\b/g, '<bitrate>'),
        colorMatrix: 'every stream decoded to RGB with BT.601 limited range',
      },
      kbps: (bytes * 8) / (o.frames / o.fps) / 1000,
      hr: await decodeImages(hrY4m, w, h, o.scored),
      lrClean: await decodeImages(lrY4m, lw, lh, o.scored),
      lr: await decodeImages(coded, lw, lh, o.scored),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
