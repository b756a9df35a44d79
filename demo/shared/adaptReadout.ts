/**
 * The "learn the call" readouts (issue 12): what the sender page says about its adaptation, and what a
 * receiver page says about the weights it paints with. Pure functions over the SDK's stats and events, so
 * the wording is unit-tested (test/demo/adaptReadout.test.ts).
 */

/**
 * The SwiftSRSender stats the sender readout shows: the SDK's SenderStats fits it. Spelled out rather than
 * picked from it, so that this pure module (and its Node-typed test) does not pull in the SDK's DOM types.
 */
export interface SenderAdaptView {
  readonly state: string;
  readonly backend: string | null;
  readonly variant: string;
  /** 0 until the encoder's send size is known (training then runs at a provisional size). */
  readonly sendWidth: number;
  readonly sendHeight: number;
  /** The LR size training pairs are built at. */
  readonly trainWidth: number;
  readonly trainHeight: number;
  readonly steps: number;
  readonly trainMsPerSecond: number;
  /** Held-back validation gain over the static model, dB; null before the first validation. */
  readonly validationGainDb: number | null;
  /** The published weights' gain on the latest held-back frames; null before the first update. */
  readonly publishedGainDb: number | null;
  /** Sequence number of the last update (clock-based: identifies the weights, does not count them). */
  readonly generation: number;
  readonly updateBytes: number;
  readonly updateBitrateBps: number;
  readonly pausedReason: string | null;
}

const signed = (db: number): string => `${db >= 0 ? '+' : ''}${db.toFixed(2)} dB`;

/** kbit/s with one decimal below 10, none above. */
function kbps(bps: number): string {
  const k = bps / 1000;
  return `${k < 10 ? k.toFixed(1) : k.toFixed(0)} kbit/s`;
}

/** What the sender trains on: the send size, or the provisional one while the encoder has not reported it. */
function trainingOn(s: SenderAdaptView): string {
  if (s.sendWidth > 0) return `training on ${s.sendWidth}x${s.sendHeight} sends`;
  const at = s.trainWidth > 0 ? ` at ${s.trainWidth}x${s.trainHeight}` : '';
  return `training${at} before the send size is known (nothing published until it is)`;
}

/**
 * Lines for the sender page: state, work done, the held-back gain, how many updates were published (the
 * seq identifies the last one's weights), and the update bitrate against the video's (measured on the
 * wire; null when no outbound stats yet). `published` counts the 'update' events.
 */
export function describeSenderAdapt(s: SenderAdaptView, videoBps: number | null, published: number): string[] {
  const paused = s.pausedReason === null ? '' : ` (paused: ${s.pausedReason})`;
  const now = s.publishedGainDb === null ? '' : `, now ${signed(s.publishedGainDb)} on recent frames`;
  const lines = [
    `adapting ${s.variant} on ${s.backend ?? '…'}: ${s.state}${paused}, ${trainingOn(s)}`,
    `${s.steps} steps · ${s.trainMsPerSecond.toFixed(0)} ms of training per second`,
    s.validationGainDb === null ? 'validation on held-back frames: not yet' : `validation on held-back frames: ${signed(s.validationGainDb)} over the static model`,
    s.generation === 0 ? 'no update published yet' : `published update ${published} (seq ${s.generation}${now}; ${(s.updateBytes / 1024).toFixed(1)} KB sent in all)`,
  ];
  const share = videoBps !== null && videoBps > 0 ? ` = ${((100 * s.updateBitrateBps) / videoBps).toFixed(1)} % of ${kbps(videoBps)} video` : '';
  lines.push(`updates ${kbps(s.updateBitrateBps)}${share}`);
  return lines;
}

/** What a receiver page knows about the weights it paints with. */
export interface ReceiverAdaptState {
  /** Stats' modelGeneration: the update painting the last frame, 0 = the base weights. */
  readonly generation: number;
  /** The newest applied update (the 'modelupdate' event). */
  readonly lastUpdate: { readonly model: string; readonly generation: number; readonly bytes: number; readonly gainDb: number | null } | null;
  /** The newest revert to the base weights (the 'modelrevert' event). */
  readonly lastRevert: { readonly model: string; readonly reason: string } | null;
  readonly updatesApplied: number;
  readonly updatesRejected: number;
  /** Whether this connection carries a model channel at all (P2P and SFU do; simple-peer and mediasoup do not). */
  readonly channel: boolean;
}

export interface ReceiverAdaptReadout {
  /** The "use adapted weights" indicator: on while an update paints. */
  readonly adapted: boolean;
  readonly badge: string;
  readonly lines: string[];
}

/**
 * Updates are counted for people ("update 3": updatesApplied); the clock-based sequence number (the
 * stats' generation) only names the weights in the detail line.
 */
export function describeReceiverAdapt(s: ReceiverAdaptState): ReceiverAdaptReadout {
  const adapted = s.generation > 0;
  const count = Math.max(1, s.updatesApplied);
  const badge = adapted ? `adapted weights in use (update ${count})` : s.channel ? 'base weights (no update yet)' : 'base weights (no update channel in this mode)';
  const lines: string[] = [];
  const u = s.lastUpdate;
  if (u !== null) {
    const gain = u.gainDb === null ? 'gain not reported' : `sender's gain on recent held-back frames ${signed(u.gainDb)}`;
    lines.push(`update ${count} for ${u.model} (seq ${u.generation}, ${(u.bytes / 1024).toFixed(1)} KB): ${gain}`);
  }
  if (s.updatesApplied > 0 || s.updatesRejected > 0) lines.push(`updates applied ${s.updatesApplied}, refused ${s.updatesRejected}`);
  if (s.lastRevert !== null) lines.push(`reverted ${s.lastRevert.model} to its base weights: ${s.lastRevert.reason}`);
  return { adapted, badge, lines };
}
