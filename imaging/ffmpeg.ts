import { spawn } from 'node:child_process';

/** ffmpeg or ffprobe is missing, failed to start, exited with an error, or returned output of the wrong size. */
export class FfmpegError extends Error {
  override readonly name = 'FfmpegError';
}

export interface RunOptions {
  /** Bytes written to the tool's stdin (then closed); stdin is closed at once without it. */
  readonly input?: Uint8Array;
  /**
   * Receives stdout as it arrives instead of collecting it. A returned promise pauses the stream until it
   * settles, so a slow consumer (a file being written) holds ffmpeg back instead of buffering the video.
   */
  readonly onStdout?: (chunk: Buffer) => void | Promise<void>;
  /** The binary; default `ffmpeg` / `ffprobe` on PATH, or `SWIFTSR_FFMPEG` / `SWIFTSR_FFPROBE`. */
  readonly bin?: string;
}

const BIN_ENV = { ffmpeg: 'SWIFTSR_FFMPEG', ffprobe: 'SWIFTSR_FFPROBE' } as const;

/** The one place that spawns ffmpeg and ffprobe: clear errors for a missing tool and a failed run. */
export function runTool(tool: 'ffmpeg' | 'ffprobe', args: readonly string[], opts: RunOptions = {}): Promise<Buffer> {
  const bin = opts.bin ?? process.env[BIN_ENV[tool]] ?? tool;
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let failed: Error | null = null;
    // Chunks are handed over one after another; 'close' waits for the last handler, which may still be
    // working through the final chunk (ffmpegFrames checks for a partial frame only after that).
    let handled: Promise<void> = Promise.resolve();
    const fail = (e: unknown): void => {
      failed ??= e instanceof Error ? e : new FfmpegError(String(e));
      p.kill();
    };
    p.stdout.on('data', (c: Buffer) => {
      const onStdout = opts.onStdout;
      if (onStdout === undefined) {
        out.push(c);
        return;
      }
      p.stdout.pause();
      handled = handled.then(() => (failed === null ? onStdout(c) : undefined)).then(() => void p.stdout.resume(), fail);
    });
    p.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
    p.on('error', (e: NodeJS.ErrnoException) => {
      const hint = `install ffmpeg with libvpx and libx264 (Debian: apt-get install ffmpeg), or set ${BIN_ENV[tool]}`;
      reject(new FfmpegError(e.code === 'ENOENT' ? `${tool} not found ('${bin}'): ${hint}` : `${tool} could not start ('${bin}'): ${e.message}`));
    });
    p.on('close', (code) => {
      void handled.then(() => {
        if (failed !== null) reject(failed);
        else if (code === 0) resolve(Buffer.concat(out));
        else reject(new FfmpegError(`${tool} ${args.join(' ')} exited with ${code}:\n${err.trim()}`));
      });
    });
    p.stdin.on('error', () => undefined);
    p.stdin.end(opts.input === undefined ? undefined : Buffer.from(opts.input.buffer, opts.input.byteOffset, opts.input.byteLength));
  });
}

const QUIET = ['-hide_banner', '-nostdin', '-v', 'error'];

/** ffmpeg quietly, overwriting outputs; stdout comes back (raw frames when the output is `pipe:1` / `-`). */
export function ffmpeg(args: readonly string[], opts: RunOptions = {}): Promise<Buffer> {
  return runTool('ffmpeg', [...QUIET, '-y', ...args], opts);
}

/**
 * Runs ffmpeg with raw video on stdout and hands over one whole frame of `frameBytes` at a time, in order;
 * `onFrame` may return a promise (backpressure). Returns the frame count; a partial last frame is an error.
 */
export async function ffmpegFrames(args: readonly string[], frameBytes: number, onFrame: (frame: Buffer, index: number) => void | Promise<void>): Promise<number> {
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  await runTool('ffmpeg', [...QUIET, ...args], {
    onStdout: async (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= frameBytes) {
        const frame = Buffer.from(pending.subarray(0, frameBytes));
        pending = pending.subarray(frameBytes);
        await onFrame(frame, index++);
      }
    },
  });
  if (pending.length !== 0) throw new FfmpegError(`ffmpeg ${args.join(' ')}: ${pending.length} trailing bytes, not a whole frame of ${frameBytes}`);
  return index;
}

/**
 * Decodes `input` to 8-bit RGB frames and keeps those whose index passes `keep`. `colorMatrix` fixes
 * the YUV->RGB matrix: encoded streams lose the source's colour tags, and an untagged stream would
 * otherwise be converted with another matrix than the reference. BT.601 by default: Chromium shows
 * untagged WebRTC VP8 with it, and with it the metrics' BT.601 luma is the decoded Y plane again.
 */
export async function decodeRgbFrames(
  input: string,
  width: number,
  height: number,
  keep: (index: number) => boolean,
  colorMatrix = 'bt601',
): Promise<Map<number, Uint8Array>> {
  const frames = new Map<number, Uint8Array>();
  const vf = `scale=${width}:${height}:in_color_matrix=${colorMatrix}:in_range=tv:flags=bicubic,format=rgb24`;
  await ffmpegFrames(['-i', input, '-vf', vf, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-'], width * height * 3, (f, i) => {
    if (keep(i)) frames.set(i, new Uint8Array(f));
  });
  return frames;
}

export interface StreamInfo {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly frames: number | null;
}

export async function probeVideo(path: string): Promise<StreamInfo> {
  const json = (await runTool('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,r_frame_rate,nb_frames', '-of', 'json', path])).toString();
  const s = (JSON.parse(json) as { streams?: { width?: number; height?: number; r_frame_rate?: string; nb_frames?: string }[] }).streams?.[0];
  if (s?.width === undefined || s.height === undefined) throw new FfmpegError(`${path}: no video stream`);
  const [num, den] = (s.r_frame_rate ?? '0/1').split('/').map(Number);
  const frames = s.nb_frames === undefined ? null : Number(s.nb_frames);
  return { width: s.width, height: s.height, fps: (num ?? 0) / (den || 1), frames: Number.isFinite(frames) ? frames : null };
}

/** Sum of the compressed packet sizes and their count: the bits a link would carry, without container overhead. */
export async function packetBytes(path: string): Promise<{ bytes: number; packets: number }> {
  const csv = (await runTool('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=size', '-of', 'csv=p=0', path])).toString();
  const sizes = csv.split('\n').filter((l) => l.trim() !== '').map(Number);
  return { bytes: sizes.reduce((a, b) => a + b, 0), packets: sizes.length };
}
