import { spawn } from 'node:child_process';

export class FfmpegError extends Error {
  override readonly name = 'FfmpegError';
}

function run(cmd: string, args: readonly string[], onStdout?: (chunk: Buffer) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (c: Buffer) => (onStdout ? onStdout(c) : out.push(c)));
    p.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
    p.on('error', (e) => reject(new FfmpegError(`${cmd} could not start (${e.message}); install ffmpeg (Debian: apt-get install ffmpeg)`)));
    p.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString());
      else reject(new FfmpegError(`${cmd} ${args.join(' ')} exited with ${code}:\n${err}`));
    });
  });
}

export function ffmpeg(args: readonly string[]): Promise<string> {
  return run('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args]);
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
  const frameBytes = width * height * 3;
  const frames = new Map<number, Uint8Array>();
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  await run(
    'ffmpeg',
    ['-hide_banner', '-nostdin', '-v', 'error', '-i', input, '-vf', `scale=${width}:${height}:in_color_matrix=${colorMatrix}:in_range=tv:flags=bicubic,format=rgb24`, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-'],
    (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= frameBytes) {
        if (keep(index)) frames.set(index, new Uint8Array(pending.subarray(0, frameBytes)));
        pending = pending.subarray(frameBytes);
        index++;
      }
    },
  );
  if (pending.length !== 0) throw new FfmpegError(`${input}: ${pending.length} trailing bytes, not a whole ${width}x${height} frame`);
  return frames;
}

export interface StreamInfo {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly frames: number | null;
}

export async function probeVideo(path: string): Promise<StreamInfo> {
  const json = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,r_frame_rate,nb_frames', '-of', 'json', path]);
  const s = (JSON.parse(json) as { streams?: { width?: number; height?: number; r_frame_rate?: string; nb_frames?: string }[] }).streams?.[0];
  if (s?.width === undefined || s.height === undefined) throw new FfmpegError(`${path}: no video stream`);
  const [num, den] = (s.r_frame_rate ?? '0/1').split('/').map(Number);
  const frames = s.nb_frames === undefined ? null : Number(s.nb_frames);
  return { width: s.width, height: s.height, fps: (num ?? 0) / (den || 1), frames: Number.isFinite(frames) ? frames : null };
}

/** Sum of the compressed packet sizes and their count: the bits a link would carry, without container overhead. */
export async function packetBytes(path: string): Promise<{ bytes: number; packets: number }> {
  const csv = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=size', '-of', 'csv=p=0', path]);
  const sizes = csv.split('\n').filter((l) => l.trim() !== '').map(Number);
  return { bytes: sizes.reduce((a, b) => a + b, 0), packets: sizes.length };
}
