/**
 * Real-time encoder settings. `args`: the bench's ffmpeg curves (no lookahead, fastest presets, CBR with a
 * one-second buffer). `webrtcArgs`: the call degradation of `--degrade call:` (imaging/callDegrade.ts), closer
 * to libwebrtc's own settings and reproducible: a positive libvpx VP8 speed adapts to the wall clock (the
 * same command gives other bytes on a loaded machine), libwebrtc's fixed negative speed does not, and one
 * thread keeps x264's and libvpx-vp9's output independent of the core count.
 */
export const CODECS = ['vp8', 'vp9', 'h264'] as const;
export type Codec = (typeof CODECS)[number];

export interface CodecSpec {
  readonly label: string;
  readonly format: string;
  readonly extension: string;
  args(bitsPerSecond: number): string[];
  readonly webrtcLabel: string;
  webrtcArgs(bitsPerSecond: number, width: number, height: number): string[];
}

const cbr = (b: number): string[] => ['-b:v', String(b), '-minrate', String(b), '-maxrate', String(b), '-bufsize', String(b)];

export const CODEC_SPECS: Readonly<Record<Codec, CodecSpec>> = {
  vp8: {
    label: 'VP8 (libvpx realtime, cpu-used 8)',
    format: 'ivf',
    extension: 'ivf',
    args: (b) => ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-lag-in-frames', '0', '-g', '100000', ...cbr(b)],
    webrtcLabel: 'VP8 (libvpx realtime as libwebrtc sets it: speed -6, -4 below CIF; QP 2-56; undershoot 100 %, overshoot 15 %; CBR, 1 s buffer)',
    // LibvpxVp8Encoder: cpu_speed_default_ -6, GetCpuSpeed -4 below 352x288, qp_max_ 56, rc_min_quantizer 2,
    // rc_undershoot_pct 100, rc_overshoot_pct 15, rc_max_intra_target from a 600 ms optimal buffer at 30 fps.
    webrtcArgs: (b, w, h) => [
      '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', w * h < 352 * 288 ? '-4' : '-6', '-threads', '1', '-lag-in-frames', '0', '-g', '100000',
      '-qmin', '2', '-qmax', '56', '-undershoot-pct', '100', '-overshoot-pct', '15', '-max-intra-rate', '900', ...cbr(b),
    ],
  },
  vp9: {
    label: 'VP9 (libvpx-vp9 realtime, cpu-used 8)',
    format: 'ivf',
    extension: 'ivf',
    args: (b) => ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-lag-in-frames', '0', '-g', '100000', ...cbr(b)],
    webrtcLabel: 'VP9 (libvpx-vp9 realtime, speed 7, QP 2-52, cyclic-refresh AQ; CBR, 1 s buffer)',
    webrtcArgs: (b) => [
      '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '7', '-threads', '1', '-lag-in-frames', '0', '-g', '100000',
      '-qmin', '2', '-qmax', '52', '-aq-mode', '3', '-undershoot-pct', '50', '-overshoot-pct', '50', ...cbr(b),
    ],
  },
  h264: {
    label: 'H.264 (libx264 veryfast, zerolatency)',
    format: 'h264',
    extension: '264',
    // x264 ignores -minrate; -maxrate with -bufsize is its VBV (CBR-like) mode.
    args: (b) => ['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '100000', '-b:v', String(b), '-maxrate', String(b), '-bufsize', String(b)],
    // Browsers send H.264 with OpenH264 (Chromium, Firefox) or hardware encoders; x264 stands in for them.
    webrtcLabel: 'H.264 (libx264 veryfast, zerolatency, one thread; VBV 1 s), standing in for OpenH264',
    webrtcArgs: (b) => ['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-threads', '1', '-g', '100000', '-b:v', String(b), '-maxrate', String(b), '-bufsize', String(b)],
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
