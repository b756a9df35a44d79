/** getStats() readers shared by the sender and receiver pages. */

/** An RTCPeerConnection, RTCRtpSender, or mediasoup-client Transport/Producer/Consumer. */
export interface StatsSource {
  getStats(): Promise<RTCStatsReport>;
}

export interface ByteSample {
  bytes: number;
  at: number;
}

export interface VideoRtp {
  /** The inbound-rtp or outbound-rtp entry for video. */
  entry: Record<string, unknown>;
  /** Codec name without "video/", or "?". */
  codec: string;
  /** From the byte delta since the previous sample; 0 on the first. */
  kbps: number;
  sample: ByteSample;
}

/** The video RTP stream of `type` in a stats report, with its codec and bitrate since `previous`. */
export async function readVideoRtp(source: StatsSource, type: 'inbound-rtp' | 'outbound-rtp', previous: ByteSample | undefined): Promise<VideoRtp | null> {
  const report = await source.getStats();
  let entry: Record<string, unknown> | undefined;
  const byId = new Map<string, Record<string, unknown>>();
  report.forEach((s: Record<string, unknown>) => {
    byId.set(String(s.id), s);
    if (s.type === type && s.kind === 'video') entry = s;
  });
  if (entry === undefined) return null;
  const bytes = Number((type === 'inbound-rtp' ? entry.bytesReceived : entry.bytesSent) ?? 0);
  const at = Number(entry.timestamp ?? performance.now());
  const kbps = previous !== undefined && at > previous.at ? ((bytes - previous.bytes) * 8) / (at - previous.at) : 0;
  const mime = byId.get(String(entry.codecId))?.mimeType;
  return { entry, codec: typeof mime === 'string' ? mime.replace('video/', '') : '?', kbps, sample: { bytes, at } };
}

/** The addresses and types of every candidate pair a transport selected (for tests and the overlay). */
export async function selectedPairAddresses(source: StatsSource): Promise<Array<{ local: string; remote: string; localType: string; remoteType: string }>> {
  const stats = await source.getStats();
  const byId = new Map<string, Record<string, unknown>>();
  stats.forEach((s: Record<string, unknown>) => byId.set(String(s.id), s));
  const out: Array<{ local: string; remote: string; localType: string; remoteType: string }> = [];
  stats.forEach((s: Record<string, unknown>) => {
    if (s.type !== 'transport' || typeof s.selectedCandidatePairId !== 'string') return;
    const pair = byId.get(s.selectedCandidatePairId);
    const local = byId.get(String(pair?.localCandidateId));
    const remote = byId.get(String(pair?.remoteCandidateId));
    out.push({ local: addressOf(local), remote: addressOf(remote), localType: typeOf(local), remoteType: typeOf(remote) });
  });
  return out;
}

function typeOf(candidate: Record<string, unknown> | undefined): string {
  const t = candidate?.candidateType;
  return typeof t === 'string' ? t : '?';
}

function addressOf(candidate: Record<string, unknown> | undefined): string {
  const a = candidate?.address ?? candidate?.ip;
  return typeof a === 'string' ? a : '?';
}
