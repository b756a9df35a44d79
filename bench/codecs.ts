/**
 * Real-time encoder settings for the ffmpeg curves: what a WebRTC sender's software encoders run
 * (no lookahead, fastest presets, CBR with a one-second buffer).
 */
export const CODECS = ['vp8', 'vp9', 'h264'] as const;
export type Codec = (typeof CODECS)[number];

export interface CodecSpec {
  readonly label: string;
  readonly format: string;
  readonly extension: string;
  args(bitsPerSecond: number): string[];
}

const cbr = (b: number): string[] => ['-b:v', String(b), '-minrate', String(b), '-maxrate', String(b), '-bufsize', String(b)];

export const CODEC_SPECS: Readonly<Record<Codec, CodecSpec>> = {
  vp8: {
    label: 'VP8 (libvpx realtime, cpu-used 8)',
    format: 'ivf',
    extension: 'ivf',
    args: (b) => ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-lag-in-frames', '0', '-g', '100000', ...cbr(b)],
  },
  vp9: {
    label: 'VP9 (libvpx-vp9 realtime, cpu-used 8)',
    format: 'ivf',
    extension: 'ivf',
    args: (b) => ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-lag-in-frames', '0', '-g', '100000', ...cbr(b)],
  },
  h264: {
    label: 'H.264 (libx264 veryfast, zerolatency)',
    format: 'h264',
    extension: '264',
    // x264 ignores -minrate; -maxrate with -bufsize is its VBV (CBR-like) mode.
    args: (b) => ['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '100000', '-b:v', String(b), '-maxrate', String(b), '-bufsize', String(b)],
  },
};

export function parseCodecs(list: string): Codec[] {
  const names = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const n of names) {
    if (!(CODECS as readonly string[]).includes(n)) throw new RangeError(`unknown codec '${n}'; known: ${CODECS.join(', ')}`);
  }
  if (names.length === 0) throw new RangeError('codec list is empty');
  return names as Codec[];
}
