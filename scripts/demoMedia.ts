import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ffmpeg } from '../imaging/ffmpeg.js';

export const SEND_SIZE = { width: 480, height: 270 } as const;

export interface Y4mOptions {
  /** A video to convert; null renders the generated pattern instead. */
  source: string | null;
  frames: number;
  fps: number;
  /** Pattern only: repeat one frame, so that any received frame can be compared with the source. */
  still?: boolean;
  /** Frame size; SEND_SIZE (480x270) by default. */
  size?: { readonly width: number; readonly height: number };
}

/**
 * Writes a 480x270 (or `size`) I420 .y4m for Chromium's fake camera (--use-file-for-fake-video-capture), scaled
 * with the area filter like a camera pipeline would. Returns the path.
 */
export async function makeY4m(out: string, o: Y4mOptions): Promise<string> {
  mkdirSync(dirname(out), { recursive: true });
  const { width, height } = o.size ?? SEND_SIZE;
  const input = o.source !== null
    ? ['-i', o.source]
    : ['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${o.fps}`];
  const filters = [`scale=${width}:${height}:flags=area`, `fps=${o.fps}`];
  if (o.still === true) filters.unshift('select=eq(n\\,0)', 'loop=loop=-1:size=1:start=0', 'setpts=N/FRAME_RATE/TB');
  await ffmpeg([...input, '-vf', filters.join(','), '-frames:v', String(o.frames), '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', out]);
  if (!existsSync(out)) throw new Error(`ffmpeg wrote no ${out}`);
  return out;
}
