import type { SenderEncoding, SenderState, SenderStats } from '../sender/protocol.js';

export interface SenderStateChangeEvent {
  readonly state: SenderState;
  readonly previous: SenderState;
}

/** An update was published (sent on every open channel that can take it, and kept for later ones). */
export interface SenderUpdateEvent {
  readonly seq: number;
  readonly bytes: number;
  /** Held-back validation Y-PSNR gain of the sent (quantised) weights over the base. */
  readonly gainDb: number;
  readonly encoding: SenderEncoding;
  readonly variant: string;
}

export interface SenderEventMap {
  statechange: [SenderStateChangeEvent];
  update: [SenderUpdateEvent];
  stats: [SenderStats];
  error: [Error];
}
