import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpeg, FfmpegError } from './ffmpeg.js';
import { fromBytes, toBytes, type RgbImage } from './image.js';

export interface Vp8Options {
  /** ffmpeg binary (default `ffmpeg` on PATH, or SWIFTSR_FFMPEG). */
  readonly ffmpeg?: string;
  /** Where round-tripped frames are cached (default `<os tmpdir>/swiftsr-vp8`); never inside the repository. */
  readonly cacheDir?: string;
}

/** libvpx's quantizer range (`-qmin`/`-qmax`): 0 best, 63 worst. */
export const VP8_Q_MIN = 0;
export const VP8_Q_MAX = 63;

function ffmpegArgs(q: number): { encode: string[]; decode: string[] } {
  // One intra frame through the real-time encoder a WebRTC sender uses; 4:2:0 like a real call. The
  // quantizer is pinned (qmin = qmax = crf) so the damage depends on Q, not on a rate controller's history.
  const encode = ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-qmin', `${q}`, '-qmax', `${q}`, '-crf', `${q}`, '-b:v', '10M', '-pix_fmt', 'yuv420p'];
  return { encode, decode: ['-f', 'rawvideo', '-pix_fmt', 'rgb24'] };
}

/**
 * Encodes an 8-bit RGB image as one VP8 key frame (libvpx, realtime, quantizer q) and decodes it back:
 * the LR a receiver actually gets from a compressed call, at intra-frame quality. Cached on disk by
 * content, so repeated eval runs reuse the frames.
 */
export async function vp8RoundTrip(img: RgbImage, q: number, opts: Vp8Options = {}): Promise<RgbImage> {
  if (!Number.isInteger(q) || q < VP8_Q_MIN || q > VP8_Q_MAX) throw new RangeError(`VP8 quantizer must be an integer in ${VP8_Q_MIN}..${VP8_Q_MAX}, got ${q}`);
  const rgb = toBytes(img);
  const { encode, decode } = ffmpegArgs(q);
  const key = createHash('sha256').update(`${img.width}x${img.height}|${encode.join(' ')}|`).update(rgb).digest('hex').slice(0, 32);
  const dir = opts.cacheDir ?? join(tmpdir(), 'swiftsr-vp8');
  const file = join(dir, `${key}.rgb`);
  const cached = await readFile(file).catch(() => null);
  if (cached !== null && cached.length === rgb.length) return fromBytes(img.width, img.height, cached);
  const size = `${img.width}x${img.height}`;
  const bin = opts.ffmpeg === undefined ? {} : { bin: opts.ffmpeg };
  const ivf = await ffmpeg(['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', size, '-r', '30', '-i', 'pipe:0', '-frames:v', '1', ...encode, '-f', 'ivf', 'pipe:1'], { input: rgb, ...bin });
  const raw = await ffmpeg(['-f', 'ivf', '-i', 'pipe:0', '-frames:v', '1', ...decode, 'pipe:1'], { input: ivf, ...bin });
  if (raw.length !== rgb.length) throw new FfmpegError(`VP8 round trip of a ${size} image returned ${raw.length} bytes, expected ${rgb.length}`);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, raw);
  await rename(tmp, file);
  return fromBytes(img.width, img.height, raw);
}

/** Parses `--vp8 20,35,50` (quantizers) with a clear error. */
export function parseQuantizers(s: string, flag = '--vp8'): number[] {
  const qs = s.split(',').filter((x) => x.length > 0).map(Number);
  if (qs.length === 0 || qs.some((q) => !Number.isInteger(q) || q < VP8_Q_MIN || q > VP8_Q_MAX)) {
    throw new RangeError(`${flag} must be a comma-separated list of integers in ${VP8_Q_MIN}..${VP8_Q_MAX}, got '${s}'`);
  }
  return qs;
}
