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
 * How the sender lets the encoder pick the resolution:
 * - `adapt`: the browser's own adaptation ('balanced': it trades resolution, frame rate and quality as the
 *   rate moves), what calls do today; a SwiftSR receiver upscales whatever arrives;
 * - `pin270`: 480x270 with 'maintain-resolution' (the encoder drops quality, never resolution): the original
 *   SwiftSR setup, the size the 4x models were trained for;
 * - `cap`: at most `height` rows (`scaleResolutionDownTo` where the browser has it, else
 *   `scaleResolutionDownBy`); below the cap the browser still adapts;
 * - `pin`: `height` rows with 'maintain-resolution' (a fixed send size at any rows: the adaptation e2e sends
 *   a quarter of its camera, so that a 4x model paints the camera's size).
 */
export type SendMode = { readonly kind: 'adapt' } | { readonly kind: 'pin270' } | { readonly kind: 'cap' | 'pin'; readonly height: number };

export const PIN_SIZE = { width: 480, height: 270 } as const;

/** lib.dom lacks these members; Chromium has degradationPreference, and scaleResolutionDownTo from M138. */
type Encoding = RTCRtpEncodingParameters & { scaleResolutionDownTo?: { maxWidth: number; maxHeight: number } };
type SendParameters = RTCRtpSendParameters & { degradationPreference?: string; encodings: Encoding[] };

export function parseSendMode(kind: string | null, capHeight: string | null): SendMode {
  if (kind === null || kind === 'adapt') return { kind: 'adapt' };
  if (kind === 'pin270') return { kind: 'pin270' };
  if (kind === 'cap' || kind === 'pin') {
    const height = Number(capHeight ?? 540);
    if (!Number.isInteger(height) || height < 90 || height > 2160) throw new RangeError(`cap must be a height in rows (90-2160), got '${capHeight ?? ''}'`);
    return { kind, height };
  }
  throw new RangeError(`send must be adapt, pin270, pin or cap, got '${kind}'`);
}

/** What `applyEncoding` set, for the page's status line. */
export interface AppliedEncoding {
  readonly degradation: string;
  readonly resolution: string;
}

/** Caps the bitrate and applies the send mode to every encoding of `sender` (source size from its track). */
export async function applyEncoding(sender: RTCRtpSender, maxBitrateKbps: number, mode: SendMode): Promise<AppliedEncoding> {
  const params = sender.getParameters() as SendParameters;
  if (params.encodings.length === 0) params.encodings = [{}];
  const sourceHeight = sender.track?.getSettings().height ?? PIN_SIZE.height;
  const sourceWidth = sender.track?.getSettings().width ?? PIN_SIZE.width;
  const limit = mode.kind === 'adapt' ? null : mode.kind === 'pin270' ? PIN_SIZE.height : mode.height;
  // A browser without the member ignores it; whether it took it shows in the read-back below.
  const degradation = mode.kind === 'pin270' || mode.kind === 'pin' ? 'maintain-resolution' : 'balanced';
  params.degradationPreference = degradation;
  const downTo = limit === null ? null : { maxWidth: Math.round((sourceWidth * limit) / sourceHeight), maxHeight: limit };
  const hasDownTo = supportsDownTo();
  for (const e of params.encodings) {
    e.maxBitrate = Math.round(maxBitrateKbps * 1000);
    delete e.scaleResolutionDownTo;
    e.scaleResolutionDownBy = 1;
    if (downTo === null) continue;
    if (hasDownTo) {
      delete e.scaleResolutionDownBy;
      e.scaleResolutionDownTo = downTo;
    } else {
      e.scaleResolutionDownBy = Math.max(1, sourceHeight / downTo.maxHeight);
    }
  }
  await sender.setParameters(params);
  const taken = (sender.getParameters() as SendParameters).degradationPreference;
  const resolution = downTo === null
    ? `${sourceWidth}x${sourceHeight} source, the browser picks the size`
    : `${hasDownTo ? 'scaleResolutionDownTo' : 'scaleResolutionDownBy'} → at most ${downTo.maxWidth}x${downTo.maxHeight} of ${sourceWidth}x${sourceHeight}`;
  return { degradation: taken ?? `${degradation} asked (the browser does not report degradationPreference back)`, resolution };
}

/** Dictionary members cannot be feature-detected on a prototype: ask a throwaway transceiver whether it keeps one. */
let downToSupport: boolean | undefined;
function supportsDownTo(): boolean {
  if (downToSupport !== undefined) return downToSupport;
  const pc = new RTCPeerConnection();
  try {
    const tx = pc.addTransceiver('video', { sendEncodings: [{ scaleResolutionDownTo: { maxWidth: 640, maxHeight: 360 } } as Encoding] });
    downToSupport = (tx.sender.getParameters().encodings as Encoding[]).some((e) => e.scaleResolutionDownTo !== undefined);
  } catch {
    downToSupport = false;
  } finally {
    pc.close();
  }
  return downToSupport;
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
