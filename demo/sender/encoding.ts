import { readVideoRtp, type ByteSample, type StatsSource } from '../shared/rtpStats.js';

/** Codec choice, bitrate cap and degradation preference for one RTCRtpSender, plus its live stats. */
export const CODEC_NAMES = ['VP8', 'VP9', 'H264', 'AV1'] as const;
export type CodecName = (typeof CODEC_NAMES)[number];

/** The codecs of CODEC_NAMES this browser can send, in the browser's order. */
export function sendableCodecs(): CodecName[] {
  const caps = RTCRtpSender.getCapabilities('video')?.codecs ?? [];
  return CODEC_NAMES.filter((name) => caps.some((c) => c.mimeType.toLowerCase() === `video/${name.toLowerCase()}`));
}

/** Puts `name` first in the transceiver's codec list; the rest stays as a fallback the remote may pick. */
export function preferCodec(transceiver: RTCRtpTransceiver, name: CodecName): void {
  const caps = RTCRtpReceiver.getCapabilities('video')?.codecs ?? [];
  const mime = `video/${name.toLowerCase()}`;
  const first = caps.filter((c) => c.mimeType.toLowerCase() === mime);
  if (first.length === 0) throw new RangeError(`${name} is not offered by this browser; it offers ${sendableCodecs().join(', ')}`);
  transceiver.setCodecPreferences([...first, ...caps.filter((c) => c.mimeType.toLowerCase() !== mime)]);
}

/**
 * Caps the bitrate and asks the encoder to drop quality (QP) before resolution, so that the receiver
 * keeps getting the 480x270 frames the model was trained for.
 */
export async function applyEncoding(sender: RTCRtpSender, maxBitrateKbps: number): Promise<void> {
  const params = sender.getParameters() as RTCRtpSendParameters & { degradationPreference?: string };
  if (params.encodings.length === 0) params.encodings = [{}];
  for (const e of params.encodings) e.maxBitrate = Math.round(maxBitrateKbps * 1000);
  params.degradationPreference = 'maintain-resolution';
  await sender.setParameters(params);
}

export interface SenderStats {
  kbps: number;
  fps: number;
  width: number;
  height: number;
  codec: string;
  encoder: string;
  qualityLimitation: string;
  bytesSent: number;
}

/** Outbound video stats of one sender; kbps comes from the byte delta since `previous`. */
export async function readSenderStats(sender: StatsSource, previous: ByteSample | undefined): Promise<{ stats: SenderStats; sample: ByteSample } | null> {
  const r = await readVideoRtp(sender, 'outbound-rtp', previous);
  if (r === null) return null;
  const e = r.entry;
  return {
    stats: {
      kbps: r.kbps,
      fps: Number(e.framesPerSecond ?? 0),
      width: Number(e.frameWidth ?? 0),
      height: Number(e.frameHeight ?? 0),
      codec: r.codec,
      encoder: typeof e.encoderImplementation === 'string' ? e.encoderImplementation : '?',
      qualityLimitation: typeof e.qualityLimitationReason === 'string' ? e.qualityLimitationReason : 'none',
      bytesSent: r.sample.bytes,
    },
    sample: r.sample,
  };
}
