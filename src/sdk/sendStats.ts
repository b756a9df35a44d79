import type { ProvisionalSize, SendParameters } from '../sender/protocol.js';
import { SwiftSRError } from './errors.js';

/** The fields of an RTCStatsReport 'outbound-rtp' entry the sender reads. */
export interface OutboundSample {
  readonly id: string;
  readonly timestampMs: number;
  readonly width: number;
  readonly height: number;
  readonly bytesSent: number;
  /** The encoder's target (Chromium reports it); null when absent. */
  readonly targetBitrate: number | null;
  readonly cpuLimited: boolean;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * The video outbound-rtp entry of an RTCRtpSender's stats that is being encoded now: with simulcast, the
 * largest layer that has a frame size (what a receiver on a good link gets); null before the first frame.
 */
export function pickOutbound(entries: Iterable<unknown>): OutboundSample | null {
  let best: OutboundSample | null = null;
  for (const e of entries) {
    if (typeof e !== 'object' || e === null) continue;
    const r = e as Record<string, unknown>;
    if (r['type'] !== 'outbound-rtp' || (r['kind'] ?? r['mediaType']) !== 'video' || r['active'] === false) continue;
    const width = num(r['frameWidth']);
    const height = num(r['frameHeight']);
    if (width === null || height === null || width < 1 || height < 1) continue;
    if (best !== null && best.width * best.height >= width * height) continue;
    const target = num(r['targetBitrate']);
    best = {
      id: String(r['id']),
      timestampMs: num(r['timestamp']) ?? 0,
      width,
      height,
      bytesSent: num(r['bytesSent']) ?? 0,
      targetBitrate: target !== null && target > 0 ? target : null,
      cpuLimited: r['qualityLimitationReason'] === 'cpu',
    };
  }
  return best;
}

/**
 * Send size and bitrate from two successive samples: the encoder's targetBitrate when reported, else the
 * payload bytes sent between them. Null until a bitrate is known (first sample without a target).
 */
export function sendParametersFrom(now: OutboundSample, previous: OutboundSample | null): SendParameters | null {
  let bitrateBps = now.targetBitrate;
  if (bitrateBps === null && previous !== null && previous.id === now.id && now.timestampMs > previous.timestampMs) {
    bitrateBps = ((now.bytesSent - previous.bytesSent) * 8 * 1000) / (now.timestampMs - previous.timestampMs);
  }
  if (bitrateBps === null || !(bitrateBps > 0)) return null;
  return { width: now.width, height: now.height, bitrateBps: Math.round(bitrateBps) };
}

/**
 * Reads `rtpSender.getStats()` now and every `intervalMs`: the send parameters when known, the encoder's
 * CPU limitation when it changes. Returns the stop function.
 */
export function watchRtpSender(
  rtpSender: { getStats(): Promise<{ values(): Iterable<unknown> }> },
  intervalMs: number,
  on: { params(p: SendParameters): void; cpuLimited(limited: boolean): void; error(e: Error): void },
): () => void {
  let last: OutboundSample | null = null;
  let cpuLimited = false;
  let stopped = false;
  const poll = async (): Promise<void> => {
    const report = await rtpSender.getStats();
    const now = stopped ? null : pickOutbound(report.values());
    if (now === null) return;
    const params = sendParametersFrom(now, last);
    last = now;
    if (params !== null) on.params(params);
    if (now.cpuLimited !== cpuLimited) {
      cpuLimited = now.cpuLimited;
      on.cpuLimited(cpuLimited);
    }
  };
  const run = (): void => void poll().catch((e: unknown) => on.error(new SwiftSRError('stats-failed', `RTCRtpSender.getStats() failed: ${(e as Error).message}`)));
  run();
  const id = setInterval(run, intervalMs);
  return () => {
    stopped = true;
    clearInterval(id);
  };
}

/**
 * The send size to assume before `rtpSender`'s stats report one: the track's size over the first
 * encoding's scaleResolutionDownBy (1 when unset). Null when the track does not say its size.
 */
export function provisionalFromRtpSender(
  rtpSender: { getParameters(): { encodings?: readonly { scaleResolutionDownBy?: number }[] } },
  settings: { width?: number; height?: number },
): ProvisionalSize | null {
  const { width, height } = settings;
  if (width === undefined || height === undefined || !(width > 0) || !(height > 0)) return null;
  const by = rtpSender.getParameters().encodings?.[0]?.scaleResolutionDownBy;
  const downBy = by !== undefined && Number.isFinite(by) && by >= 1 ? by : 1;
  return { width: Math.max(1, Math.floor(width / downBy)), height: Math.max(1, Math.floor(height / downBy)) };
}
